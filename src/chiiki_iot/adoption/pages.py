"""Pages of adoption: a body's status matrix with its timeline (and forms to record a change or a barrier),
and a model's adoption list."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, csrf_protected, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, authorize, can
from chiiki_iot.adoption import service
from chiiki_iot.adoption.ladder import LADDER, Barrier, Stage, parse_stage
from chiiki_iot.adoption.projects import FUNDING, projects_of_body
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import parse_entered_date, today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
AsOf = Annotated[dt.date | None, Query(description="基準日 / as of (default today)")]


@router.get("/bodies/{code}/status", response_class=HTMLResponse)
def body_status(
    request: Request, session: SessionDep, principal: PrincipalDep, code: str, as_of: AsOf = None
) -> HTMLResponse:
    return _body_page(request, session, principal, code, as_of or today_in_japan())


def _body_page(
    request: Request,
    session: Session,
    principal: Principal,
    code: str,
    day: dt.date,
    *,
    error: UserError | None = None,
    entered: dict[str, str] | None = None,
    notice: tuple[str, str] | None = None,
) -> HTMLResponse:
    body = registry.get_body(session, code)
    return render(
        request,
        "adoption/body_status.html",
        status_code=error.status_code if error else 200,
        body=body,
        as_of=day,
        models=roadmap.list_models(session),
        status=service.status_of_body(session, body.code, as_of=day),
        timeline=service.history(session, body.code),
        stages=[*LADDER, Stage.STOPPED],
        barriers=service.barriers_of_body(session, body.code)[:100],
        barrier_choices=list(Barrier),
        projects=projects_of_body(session, body.code),
        funding=FUNDING,
        inputs=service.inputs_of_body(session, body.code),
        input_items=roadmap.list_kpi_inputs(session),
        can_record=can(principal, "status.record", registry.policy_target(body)),
        source_labels=service.SOURCE_LABELS,
        error=error,
        entered=entered or {},
        notice=notice,
        today=today_in_japan(),
    )


@router.post("/bodies/{code}/status", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)])
def record_status(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    code: str,
    model: Annotated[str, Form(max_length=64)],
    stage: Annotated[str, Form(max_length=16)],
    effective_on: Annotated[str, Form(max_length=32)],
    project: Annotated[str, Form(max_length=255)] = "",
    url: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """段階の変更を記録 (manual edit): the same rule as the API and the survey, with the history kept."""
    authorize(principal, "status.record", SOMEWHERE)
    try:
        service.record_status(
            session,
            principal=principal,
            body_code=code,
            model_slug=model,
            stage=parse_stage(stage),
            effective_on=parse_entered_date(effective_on),
            source_kind="manual",
            evidence=service.Evidence(project=project.strip(), url=url.strip()),
        )
    except UserError as error:
        return _body_page(
            request,
            session,
            principal,
            code,
            today_in_japan(),
            error=form_error(error),
            entered={
                "model": model,
                "stage": stage,
                "effective_on": effective_on,
                "project": project,
                "url": url,
            },
        )
    return RedirectResponse(f"/bodies/{code}/status?recorded=status#history", status_code=303)


@router.post("/bodies/{code}/barriers", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)])
def report_barrier(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    code: str,
    model: Annotated[str, Form(max_length=64)],
    barrier: Annotated[str, Form(max_length=32)],
    reported_on: Annotated[str, Form(max_length=32)],
    other_text: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """壁の報告 outside a survey."""
    authorize(principal, "status.record", SOMEWHERE)
    try:
        choice = next((b for b in Barrier if b.value == barrier), None)
        if choice is None:
            raise InvalidInput(
                f"壁「{barrier}」は選択肢にありません。", f"'{barrier}' is not one of the barriers."
            )
        service.report_barrier(
            session,
            principal=principal,
            body_code=code,
            model_slug=model,
            barrier=choice,
            reported_on=parse_entered_date(reported_on),
            other_text=other_text,
        )
    except UserError as error:
        return _body_page(
            request,
            session,
            principal,
            code,
            today_in_japan(),
            error=form_error(error),
            entered={
                "b_model": model,
                "barrier": barrier,
                "reported_on": reported_on,
                "other_text": other_text,
            },
        )
    return RedirectResponse(f"/bodies/{code}/status?recorded=barrier#barriers", status_code=303)


@router.get("/roadmap/models/{slug}/adoption", response_class=HTMLResponse)
def model_adoption(request: Request, session: SessionDep, slug: str, as_of: AsOf = None) -> HTMLResponse:
    day = as_of or today_in_japan()
    return render(
        request,
        "adoption/model_adoption.html",
        model=roadmap.get_model(session, slug),
        as_of=day,
        rows=service.adoption_of_model(session, slug, as_of=day),
        counts=service.stage_counts(session, slug, as_of=day),
        stages=[*LADDER, Stage.STOPPED],
        source_labels=service.SOURCE_LABELS,
    )
