"""An API token carries the roles it was made with and never one its user is given later (issue 12, finding 7:
on SQLite a revoked grant's id went to the next grant, and an old token naming that id acted with the new role)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.policy import Forbidden, Role, authorize
from chiiki_iot.app import alembic_config
from chiiki_iot.core.db import make_engine
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


def test_the_migration_fills_existing_tokens_with_the_grants_older_than_them(tmp_path: Path) -> None:
    """0016 on a database that already has tokens: a token keeps the role of a grant it was made with, and
    not that of a grant that took a reused id after it was made (the poisoned case of finding 7)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0015")
        conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, password_hash, is_active, is_demo, failed_logins, "
                "created_at, version) "
                "VALUES (1, 'a@example.jp', 'a', 'x', 1, 0, 0, '2020-01-01 00:00:00', 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO role_grants (id, user_id, role, scope, granted_at) VALUES "
                "(1, 1, 'municipality', '011002', '2020-01-01 00:00:00'), "
                "(2, 1, 'secretariat', '', '2021-06-01 00:00:00')"  # id 2 reused after the token below
            )
        )
        conn.execute(
            text(
                "INSERT INTO api_tokens (user_id, name, prefix, token_hash, grant_ids, created_at) VALUES "
                "(1, 't', 'ciot_x', 'h', '[1, 2]', '2021-01-01 00:00:00')"
            )
        )
        command.upgrade(config, "0016")
        assert json.loads(conn.execute(text("SELECT grant_roles FROM api_tokens")).scalar_one()) == [
            ["municipality", "011002"]
        ]
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'role_grants'")).scalar_one()
        assert "AUTOINCREMENT" in sql.upper()
    engine.dispose()
