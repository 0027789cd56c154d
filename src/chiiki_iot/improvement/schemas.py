"""What the Act step's API returns: countermeasures with their rolled-up progress, opinions with their
triage, block priorities and published cases."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from chiiki_iot.improvement.models import BlockPriority, Case, Countermeasure, Opinion


class CountermeasureRead(BaseModel):
    id: int
    parent_id: int | None
    title: str
    owner_kind: str
    owner_block: str
    owner_prefecture: str
    kpi_slugs: list[str]
    model_slugs: list[str]
    barriers: list[str]
    scope_blocks: list[str]
    decided_at: str
    status: str
    progress: float
    weight: int
    next_milestone: str
    next_due_on: dt.date | None

    @classmethod
    def of(cls, row: Countermeasure, progress: float) -> CountermeasureRead:
        nxt = next((m for m in row.milestones if m.done_on is None), None)
        return cls(
            id=row.id, parent_id=row.parent_id, title=row.title, owner_kind=row.owner_kind,
            owner_block=row.owner_block, owner_prefecture=row.owner_prefecture, kpi_slugs=row.kpi_slugs,
            model_slugs=row.model_slugs, barriers=row.barriers, scope_blocks=row.scope_blocks,
            decided_at=row.decided_at, status=row.status, progress=round(progress, 1), weight=row.weight,
            next_milestone=nxt.title if nxt else "", next_due_on=nxt.due_on if nxt else None,
        )  # fmt: skip


class OpinionRead(BaseModel):
    id: int
    meeting_kind: str
    meeting_id: int
    block_slug: str
    raised_by: str
    text: str
    model_slugs: list[str]
    barriers: list[str]
    triage: str
    reply: str
    proposal: str
    triaged_at: dt.datetime | None

    @classmethod
    def of(cls, row: Opinion) -> OpinionRead:
        return cls(
            id=row.id, meeting_kind=row.meeting_kind, meeting_id=row.meeting_id, block_slug=row.block_slug,
            raised_by=row.raised_by, text=row.text, model_slugs=row.model_slugs, barriers=row.barriers,
            triage=row.triage, reply=row.reply, proposal=row.proposal, triaged_at=row.triaged_at,
        )  # fmt: skip


class PriorityRead(BaseModel):
    block_slug: str
    fiscal_year: int
    model_slugs: list[str]
    decided_at: str

    @classmethod
    def of(cls, row: BlockPriority) -> PriorityRead:
        return cls(
            block_slug=row.block_slug, fiscal_year=row.fiscal_year, model_slugs=row.model_slugs,
            decided_at=row.decided_at,
        )  # fmt: skip


class CaseRead(BaseModel):
    id: int
    body_code: str
    title: str
    model_slugs: list[str]
    kpi_slugs: list[str]
    problem: str
    built: str
    cost_yen: int | None
    funding: str
    vendors: list[str]
    results: str
    links: list[str]
    contact: str
    barriers_overcome: list[str]
    copied_from_id: int | None
    published_on: dt.date | None

    @classmethod
    def of(cls, row: Case) -> CaseRead:
        return cls(
            id=row.id, body_code=row.body_code, title=row.title, model_slugs=row.model_slugs,
            kpi_slugs=row.kpi_slugs, problem=row.problem, built=row.built, cost_yen=row.cost_yen,
            funding=row.funding, vendors=row.vendors, results=row.results, links=row.links, contact=row.contact,
            barriers_overcome=row.barriers_overcome, copied_from_id=row.copied_from_id,
            published_on=row.published_on,
        )  # fmt: skip
