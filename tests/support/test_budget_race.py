"""Two approvals racing for the last of an envelope: exactly one wins, the other is told what remains, and
the envelope is never overdrawn — fifty times in a row, each race on connections of their own."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.core.errors import Conflict
from chiiki_iot.support import applications, budgets
from tests.accounts.factories import create_user, principal
from tests.support.factories import draft, reviewed

RACES = 50


@pytest.mark.own_database  # each approval commits on a connection of its own
def test_two_approvals_for_the_last_of_the_envelope(own_database: Engine) -> None:
    with Session(own_database) as setup, setup.begin():
        secretariat = principal(create_user(setup, Role.SECRETARIAT))
    for race in range(RACES):
        year = 2030 + race  # an envelope of its own per race
        with Session(own_database) as setup, setup.begin():
            budgets.set_envelope(
                setup, principal=secretariat, measure_slug="implementation-funding",
                fiscal_year=year, envelope_yen=3_000_000,
            )  # fmt: skip
            racers = []
            for lead in ("011002", "012033"):
                application = draft(setup, lead=lead, yen=2_000_000, fiscal_year=year)
                reviewed(setup, application, secretariat=secretariat)
                racers.append((application.id, application.version))
        outcomes = _race(own_database, secretariat, racers)
        assert sorted(outcomes) == ["approved", "refused"], (race, outcomes)
        with Session(own_database) as check:
            [line] = budgets.budget_lines(check, fiscal_year=year)
            assert (line.committed_yen, line.remaining_yen) == (2_000_000, 1_000_000), race
            statuses = sorted(applications.get(check, secretariat, a).status for a, _ in racers)
            assert statuses == ["approved", "reviewed"], race


def _race(engine: Engine, secretariat, racers: list[tuple[int, int]]) -> list[str]:  # type: ignore[no-untyped-def]
    """Both approvals at the same moment, each on a connection of its own; what each was told."""
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(application_id: int, version: int) -> None:
        with Session(engine) as session:
            start.wait()
            try:
                applications.decide(
                    session, principal=secretariat, application_id=application_id,
                    expected_version=version, outcome="approve", reason="交付する",
                )  # fmt: skip
                session.commit()
                outcomes.append("approved")
            except Conflict as refused:
                session.rollback()
                assert "残額" in refused.message_ja and "remaining" in refused.message_en
                outcomes.append("refused")

    threads = [threading.Thread(target=approve, args=r) for r in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes
