"""Roadmap transcription notes (注): each judgement call of a revision file, stored with the row it qualifies

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("roadmap_revisions", "sector_models", "roadmap_year_plans", "kpis")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("notes", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("notes")
