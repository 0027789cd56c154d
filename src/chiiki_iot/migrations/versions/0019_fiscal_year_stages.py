"""The condensed history the figures read: the last status of each body, model and fiscal year

The figures read the stage at every 年度末 from the whole status history, at a cost that grew with it
(seconds at 50 annual rounds, issue 13). ``fiscal_year_stages`` holds at most one row per body, model and
fiscal year, kept by the transaction that appends to the history; this migration fills it from the history
already recorded (the same rule as ``chiiki-iot survey rebuild-figures``).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "fiscal_year_stages",
        sa.Column("model_slug", sa.String(length=64), nullable=False),
        sa.Column("body_code", sa.String(length=6), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_code"], ["bodies.code"], name=op.f("fk_fiscal_year_stages_body_code_bodies")
        ),
        sa.PrimaryKeyConstraint("model_slug", "body_code", "fiscal_year", name=op.f("pk_fiscal_year_stages")),
    )
    op.create_index(op.f("ix_fiscal_year_stages_fiscal_year"), "fiscal_year_stages", ["fiscal_year"])
    history = op.get_bind().execute(
        sa.text(
            "SELECT id, body_code, model_slug, stage, effective_on FROM status_changes "
            "ORDER BY effective_on, id"
        )
        .columns(  # typed, or SQLite returns the dates as text
            sa.column("id", sa.Integer()),
            sa.column("body_code", sa.String()),
            sa.column("model_slug", sa.String()),
            sa.column("stage", sa.String()),
            sa.column("effective_on", sa.Date()),
        )
        .execution_options(yield_per=50_000)
    )
    last: dict[tuple[str, str, int], dict[str, object]] = {}
    for change_id, code, model, stage, day in history:
        year = day.year if day.month >= 4 else day.year - 1  # 年度: April to March
        last[(model, code, year)] = {
            "model_slug": model,
            "body_code": code,
            "fiscal_year": year,
            "stage": stage,
            "effective_on": day,
            "change_id": change_id,
        }
    rows = list(last.values())
    for start in range(0, len(rows), 5_000):
        op.bulk_insert(table, rows[start : start + 5_000])


def downgrade() -> None:
    op.drop_index(op.f("ix_fiscal_year_stages_fiscal_year"), table_name="fiscal_year_stages")
    op.drop_table("fiscal_year_stages")
