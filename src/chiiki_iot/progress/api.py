"""Open data of progress (/api/v1/progress/...): every figure the dashboard shows, as JSON and CSV."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import ApiWriterDep, current_principal
from chiiki_iot.accounts.policy import authorize
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.progress import catalog, funnel, service
from chiiki_iot.progress import facts as fact_store
from chiiki_iot.progress.schemas import (
    CoverageRead,
    FunnelStepRead,
    HeldBackRead,
    KpiDetailRead,
    KpiProgressRead,
    NationalFigureCreate,
    NationalFigureRead,
    NextModelRead,
)
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.page_cache import cached_page
from chiiki_iot.web.tables import csv_response

router = APIRouter(prefix="/api/v1", tags=["progress"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Format = Annotated[Literal["json", "csv"], Query(description="json または csv / json or csv")]
AsOf = Annotated[dt.date | None, Query(description="基準日（省略時は今日） / as of, default today")]
ScopeKind = Annotated[
    Literal["nation", "block", "prefecture", "group"],
    Query(description="範囲 / scope: nation, block, prefecture or group"),
]
ScopeKey = Annotated[
    str, Query(max_length=2000, description="ブロック・都道府県コード・団体コード（カンマ区切り） / key")
]


def _csv_or(items: list, format: str, filename: str):
    if format == "csv":
        columns = list(type(items[0]).model_fields) if items else ["synthetic"]
        return csv_response(
            (_flat(i.model_dump()) for i in items), columns=_flat_columns(columns), filename=filename
        )
    return items


def _flat(row: dict) -> dict:
    """A CSV row: the coverage object becomes coverage_reported, coverage_eligible, ..."""
    coverage = row.pop("coverage", None) if "coverage" in row else None
    return row | {f"coverage_{k}": v for k, v in (coverage or {}).items()}


def _flat_columns(columns: list[str]) -> list[str]:
    if "coverage" not in columns:
        return columns
    at = columns.index("coverage")
    return [*columns[:at], *(f"coverage_{k}" for k in CoverageRead.model_fields), *columns[at + 1 :]]


@router.get(
    "/progress/kpis", response_model=list[KpiProgressRead], summary="Every KPI's progress / KPIの進捗"
)
def kpis(
    request: Request,
    session: SessionDep,
    format: Format = "json",
    scope: ScopeKind = "nation",
    key: ScopeKey = "",
    as_of: AsOf = None,
) -> list[KpiProgressRead] | Response:
    """The most asked list of the API: kept per data version as JSON, with an ETag (``web.page_cache``)."""
    if format == "csv":
        return _kpis(session, format, scope, key, as_of)
    return cached_page(
        request,
        version=lambda: fact_store.page_version(session, as_of or today_in_japan()),
        render=lambda: Response(
            _KPI_LIST.dump_json(_kpis(session, format, scope, key, as_of)), media_type="application/json"
        ),
    )


_KPI_LIST = TypeAdapter(list[KpiProgressRead])


def _kpis(session: Session, format: str, scope: str, key: str, as_of: dt.date | None):
    day = as_of or today_in_japan()
    area = service.scope_of(session, scope, key)
    synthetic = fact_store.facts(session, day).synthetic
    items = [
        KpiProgressRead.of(p, as_of=day, synthetic=synthetic)
        for p in service.overview(session, area, as_of=day)
    ]
    return _csv_or(items, format, f"kpis-{area.kind}{('-' + area.key) if area.key else ''}.csv")


@router.get(
    "/progress/kpis/{slug}", response_model=KpiDetailRead, summary="One KPI with its series and forecast"
)
def kpi(
    session: SessionDep, slug: str, scope: ScopeKind = "nation", key: ScopeKey = "", as_of: AsOf = None
) -> KpiDetailRead:
    day = as_of or today_in_japan()
    progress = service.kpi_progress(
        session, service.get_kpi(session, slug), service.scope_of(session, scope, key), as_of=day
    )
    return KpiDetailRead.detail(progress, as_of=day, synthetic=fact_store.facts(session, day).synthetic)


@router.get(
    "/progress/kpis/{slug}/breakdown",
    response_model=list[KpiProgressRead],
    summary="A KPI by block or prefecture / ブロック別・都道府県別",
)
def kpi_breakdown(
    session: SessionDep,
    slug: str,
    level: Literal["block", "prefecture"] = "prefecture",
    format: Format = "json",
    as_of: AsOf = None,
) -> list[KpiProgressRead] | Response:
    day = as_of or today_in_japan()
    kpi = service.get_kpi(session, slug)  # an unknown slug is a 404 before any figure is computed
    synthetic = fact_store.facts(session, day).synthetic
    items = [
        KpiProgressRead.of(p, as_of=day, synthetic=synthetic)
        for p in service.breakdown(session, kpi, level, as_of=day)
    ]
    return _csv_or(items, format, f"kpi-{slug}-by-{level}.csv")


@router.post(
    "/progress/kpis/{slug}/national-figures",
    response_model=NationalFigureRead,
    status_code=201,
    summary="Enter a national figure (token, secretariat) / 全国値の入力",
    responses={401: {"description": "no or invalid token"}, 403: {"description": "not the secretariat"}},
)
def add_national_figure(
    session: SessionDep, principal: ApiWriterDep, slug: str, figure: Annotated[NationalFigureCreate, Body()]
) -> NationalFigureRead:
    authorize(principal, "progress.national_figures")
    row = service.record_national_figure(
        session,
        principal=principal,
        kpi_slug=slug,
        fiscal_year=figure.fiscal_year,
        value=figure.value,
        source=figure.source,
        observed_on=figure.observed_on,
    )
    return NationalFigureRead(
        kpi=row.kpi_slug,
        fiscal_year=row.fiscal_year,
        value=row.value,
        source=row.source,
        observed_on=row.observed_on,
        recorded_by=row.recorded_by,
    )


@router.get(
    "/progress/funnel/{model}",
    response_model=list[FunnelStepRead],
    summary="Bodies per stage and conversions / 関心から実行へ",
)
def model_funnel(
    session: SessionDep,
    model: str,
    scope: ScopeKind = "nation",
    key: ScopeKey = "",
    as_of: AsOf = None,
    format: Format = "json",
) -> list[FunnelStepRead] | Response:
    day = as_of or today_in_japan()
    steps = funnel.funnel(session, model, service.scope_of(session, scope, key), as_of=day)
    synthetic = fact_store.facts(session, day).synthetic  # the memo funnel() just filled
    items = [FunnelStepRead.of(s, synthetic=synthetic) for s in steps]
    if format == "csv":
        rows = (
            {
                "fiscal_year": s.fiscal_year,
                "not_reported": s.not_reported,
                **{f"count:{k}": v for k, v in s.counts.items()},
                **{f"moved_up:{k}": f"{a}/{b}" for k, (a, b) in s.moved_up.items()},
                "synthetic": synthetic,
            }
            for s in steps
        )
        columns = [
            "fiscal_year",
            "not_reported",
            *[f"count:{s}" for s in service.RANK],
            *[f"moved_up:{s}" for s in list(service.RANK)[:4]],
            "synthetic",
        ]
        return csv_response(rows, columns=columns, filename=f"funnel-{model}.csv")
    return items


@router.get(
    "/progress/support",
    response_model=list[HeldBackRead],
    summary="Bodies held back, by barrier / 壁に止められている団体",
)
def support(
    session: SessionDep,
    scope: ScopeKind = "nation",
    key: ScopeKey = "",
    as_of: AsOf = None,
    format: Format = "json",
) -> list[HeldBackRead] | Response:
    day = as_of or today_in_japan()
    synthetic = fact_store.facts(session, day).synthetic
    held = funnel.held_back(session, service.scope_of(session, scope, key), as_of=day)
    items = [
        HeldBackRead.of(barrier, n, synthetic=synthetic) for barrier, listed in held.items() for n in listed
    ]
    if format == "csv":
        return csv_response(
            ({**i.model_dump(), "models": " ".join(i.models)} for i in items),
            columns=list(HeldBackRead.model_fields),
            filename="support-needs.csv",
        )
    return items


@router.get(
    "/bodies/{code}/next-models",
    response_model=list[NextModelRead],
    summary="Models similar bodies have implemented / 横展開の候補",
)
def next_models(session: SessionDep, code: str, as_of: AsOf = None) -> list[NextModelRead]:
    day = as_of or today_in_japan()
    _, found = funnel.next_models(session, code, as_of=day)
    return [NextModelRead.of(n, synthetic=fact_store.facts(session, day).synthetic) for n in found]


@router.get(
    "/catalog",
    summary="DCAT catalogue of the site's datasets (JSON-LD) / データカタログ",
    response_class=Response,
    responses={200: {"content": {"application/ld+json": {}}}},
)
def dcat_catalogue(session: SessionDep) -> Response:
    return Response(
        json.dumps(catalog.catalogue(session), ensure_ascii=False), media_type="application/ld+json"
    )
