"""Data versions: a counter per dataset, raised by the transaction that changes it

Figures were cached per server process and keyed on a write counter of that process, so a second worker
served stale figures after the first wrote, and any rolled-back request (a 404 from anyone) emptied the
cache (issue 13). The counter now lives in the database (``core.data_versions``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("counter", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_versions")),
    )
    # Every dataset's row exists from the start: two first changes at once must not both insert it.
    op.bulk_insert(table, [{"name": "figures", "counter": 1}, {"name": "roadmap", "counter": 1}])


def downgrade() -> None:
    op.drop_table("data_versions")
