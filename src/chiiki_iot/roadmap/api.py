"""JSON and CSV routes of the roadmap (``/api/v1/roadmap/...``)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chiiki_iot.roadmap import service
from chiiki_iot.roadmap.schemas import (
    KPI_CSV_COLUMNS,
    FieldRead,
    KpiRead,
    ModelRead,
    RevisionDiffRead,
    RevisionRead,
    field_read,
    kpi_read,
    model_read,
)
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.tables import csv_response

router = APIRouter(prefix="/api/v1/roadmap", tags=["roadmap"])
SessionDep = Annotated[Session, Depends(get_session)]
Format = Annotated[Literal["json", "csv"], Query(description="json (default) or csv (UTF-8 with BOM)")]
Revision = Annotated[str | None, Query(max_length=16, description="revision slug, e.g. 2017-05; latest if omitted")]


@router.get("/revisions", response_model=list[RevisionRead], summary="Roadmap revisions / 改定履歴")
def revisions(session: SessionDep) -> list[RevisionRead]:
    return [RevisionRead.model_validate(r) for r in service.list_revisions(session)]


@router.get("/fields", response_model=list[FieldRead], summary="Fields / 分野")
def fields(session: SessionDep, revision: Revision = None) -> list[FieldRead]:
    return [field_read(f) for f in service.get_revision(session, revision).fields]


@router.get("/models", response_model=list[ModelRead], summary="Sector models with plans and KPIs / 分野別モデル")
def models(session: SessionDep, revision: Revision = None, format: Format = "json") -> list[ModelRead] | Response:
    items = [model_read(m) for m in service.list_models(session, revision=revision)]
    if format == "csv":
        rows = [{**m.model_dump(exclude={"plans", "kpis"}),
                 **{f"fy{p.fiscal_year}": f"[{p.phase}] {p.plan_ja}" for p in m.plans}} for m in items]
        columns = [c for c in ModelRead.model_fields if c not in ("plans", "kpis")]
        return csv_response(rows, columns=columns + [f"fy{y}" for y in range(2016, 2021)], filename="models.csv")
    return items


@router.get("/models/{slug}", response_model=ModelRead, summary="One sector model")
def model(session: SessionDep, slug: str, revision: Revision = None) -> ModelRead:
    return model_read(service.get_model(session, slug, revision=revision))


@router.get("/kpis", response_model=list[KpiRead], summary="KPIs with 2020 targets / 達成すべき指標")
def kpis(session: SessionDep, revision: Revision = None, format: Format = "json") -> list[KpiRead] | Response:
    items = [kpi_read(k) for k in service.list_kpis(session, revision=revision)]
    if format == "csv":
        rows = [{**k.model_dump(), "baseline": json.dumps(k.baseline, ensure_ascii=False) if k.baseline else "",
                 "footnotes_ja": " / ".join(k.footnotes_ja), "footnotes_en": " / ".join(k.footnotes_en)}
                for k in items]
        return csv_response(rows, columns=KPI_CSV_COLUMNS, filename="kpis.csv")
    return items


@router.get("/compare", response_model=RevisionDiffRead, summary="Differences between two revisions")
def compare(session: SessionDep, old: Annotated[str, Query(alias="from", max_length=16)],
            new: Annotated[str, Query(alias="to", max_length=16)]) -> RevisionDiffRead:
    return RevisionDiffRead.model_validate(service.compare(session, old=old, new=new))
