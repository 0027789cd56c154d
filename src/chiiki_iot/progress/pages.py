"""Dashboard pages: the national overview, each block and prefecture, each KPI, and a body's contribution."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import current_principal
from chiiki_iot.adoption.ladder import LADDER, Barrier, Stage
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.i18n import current_language
from chiiki_iot.progress import charts, funnel, service
from chiiki_iot.progress import facts as fact_store
from chiiki_iot.progress.kpi import FORECAST_LABELS, RATING_LABELS
from chiiki_iot.progress.service import Scope
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import revisions
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web import sections
from chiiki_iot.web.charts import svg_response
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.page_cache import cached_page
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
AsOf = Annotated[dt.date | None, Query(description="基準日 / as of (default today)")]
DEFAULT_MODEL = "open-data"


DASHBOARD_SLOT = "progress.dashboard"
"""Where domains above progress add to the national dashboard (the 官民ネット's matching figures)."""
BARRIER_SLOT = "progress.barriers"
BLOCK_SLOT = "progress.block"
"""On a block's dashboard: what domains above keep for the block (its council's priority models)."""
KPI_SLOT = "progress.kpi"
"""Under a KPI's figures: what domains above say about it (the open countermeasures of a lagging KPI)."""
"""Where the support package names, under each 壁 on a dashboard, the measures that answer it; the
fragment is included once per barrier with ``barrier`` (its value) and ``held`` (the bodies) in scope."""


def _dashboard(
    request: Request, session: Session, scope: Callable[[], Scope], day: dt.date, model: str
) -> Response:
    """The dashboard of a scope, which is only worked out (all counted bodies read) when the page is
    rendered, not when it is served from memory."""
    return cached_page(
        request,
        version=lambda: (
            f"{fact_store.page_version(session, day)}.{sections.versions(DASHBOARD_SLOT, session)}"
            f".{sections.versions(BARRIER_SLOT, session)}.{sections.versions(BLOCK_SLOT, session)}"
        ),
        render=lambda: _render_dashboard(request, session, scope(), day, model),
    )


def _render_dashboard(
    request: Request, session: Session, scope: Scope, day: dt.date, model: str
) -> HTMLResponse:
    return render(request, "progress/dashboard.html", **_dashboard_figures(session, scope, day, model))


def _dashboard_figures(session: Session, scope: Scope, day: dt.date, model: str) -> dict[str, Any]:
    """Everything a dashboard shows, derived from the shared facts (and kept with them)."""
    known = fact_store.facts(session, day)
    cards = service.overview(session, scope, as_of=day)
    chosen = roadmap.get_model(session, model)
    ranked_kpi = _counting_kpi(session, chosen.slug)
    rankings, block_rankings = None, None
    if ranked_kpi is not None and scope.kind in ("nation", "block"):
        rankings = _ranked(service.breakdown(session, ranked_kpi, "prefecture", as_of=day))
        if scope.kind == "block":
            rankings = [
                r for r in rankings if r.scope.codes and r.scope.codes <= (scope.codes or frozenset())
            ]
        else:
            block_rankings = _ranked(service.breakdown(session, ranked_kpi, "block", as_of=day))
    return {
        "scope": scope,
        "as_of": day,
        "cards": cards,
        "facts": known.label,
        "model": chosen,
        "models": roadmap.list_models(session),
        "steps": funnel.funnel(session, chosen.slug, scope, as_of=day),
        "held_back": funnel.held_back(session, scope, as_of=day),
        "barriers": list(Barrier),
        "barrier_sections": sections.fill(BARRIER_SLOT, session),
        "rankings": rankings,
        "block_rankings": block_rankings,
        "ranking_kpi": ranked_kpi,
        "stages": [*LADDER, Stage.STOPPED],
        "ratings": RATING_LABELS,
        "blocks": registry.list_blocks(session),
        "prefectures": registry.list_prefectures(session),
        "sections": sections.fill(DASHBOARD_SLOT, session) if scope.kind == "nation" else [],
        "block_sections": sections.fill(BLOCK_SLOT, session, block_slug=scope.key)
        if scope.kind == "block"
        else [],
    }


def _warm_national_dashboard(session: Session, facts: fact_store.Facts) -> None:
    """The national dashboard's figures, worked out in the background refresh before readers see the facts
    (the page everyone opens at a deadline)."""
    _dashboard_figures(session, service.NATION, facts.as_of, DEFAULT_MODEL)


fact_store.warm_with(_warm_national_dashboard)


def _ranked(rows: list[service.KpiProgress]) -> list[service.KpiProgress]:
    """Best first: by share of the scope's part of the target. A scope where nobody has reported is not
    ranked at all: ranking it last at zero would say something the data does not."""
    return sorted((p for p in rows if p.reported), key=lambda p: (-(p.share_of_target or 0), p.scope.key))


def _counting_kpi(session: Session, model_slug: str):
    """The model's KPI that counts bodies, if it has one (rankings compare prefectures on it)."""
    return next(
        (
            k
            for k in roadmap.list_kpis(session)
            if k.model.slug == model_slug and (k.measure or {}).get("method") == "bodies-at-stage"
        ),
        None,
    )


@router.get("/dashboard", response_class=HTMLResponse)
def national(
    request: Request,
    session: SessionDep,
    as_of: AsOf = None,
    model: Annotated[str, Query(max_length=64)] = DEFAULT_MODEL,
) -> Response:
    return _dashboard(request, session, lambda: service.NATION, as_of or today_in_japan(), model)


@router.get("/dashboard/blocks/{slug}", response_class=HTMLResponse)
def block(
    request: Request,
    session: SessionDep,
    slug: str,
    as_of: AsOf = None,
    model: Annotated[str, Query(max_length=64)] = DEFAULT_MODEL,
) -> Response:
    return _dashboard(
        request, session, lambda: service.scope_of(session, "block", slug), as_of or today_in_japan(), model
    )


@router.get("/dashboard/prefectures/{code}", response_class=HTMLResponse)
def prefecture(
    request: Request,
    session: SessionDep,
    code: str,
    as_of: AsOf = None,
    model: Annotated[str, Query(max_length=64)] = DEFAULT_MODEL,
) -> Response:
    return _dashboard(
        request,
        session,
        lambda: service.scope_of(session, "prefecture", code),
        as_of or today_in_japan(),
        model,
    )


@router.get("/dashboard/kpis/{slug}", response_class=HTMLResponse)
def kpi_page(request: Request, session: SessionDep, slug: str, as_of: AsOf = None) -> Response:
    day = as_of or today_in_japan()
    return cached_page(
        request,
        version=lambda: f"{fact_store.page_version(session, day)}.{sections.versions(KPI_SLOT, session)}",
        render=lambda: _render_kpi_page(request, session, slug, day),
    )


def _render_kpi_page(request: Request, session: Session, slug: str, day: dt.date) -> HTMLResponse:
    kpi = service.get_kpi(session, slug)
    progress = service.kpi_progress(session, kpi, service.NATION, as_of=day)
    measured = progress.method not in ("national-figure", "not-measured")
    return render(
        request,
        "progress/kpi.html",
        kpi=kpi,
        p=progress,
        targets=revisions.targets_across(session, kpi.slug),
        kpi_sections=sections.fill(KPI_SLOT, session, kpi_slug=kpi.slug, rating=progress.rating.value),
        as_of=day,
        facts=fact_store.facts(session, day).label,
        ratings=RATING_LABELS,
        forecast_labels=FORECAST_LABELS,
        method_labels=service.METHOD_LABELS,
        blocks=service.breakdown(session, kpi, "block", as_of=day) if measured else [],
        prefectures=service.breakdown(session, kpi, "prefecture", as_of=day) if measured else [],
    )


@router.get("/dashboard/kpis/{slug}/trend.svg")
def trend(
    request: Request,
    session: SessionDep,
    slug: str,
    scope: Annotated[str, Query(max_length=16)] = "nation",
    key: Annotated[str, Query(max_length=2000)] = "",
    as_of: AsOf = None,
) -> Response:
    day = as_of or today_in_japan()
    progress = service.kpi_progress(
        session, service.get_kpi(session, slug), service.scope_of(session, scope, key), as_of=day
    )
    earlier = [
        t for t in revisions.targets_across(session, progress.kpi.slug)[:-1] if t.target_value is not None
    ]
    svg = charts.trend_svg(
        progress,
        lang=current_language.get(),
        version=f"{fact_store.facts(session, day).version}:{day}",
        earlier=[(t.revision, t.target_value or 0.0) for t in earlier] if scope == "nation" else [],
    )
    return svg_response(request, svg, cache_control="private, max-age=60", vary="Cookie")


@router.get("/dashboard/stages/{model}.svg")
def stage_map(
    request: Request,
    session: SessionDep,
    model: str,
    scope: Annotated[str, Query(max_length=16)] = "nation",
    key: Annotated[str, Query(max_length=2000)] = "",
    as_of: AsOf = None,
) -> Response:
    day = as_of or today_in_japan()
    slug = roadmap.get_model(session, model).slug
    svg = charts.stage_map_svg(
        session,
        fact_store.facts(session, day),
        slug,
        service.scope_of(session, scope, key),
        lang=current_language.get(),
    )
    return svg_response(request, svg, cache_control="private, max-age=60", vary="Cookie")


@router.get("/bodies/{code}/progress", response_class=HTMLResponse)
def body_progress(request: Request, session: SessionDep, code: str, as_of: AsOf = None) -> HTMLResponse:
    day = as_of or today_in_japan()
    body = registry.get_body(session, code)
    peers, suggestions = funnel.next_models(session, body.code, as_of=day)
    return render(
        request,
        "progress/body.html",
        body=body,
        as_of=day,
        facts=fact_store.facts(session, day).label,
        contribution=service.body_contribution(session, body.code, as_of=day),
        peers=peers,
        suggestions=suggestions,
        models={m.slug: m for m in roadmap.list_models(session)},
    )
