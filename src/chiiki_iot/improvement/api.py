"""The Act step as JSON and CSV (/api/v1/improvement/...): countermeasures, opinions, priorities and
published cases, open to anyone (they are the programme's public record)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from chiiki_iot.accounts.auth import current_principal
from chiiki_iot.improvement import cases, countermeasures, opinions, priorities
from chiiki_iot.improvement.forms import SessionDep
from chiiki_iot.improvement.schemas import CaseRead, CountermeasureRead, OpinionRead, PriorityRead
from chiiki_iot.web.tables import schema_csv

router = APIRouter(
    prefix="/api/v1/improvement", tags=["improvement"], dependencies=[Depends(current_principal)]
)
Format = Annotated[Literal["json", "csv"], Query(description="json または csv / json or csv")]


@router.get("/countermeasures", response_model=list[CountermeasureRead], summary="Countermeasures / 対応策")
def countermeasure_list(session: SessionDep, format: Format = "json") -> list[CountermeasureRead] | Response:
    rows = countermeasures.list_all(session)
    progress = countermeasures.rolled_up(rows)
    items = [CountermeasureRead.of(r, progress[r.id]) for r in rows]
    return schema_csv(items, CountermeasureRead, "countermeasures.csv") if format == "csv" else items


@router.get("/opinions", response_model=list[OpinionRead], summary="Opinions and their triage / 意見")
def opinion_list(session: SessionDep, format: Format = "json") -> list[OpinionRead] | Response:
    items = [OpinionRead.of(o) for o in opinions.list_opinions(session)]
    return schema_csv(items, OpinionRead, "opinions.csv") if format == "csv" else items


@router.get("/priorities", response_model=list[PriorityRead], summary="Block priority models / 重点モデル")
def priority_list(session: SessionDep, format: Format = "json") -> list[PriorityRead] | Response:
    items = [PriorityRead.of(p) for p in priorities.all_current(session).values()]
    return schema_csv(items, PriorityRead, "priorities.csv") if format == "csv" else items


@router.get("/cases", response_model=list[CaseRead], summary="Published cases / 事例集")
def case_list(session: SessionDep, format: Format = "json") -> list[CaseRead] | Response:
    items = [CaseRead.of(c) for c in cases.published(session)]
    return schema_csv(items, CaseRead, "cases.csv") if format == "csv" else items
