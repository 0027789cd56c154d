"""An API token carries the roles it was made with and never one its user is given later (issue 12, finding 7:
on SQLite a revoked grant's id went to the next grant, and an old token naming that id acted with the new role)."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.policy import Forbidden, Role, authorize
from tests.accounts.factories import create_user, principal


class TestOldTokensKeepTheirRoles:
    def test_revoke_then_grant_a_new_role_the_old_token_does_not_carry_it(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        user = create_user(session, Role.MUNICIPALITY, "011002")
        _, secret = service.create_api_token(session, user=user, name="集計スクリプト")
        revoked = user.grants[0].id
        service.revoke_role(session, principal=admin, user=user, grant_id=revoked)
        new = service.grant_role(session, principal=admin, user=user, role=Role.SECRETARIAT, scope="")
        assert new.id != revoked  # ids are never handed out twice, on SQLite too
        acting = service.principal_of_token(session, secret, ip="")
        assert acting is not None and acting.grants == ()
        with pytest.raises(Forbidden):
            authorize(acting, "users.manage")
        assert [g.role for g in service.principal_for(user).grants] == [Role.SECRETARIAT]  # the user has it

    def test_a_token_naming_a_grant_id_counts_it_only_with_the_role_it_was_made_with(
        self, session: Session
    ) -> None:
        """Should an id ever come back (a restored backup, a database without AUTOINCREMENT), the role and
        scope stored with the token still keep the newer grant out."""
        admin = principal(create_user(session, Role.SECRETARIAT))
        user = create_user(session, Role.MUNICIPALITY, "011002")
        token, secret = service.create_api_token(session, user=user, name="集計スクリプト")
        assert token.grant_roles == [["municipality", "011002"]]
        new = service.grant_role(session, principal=admin, user=user, role=Role.SECRETARIAT, scope="")
        token.grant_ids = [*token.grant_ids, new.id]  # as if the id had been reused
        session.flush()
        acting = service.principal_of_token(session, secret, ip="")
        assert acting is not None and [g.role for g in acting.grants] == [Role.MUNICIPALITY]


def test_role_grant_ids_are_autoincrement_on_sqlite(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        pytest.skip("PostgreSQL sequences never reuse ids")
    sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'role_grants'")).scalar_one()
    assert "AUTOINCREMENT" in sql.upper()
