"""Twenty clicks on one invitation link at once make one account; the others are told the link is used."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.models import User
from chiiki_iot.accounts.policy import Role
from chiiki_iot.core.errors import NotFound
from tests.accounts.factories import PASSWORD, create_user, principal


@pytest.mark.own_database  # each click commits on a connection of its own
def test_twenty_acceptances_at_once_make_one_account(own_database: Engine) -> None:
    with Session(own_database) as setup, setup.begin():
        admin = create_user(setup, Role.SECRETARIAT)
        _, token = service.invite(
            setup,
            principal=principal(admin),
            email="race@city.example",
            role=Role.MUNICIPALITY,
            scope="472018",
        )

    def click(_: int) -> str:
        with Session(own_database) as session:
            try:
                service.accept_invitation(session, token=token, display_name="那覇", password=PASSWORD)
                session.commit()
                return "account"
            except NotFound:
                session.rollback()
                return "used"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = sorted(pool.map(click, range(20)))
    assert outcomes == ["account"] + ["used"] * 19
    with Session(own_database) as check:
        assert check.scalar(select(func.count()).where(User.email == "race@city.example")) == 1
