"""JSON and CSV routes of the roadmap (``/api/v1/roadmap/...``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import current_principal
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
    notes_text,
)
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.tables import csv_response

router = APIRouter(prefix="/api/v1/roadmap", tags=["roadmap"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Format = Annotated[
    Literal["json", "csv"],
    Query(description="json（既定）または csv（BOM付きUTF-8） / json (default) or csv (UTF-8 with BOM)"),
]
Revision = Annotated[
    str | None,
    Query(
        max_length=16,
        description="版（例 2017-05、省略時は最新） / revision slug, e.g. 2017-05; latest if omitted",
    ),
]


@router.get("/revisions", response_model=list[RevisionRead], summary="Roadmap revisions / 改定履歴")
def revisions(session: SessionDep, format: Format = "json") -> list[RevisionRead] | Response:
    items = [RevisionRead.model_validate(r) for r in service.list_revisions(session)]
    if format == "csv":
        return csv_response(
            ({**r.model_dump(), "notes": notes_text(r.notes)} for r in items),
            columns=list(RevisionRead.model_fields),
            filename="revisions.csv",
        )
    return items


@router.get("/fields", response_model=list[FieldRead], summary="Fields / 分野")
def fields(
    session: SessionDep, revision: Revision = None, format: Format = "json"
) -> list[FieldRead] | Response:
    items = [field_read(f) for f in service.get_revision(session, revision).fields]
    if format == "csv":
        rows = ({**f.model_dump(), "models": " ".join(f.models)} for f in items)
        return csv_response(rows, columns=list(FieldRead.model_fields), filename="fields.csv")
    return items


@router.get(
    "/models", response_model=list[ModelRead], summary="Sector models with plans and KPIs / 分野別モデル"
)
def models(
    session: SessionDep, revision: Revision = None, format: Format = "json"
) -> list[ModelRead] | Response:
    items = [model_read(m) for m in service.list_models(session, revision=revision)]
    if format == "csv":
        rows = [
            {
                **m.model_dump(exclude={"plans", "kpis"}),
                "notes": notes_text(m.notes),
                **{f"fy{p.fiscal_year}": f"[{p.phase}] {p.plan_ja}" for p in m.plans},
            }
            for m in items
        ]
        columns = [c for c in ModelRead.model_fields if c not in ("plans", "kpis")]
        return csv_response(
            rows, columns=columns + [f"fy{y}" for y in range(2016, 2021)], filename="models.csv"
        )
    return items


@router.get("/models/{slug}", response_model=ModelRead, summary="One sector model")
def model(session: SessionDep, slug: str, revision: Revision = None) -> ModelRead:
    return model_read(service.get_model(session, slug, revision=revision))


@router.get("/kpis", response_model=list[KpiRead], summary="KPIs with 2020 targets / 達成すべき指標")
def kpis(session: SessionDep, revision: Revision = None, format: Format = "json") -> list[KpiRead] | Response:
    items = [kpi_read(k) for k in service.list_kpis(session, revision=revision)]
    if format == "csv":
        rows = [
            {
                **k.model_dump(),
                "baseline": k.baseline["description_ja"] if k.baseline else "",
                "footnotes_ja": " / ".join(k.footnotes_ja),
                "footnotes_en": " / ".join(k.footnotes_en),
                "inputs": " ".join(k.inputs),
                "notes": notes_text(k.notes),
            }
            for k in items
        ]
        return csv_response(rows, columns=KPI_CSV_COLUMNS, filename="kpis.csv")
    return items


@router.get("/compare", response_model=RevisionDiffRead, summary="Differences between two revisions")
def compare(
    session: SessionDep,
    old: Annotated[str, Query(alias="from", max_length=16, description="比較元の版 / older revision")],
    new: Annotated[str, Query(alias="to", max_length=16, description="比較先の版 / newer revision")],
    format: Format = "json",
) -> RevisionDiffRead | Response:
    diff = RevisionDiffRead.model_validate(service.compare(session, old=old, new=new))
    if format == "csv":
        rows = (
            {"change": kind, "slug": c.slug, "name_ja": c.name_ja, "details": " / ".join(c.details)}
            for kind in DIFF_KINDS
            for c in getattr(diff, kind)
        )
        return csv_response(
            rows, columns=["change", "slug", "name_ja", "details"], filename=f"roadmap-{old}-{new}.csv"
        )
    return diff


DIFF_KINDS = (
    "models_added",
    "models_removed",
    "models_changed",
    "kpis_added",
    "kpis_removed",
    "kpis_changed",
)
