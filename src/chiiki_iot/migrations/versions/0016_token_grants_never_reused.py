"""API tokens cannot pick up a user's later roles: role grant ids are never reused, and a token keeps the
role and scope of each grant it carries

On SQLite a plain INTEGER PRIMARY KEY reuses the highest id after a delete, so revoking a user's last grant
and granting another role gave the new grant the old id, and every token naming that id carried the new role
(issue 12, finding 7). The table is rebuilt with AUTOINCREMENT there (PostgreSQL's sequences never reuse
ids). Tokens get ``grant_roles``, filled from the grants they name that already existed when the token was
made — a grant newer than the token is one it can only have picked up by a reused id.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_tokens = sa.table(
    "api_tokens",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("grant_ids", sa.JSON),
    sa.column("grant_roles", sa.JSON),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_grants = sa.table(
    "role_grants",
    sa.column("id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("scope", sa.String),
    sa.column("granted_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table(
            "role_grants", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch_op:
            batch_op.alter_column("id", existing_type=sa.Integer())  # the rebuild is the change
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grant_roles", sa.JSON(), server_default="[]", nullable=False))
    for token in bind.execute(
        sa.select(_tokens.c.id, _tokens.c.user_id, _tokens.c.grant_ids, _tokens.c.created_at)
    ):
        named = [int(i) for i in token.grant_ids or []]
        rows = bind.execute(
            sa.select(_grants.c.role, _grants.c.scope)
            .where(
                _grants.c.user_id == token.user_id,
                _grants.c.id.in_(named),
                _grants.c.granted_at <= token.created_at,
            )
            .order_by(_grants.c.id)
        )
        roles = [[row.role, row.scope] for row in rows]
        bind.execute(sa.update(_tokens).where(_tokens.c.id == token.id).values(grant_roles=roles))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("grant_roles")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "role_grants", recreate="always", table_kwargs={"sqlite_autoincrement": False}
        ) as batch_op:
            batch_op.alter_column("id", existing_type=sa.Integer())
