"""Survey rounds ask for KPI input figures as well as stages

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-25 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rounds opened before this asked for no figures: an empty list says so.
    with op.batch_alter_table("survey_rounds") as batch:
        batch.add_column(sa.Column("input_slugs", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("survey_rounds") as batch:
        batch.drop_column("input_slugs")
