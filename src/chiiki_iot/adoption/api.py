"""JSON and CSV routes of adoption: a body's status, a model's adoption, recording a status (token)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import ApiWriterDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, authorize
from chiiki_iot.adoption import indicators as indicator_service
from chiiki_iot.adoption import projects, service
from chiiki_iot.adoption.schemas import (
    BarrierCreate,
    BarrierRead,
    IndicatorRead,
    IndicatorValueRead,
    InputCreate,
    InputRead,
    ProjectBody,
    ProjectRead,
    StatusCreate,
    StatusRead,
)
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.tables import csv_response

router = APIRouter(prefix="/api/v1", tags=["adoption"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
AsOf = Annotated[dt.date | None, Query(description="基準日（省略時は今日） / as of, default today")]
Format = Annotated[Literal["json", "csv"], Query(description="json または csv / json or csv")]
COLUMNS = list(StatusRead.model_fields)


def _out(items: list[StatusRead], format: str, filename: str) -> list[StatusRead] | Response:
    if format == "csv":
        rows = (
            {**i.model_dump(), "evidence": " ".join(f"{k}={v}" for k, v in i.evidence.items())} for i in items
        )
        return csv_response(rows, columns=COLUMNS, filename=filename)
    return items


@router.get(
    "/bodies/{code}/status", response_model=list[StatusRead], summary="A body's status per model / 実装状況"
)
def body_status(
    session: SessionDep,
    code: str,
    as_of: AsOf = None,
    format: Format = "json",
) -> list[StatusRead] | Response:
    status = service.status_of_body(session, code, as_of=as_of or today_in_japan())
    return _out([StatusRead.of(c) for c in status.values()], format, f"status-{code}.csv")


@router.get(
    "/bodies/{code}/status/history", response_model=list[StatusRead], summary="A body's timeline / 履歴"
)
def body_history(session: SessionDep, code: str, format: Format = "json") -> list[StatusRead] | Response:
    return _out([StatusRead.of(c) for c in service.history(session, code)], format, f"history-{code}.csv")


@router.get(
    "/roadmap/models/{slug}/adoption",
    response_model=list[StatusRead],
    summary="Bodies' status on one model / 導入状況",
)
def model_adoption(
    session: SessionDep,
    slug: str,
    as_of: AsOf = None,
    format: Format = "json",
) -> list[StatusRead] | Response:
    rows = service.adoption_of_model(session, slug, as_of=as_of or today_in_japan())
    return _out([StatusRead.of(c) for _, c in rows], format, f"adoption-{slug}.csv")


@router.post(
    "/bodies/{code}/status",
    response_model=StatusRead,
    status_code=201,
    summary="Record a status change (token) / 実装状況の記録",
    responses={401: {"description": "no or invalid token"}, 403: {"description": "not your body"}},
)
def record(
    session: SessionDep, principal: ApiWriterDep, code: str, change: Annotated[StatusCreate, Body()]
) -> StatusRead:
    authorize(principal, "status.record", SOMEWHERE)
    created = service.record_status(
        session,
        principal=principal,
        body_code=code,
        model_slug=change.model,
        stage=change.stage,
        effective_on=change.effective_on,
        source_kind="manual",
        evidence=service.Evidence(project=change.project, url=change.url),
    )
    return StatusRead.of(created)


@router.get("/indicators", response_model=list[IndicatorRead], summary="Context indicators / 参考指標")
def indicators(session: SessionDep) -> list[IndicatorRead]:
    return [
        IndicatorRead(
            slug=i.slug,
            name_ja=i.name_ja,
            name_en=i.name_en,
            unit=i.unit,
            source=i.source,
            synthetic=i.is_synthetic,
        )
        for i in indicator_service.list_indicators(session)
    ]


@router.get(
    "/bodies/{code}/indicators",
    response_model=list[IndicatorValueRead],
    summary="A body's context indicators / 団体の参考指標",
)
def body_indicators(
    session: SessionDep, code: str, format: Format = "json"
) -> list[IndicatorValueRead] | Response:
    body = registry.get_body(session, code)
    items = [
        IndicatorValueRead(indicator=i.slug, body_code=v.body_code, observed_on=v.observed_on, value=v.value)
        for i, values in indicator_service.indicators_of_body(session, body.code)
        for v in values
    ]
    if format == "csv":
        return csv_response(
            (i.model_dump() for i in items),
            columns=list(IndicatorValueRead.model_fields),
            filename=f"indicators-{body.code}.csv",
        )
    return items


def _project_read(p) -> ProjectRead:
    return ProjectRead(
        id=p.id,
        body_code=p.body_code,
        name=p.name,
        models=p.model_slugs,
        funding=p.funding,
        starts_on=p.starts_on,
        ends_on=p.ends_on,
        budget_yen=p.budget_yen,
        vendors=p.vendors,
        partners=p.partner_codes,
        outcome=p.outcome,
        synthetic=p.is_synthetic,
    )


@router.get("/bodies/{code}/projects", response_model=list[ProjectRead], summary="A body's projects / 事業")
def body_projects(session: SessionDep, code: str, format: Format = "json") -> list[ProjectRead] | Response:
    items = [_project_read(p) for p in projects.projects_of_body(session, code)]
    if format == "csv":
        rows = (
            {
                **i.model_dump(),
                "models": " ".join(i.models),
                "vendors": " / ".join(i.vendors),
                "partners": " ".join(i.partners),
            }
            for i in items
        )
        return csv_response(rows, columns=list(ProjectRead.model_fields), filename=f"projects-{code}.csv")
    return items


@router.post(
    "/bodies/{code}/projects",
    response_model=ProjectRead,
    status_code=201,
    summary="Add a project (token) / 事業の登録",
    responses={401: {"description": "no or invalid token"}, 403: {"description": "not your body"}},
)
def add_project(
    session: SessionDep, principal: ApiWriterDep, code: str, project: Annotated[ProjectBody, Body()]
) -> ProjectRead:
    authorize(principal, "status.record", SOMEWHERE)
    created = projects.add_project(
        session,
        principal=principal,
        body_code=code,
        project=projects.ProjectInput(
            name=project.name,
            model_slugs=project.models,
            funding=project.funding,
            starts_on=project.starts_on,
            ends_on=project.ends_on,
            budget_yen=project.budget_yen,
            vendors=project.vendors,
            partner_codes=project.partners,
            outcome=project.outcome,
        ),
    )
    return _project_read(created)


@router.get(
    "/bodies/{code}/inputs", response_model=list[InputRead], summary="A body's KPI input figures / KPI入力値"
)
def body_inputs(session: SessionDep, code: str, format: Format = "json") -> list[InputRead] | Response:
    items = [InputRead.of(v) for v in service.inputs_of_body(session, code).values()]
    if format == "csv":
        return csv_response(
            (i.model_dump() for i in items),
            columns=list(InputRead.model_fields),
            filename=f"inputs-{code}.csv",
        )
    return items


@router.post(
    "/bodies/{code}/inputs",
    response_model=InputRead,
    status_code=201,
    summary="Report a KPI input figure (token) / KPI入力値の報告",
    responses={401: {"description": "no or invalid token"}, 403: {"description": "not your body"}},
)
def report_input(
    session: SessionDep, principal: ApiWriterDep, code: str, figure: Annotated[InputCreate, Body()]
) -> InputRead:
    authorize(principal, "status.record", SOMEWHERE)
    return InputRead.of(
        service.record_input(
            session,
            principal=principal,
            body_code=code,
            input_slug=figure.input,
            fiscal_year=figure.fiscal_year,
            value=figure.value,
        )
    )


@router.get(
    "/bodies/{code}/barriers", response_model=list[BarrierRead], summary="A body's reported barriers / 壁"
)
def body_barriers(session: SessionDep, code: str, format: Format = "json") -> list[BarrierRead] | Response:
    items = [BarrierRead.of(r) for r in service.barriers_of_body(session, code)]
    if format == "csv":
        return csv_response(
            (i.model_dump() for i in items),
            columns=list(BarrierRead.model_fields),
            filename=f"barriers-{code}.csv",
        )
    return items


@router.post(
    "/bodies/{code}/barriers",
    response_model=BarrierRead,
    status_code=201,
    summary="Report a barrier (token) / 壁の報告",
    responses={401: {"description": "no or invalid token"}, 403: {"description": "not your body"}},
)
def report_barrier(
    session: SessionDep, principal: ApiWriterDep, code: str, report: Annotated[BarrierCreate, Body()]
) -> BarrierRead:
    authorize(principal, "status.record", SOMEWHERE)
    return BarrierRead.of(
        service.report_barrier(
            session,
            principal=principal,
            body_code=code,
            model_slug=report.model,
            barrier=report.barrier,
            reported_on=report.reported_on,
            other_text=report.other_text,
        )
    )
