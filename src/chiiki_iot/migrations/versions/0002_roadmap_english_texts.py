"""English texts for the roadmap: KPI targets, field areas and model notes

The first pages showed these in Japanese on the English site.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpis") as batch:
        batch.add_column(
            sa.Column("target_text_en", sa.String(length=255), nullable=False, server_default="")
        )
    with op.batch_alter_table("roadmap_fields") as batch:
        batch.add_column(sa.Column("area_en", sa.String(length=128), nullable=False, server_default=""))
    with op.batch_alter_table("sector_models") as batch:
        batch.add_column(sa.Column("note_en", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("sector_models") as batch:
        batch.drop_column("note_en")
    with op.batch_alter_table("roadmap_fields") as batch:
        batch.drop_column("area_en")
    with op.batch_alter_table("kpis") as batch:
        batch.drop_column("target_text_en")
