"""KPI inputs declare the most a body may report per inhabitant

A body's figure is bounded by its size as well as by its unit (issue 12, finding 5): a municipality of
3,000 people cannot have 40,000 PHR users or 900 schools. The bound is data (``per_inhabitant_max`` in the
roadmap file), copied into ``kpi_inputs`` with the revision; existing revisions get it from the file on the
next reference-data load, and until then are bounded by their unit only.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("kpi_inputs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("per_inhabitant_max", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kpi_inputs", schema=None) as batch_op:
        batch_op.drop_column("per_inhabitant_max")
