"""The network as JSON and CSV (/api/v1/network/...): members, published needs with their ranked
solutions, and the solution catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, current_principal
from chiiki_iot.network import hub, members, ranking
from chiiki_iot.network.schemas import MemberRead, NeedRead, RankedSolutionRead, SolutionRead
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.tables import csv_response

router = APIRouter(prefix="/api/v1/network", tags=["network"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="record id")]
"""A record id as the database can hold it: a larger number is a 422, not a 500 from the driver."""
Format = Annotated[Literal["json", "csv"], Query(description="json または csv / json or csv")]


def _csv(items: Sequence[BaseModel], model: type[BaseModel], filename: str) -> Response:
    return csv_response((i.model_dump() for i in items), columns=list(model.model_fields), filename=filename)


@router.get("/members", response_model=list[MemberRead], summary="Members / 官民ネットの参加メンバー")
def member_list(
    session: SessionDep,
    kind: str = "",
    block: str = "",
    model: str = "",
    founders: bool = False,
    format: Format = "json",
) -> list[MemberRead] | Response:
    filters = members.MemberFilter(kind=kind, block=block, model=model, founders_only=founders)
    items = [MemberRead.of(m) for m in members.list_members(session, filters)]
    return _csv(items, MemberRead, "network-members.csv") if format == "csv" else items


@router.get("/needs", response_model=list[NeedRead], summary="Needs / 課題 (published, and your own)")
def need_list(
    session: SessionDep, principal: PrincipalDep, format: Format = "json"
) -> list[NeedRead] | Response:
    items = [NeedRead.of(n) for n in hub.list_needs(session, principal)]
    return _csv(items, NeedRead, "network-needs.csv") if format == "csv" else items


@router.get(
    "/needs/{need_id}/solutions",
    response_model=list[RankedSolutionRead],
    summary="Ranked solutions for a need",
)
def ranked_solutions(
    session: SessionDep,
    principal: PrincipalDep,
    need_id: RowId,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
) -> list[RankedSolutionRead]:
    need = hub.get_need(session, principal, need_id)
    return [
        RankedSolutionRead.of(r.solution, r.ranked)
        for r in ranking.solutions_for_need(session, need, limit=limit)
    ]


@router.get("/solutions", response_model=list[SolutionRead], summary="Solutions / 解決策の一覧")
def solution_list(
    session: SessionDep, organisation: str = "", format: Format = "json"
) -> list[SolutionRead] | Response:
    items = [SolutionRead.of(s) for s in hub.list_solutions(session, organisation=organisation)]
    return _csv(items, SolutionRead, "network-solutions.csv") if format == "csv" else items
