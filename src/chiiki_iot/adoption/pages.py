"""Pages of adoption: a body's status matrix with its timeline, and a model's adoption list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chiiki_iot.accounts.web import current_principal
from chiiki_iot.adoption import service
from chiiki_iot.adoption.ladder import LADDER, Stage
from chiiki_iot.adoption.projects import FUNDING, projects_of_body
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
AsOf = Annotated[dt.date | None, Query(description="基準日 / as of (default today)")]


@router.get("/bodies/{code}/status", response_class=HTMLResponse)
def body_status(request: Request, session: SessionDep, code: str, as_of: AsOf = None) -> HTMLResponse:
    day = as_of or dt.date.today()
    body = registry.get_body(session, code)
    return render(request, "adoption/body_status.html", body=body, as_of=day,
                  models=roadmap.list_models(session), status=service.status_of_body(session, body.code, as_of=day),
                  timeline=service.history(session, body.code), stages=[*LADDER, Stage.STOPPED],
                  barriers=service.barriers_of_body(session, body.code)[:100],
                  projects=projects_of_body(session, body.code), funding=FUNDING,
                  inputs=service.inputs_of_body(session, body.code), input_items=roadmap.list_kpi_inputs(session))


@router.get("/roadmap/models/{slug}/adoption", response_class=HTMLResponse)
def model_adoption(request: Request, session: SessionDep, slug: str, as_of: AsOf = None) -> HTMLResponse:
    day = as_of or dt.date.today()
    return render(request, "adoption/model_adoption.html", model=roadmap.get_model(session, slug), as_of=day,
                  rows=service.adoption_of_model(session, slug, as_of=day),
                  counts=service.stage_counts(session, slug, as_of=day), stages=[*LADDER, Stage.STOPPED])
