"""Pages of the roadmap: the overview table and timeline, each field, each model, the KPI list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import current_principal
from chiiki_iot.core.i18n import current_language
from chiiki_iot.roadmap import charts, service
from chiiki_iot.roadmap.datafile import COUNTED_THINGS, NOTE_FIELDS, ROADMAP_FISCAL_YEARS
from chiiki_iot.web.charts import svg_response
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Revision = Annotated[str | None, Query(max_length=16)]


@router.get("/roadmap", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, revision: Revision = None) -> HTMLResponse:
    return render(
        request,
        "roadmap/overview.html",
        revision=service.get_revision(session, revision),
        revisions=service.list_revisions(session),
        years=ROADMAP_FISCAL_YEARS,
        plan_spans=service.plan_spans,
        note_labels=NOTE_FIELDS,
    )


@router.get("/roadmap/timeline.svg")
def timeline(request: Request, session: SessionDep, revision: Revision = None) -> Response:
    svg = charts.timeline_svg(service.get_revision(session, revision), lang=current_language.get())
    return svg_response(request, svg, cache_control="public, max-age=300")


@router.get("/roadmap/kpis", response_class=HTMLResponse)
def kpis(request: Request, session: SessionDep, revision: Revision = None) -> HTMLResponse:
    return render(
        request,
        "roadmap/kpis.html",
        revision=service.get_revision(session, revision),
        counted_things=COUNTED_THINGS,
        note_labels=NOTE_FIELDS,
    )


@router.get("/roadmap/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    session: SessionDep,
    old: Annotated[str, Query(alias="from", max_length=16)],
    new: Annotated[str, Query(alias="to", max_length=16)],
) -> HTMLResponse:
    return render(request, "roadmap/compare.html", diff=service.compare(session, old=old, new=new))


@router.get("/roadmap/fields/{slug}", response_class=HTMLResponse)
def field_page(request: Request, session: SessionDep, slug: str, revision: Revision = None) -> HTMLResponse:
    return render(
        request,
        "roadmap/field.html",
        field=service.get_field(session, slug, revision=revision),
        years=ROADMAP_FISCAL_YEARS,
        note_labels=NOTE_FIELDS,
    )


@router.get("/roadmap/models/{slug}", response_class=HTMLResponse)
def model_page(request: Request, session: SessionDep, slug: str, revision: Revision = None) -> HTMLResponse:
    return render(
        request,
        "roadmap/model.html",
        model=service.get_model(session, slug, revision=revision),
        note_labels=NOTE_FIELDS,
    )
