"""重点モデル: each block council chooses the sector models it will push in a fiscal year, in order. The block
dashboard shows them first, each with how far the block has come on it, so the council's own choice
orders what the block is urged to do next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core import data_versions
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.improvement.countermeasures import stale
from chiiki_iot.improvement.models import BlockPriority
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

PRIORITIES = "improvement.priorities"
data_versions.watch(
    PRIORITIES, lambda record: isinstance(record, BlockPriority), tables=("block_priorities",)
)
MOST = 5  # a priority list longer than this is no longer a priority


def of_block(session: Session, block_slug: str, *, fiscal_year: int | None = None) -> BlockPriority | None:
    """The block's priorities for the year (this fiscal year by default), or the latest before it."""
    year = fiscal_year or FiscalYear.of(today_in_japan()).year
    return session.scalar(
        select(BlockPriority)
        .where(BlockPriority.block_slug == block_slug, BlockPriority.fiscal_year <= year)
        .order_by(BlockPriority.fiscal_year.desc())
        .limit(1)
    )


def all_current(session: Session) -> dict[str, BlockPriority]:
    """Block slug → its priorities in force this fiscal year (blocks without any are left out)."""
    found = {}
    for block in registry.list_blocks(session):
        row = of_block(session, block.slug)
        if row is not None:
            found[block.slug] = row
    return found


def set_priorities(
    session: Session, *, principal: Principal, block_slug: str, fiscal_year: int, model_slugs: list[str],
    decided_at: str, expected_version: int | None,
) -> BlockPriority:  # fmt: skip
    """The block's bureau (or the secretariat) records the council's choice, in order."""
    block = registry.get_block(session, block_slug)
    authorize(principal, "priorities.set", Target(block_slug=block.slug))
    models = {m.slug for m in roadmap.list_models(session)}
    chosen = list(dict.fromkeys(m for m in model_slugs if m))
    if not chosen or len(chosen) > MOST or any(m not in models for m in chosen):
        raise InvalidInput(
            f"重点モデルは分野別モデルから1〜{MOST}個、順に選んでください。",
            f"Choose 1 to {MOST} sector models, in order.",
        )
    if not 2016 <= fiscal_year <= FiscalYear.of(today_in_japan()).year + 1:
        raise InvalidInput(
            "年度は2016年度から来年度までです。", "The fiscal year runs from 2016 to next year."
        )
    row = session.scalar(
        select(BlockPriority).where(
            BlockPriority.block_slug == block.slug, BlockPriority.fiscal_year == fiscal_year
        )
    )
    if row is None:
        row = BlockPriority(block_slug=block.slug, fiscal_year=fiscal_year)
        session.add(row)
    elif row.version != expected_version:
        raise stale("この重点モデル", "these priorities")
    row.model_slugs, row.decided_at = chosen, decided_at.strip()[:255]
    row.set_by, row.set_at = principal.actor, dt.datetime.now(dt.UTC)
    session.flush()
    return row


@dataclass(frozen=True)
class PriorityProgress:
    """A priority model in a block: how many of the block's bodies have implemented it, and how many
    have not yet begun (未着手 or no answer) — whom the council's push is for."""

    rank: int
    model: roadmap.SectorModel
    implemented: int
    bodies: int


def progress_in_block(session: Session, block_slug: str) -> list[PriorityProgress]:
    """The block's priority models in the council's order, each with the block's implementation."""
    row = of_block(session, block_slug)
    if row is None:
        return []
    scope = progress.scope_of(session, "block", block_slug)
    stages = progress.facts_on(session, today_in_japan()).current
    codes = [c for c in (scope.codes or frozenset())]
    models = {m.slug: m for m in roadmap.list_models(session)}
    out = []
    for rank, slug in enumerate(row.model_slugs, start=1):
        if slug in models:
            done = sum(stages.get((code, slug)) == Stage.IMPLEMENTED.value for code in codes)
            out.append(PriorityProgress(rank, models[slug], done, len(codes)))
    return out
