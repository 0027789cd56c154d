"""Pages of 計画策定支援 (each body's IoT/DX plan, coverage by block and prefecture) and of training
(courses, sessions, participants by body and role, and the KPI they count towards)."""

from __future__ import annotations

import re
import unicodedata

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, authorize, bodies_acted_for, can
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import FiscalYear, parse_entered_date, today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support import plans, training
from chiiki_iot.support.forms import CSRF, SessionDep, read_form, undone
from chiiki_iot.web.forms import RowId, values, version_of
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


def _year(text: str, what_ja: str, what_en: str) -> int | None:
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{4}", text):
        raise InvalidInput(
            f"{what_ja}は西暦4桁で入力してください。", f"The {what_en} must be a 4-digit year."
        )
    return int(text)


# ---- plans ----------------------------------------------------------------------------------------------


@router.get("/support/plans", response_class=HTMLResponse)
def coverage(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return render(
        request,
        "support/plans.html",
        nation=plans.coverage(session, level="nation")[0],
        blocks=plans.coverage(session, level="block"),
        prefectures=plans.coverage(session, level="prefecture"),
        own_bodies=[registry.get_body(session, c) for c in bodies_acted_for(principal)],
    )


def _plan_page(
    request: Request,
    session: Session,
    principal: Principal,
    code: str,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    body = registry.get_body(session, code)
    return render(
        request,
        "support/plan.html",
        status_code=error.status_code if error else 200,
        body=body,
        plan=plans.plan_of(session, body.code),
        statuses=plans.STATUSES,
        models=roadmap.list_models(session),
        kpis=roadmap.list_kpis(session),
        may_record=can(principal, "plans.record", registry.policy_target(body)),
        error=error,
        entered=entered or {},
    )


@router.get("/support/plans/{code}", response_class=HTMLResponse)
def plan(request: Request, session: SessionDep, principal: PrincipalDep, code: str) -> HTMLResponse:
    return _plan_page(request, session, principal, code)


@router.post("/support/plans/{code}", response_class=HTMLResponse, dependencies=CSRF)
async def save_plan(request: Request, session: SessionDep, principal: SignedInDep, code: str) -> Response:
    authorize(principal, "plans.record", SOMEWHERE)
    form = await read_form(request)
    try:
        adopted = str(form.get("adopted_on", "")).strip()
        kpis, targets = form.get("kpi") or [], form.get("kpi_target") or []
        data = plans.PlanInput(
            title=str(form.get("title", "")),
            status=str(form.get("status", "")),
            period_from=_year(str(form.get("period_from", "")), "計画期間の始まり", "first year"),
            period_to=_year(str(form.get("period_to", "")), "計画期間の終わり", "last year"),
            model_slugs=values(form, "models"),
            targets=[(k, _target(targets[i] if i < len(targets) else "")) for i, k in enumerate(kpis) if k],
            lead_department=str(form.get("lead_department", "")),
            external_staff=str(form.get("external_staff", "")),
            adopted_on=parse_entered_date(adopted) if adopted else None,
            url=str(form.get("url", "")),
        )
        existing = plans.plan_of(session, code)
        plans.save_plan(
            session,
            principal=principal,
            body_code=code,
            expected_version=version_of(form) if existing is not None else None,
            data=data,
        )
    except UserError as error:
        return _plan_page(request, session, principal, code, error=undone(session, error), entered=form)
    return RedirectResponse(f"/support/plans/{code}?saved=1", status_code=303)


def _target(text: str) -> float:
    try:
        return float(text.replace(",", "").strip())
    except ValueError:
        raise InvalidInput(
            f"目標「{text}」は数で入力してください。", "Each target must be a number."
        ) from None


# ---- training -------------------------------------------------------------------------------------------


@router.get("/support/training", response_class=HTMLResponse)
def courses(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _courses_page(request, session, principal)


def _courses_page(
    request: Request, session: Session, principal: Principal, *, error: UserError | None = None, entered=None
) -> HTMLResponse:
    return render(
        request,
        "support/training.html",
        status_code=error.status_code if error else 200,
        courses=training.list_courses(session),
        totals=training.totals(session),
        kpis={k.slug: k for k in roadmap.list_kpis(session)},
        countable=training.countable_kpis(session),
        may_record=can(principal, "support.training"),
        error=error,
        entered=entered or {},
    )


@router.post("/support/training", response_class=HTMLResponse, dependencies=CSRF)
async def add_course(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "support.training", SOMEWHERE)
    form = await read_form(request)
    try:
        course = training.add_course(
            session,
            principal=principal,
            title=str(form.get("title", "")),
            description=str(form.get("description", "")),
            kpi_slug=str(form.get("kpi_slug", "")),
        )
    except UserError as error:
        return _courses_page(request, session, principal, error=undone(session, error), entered=form)
    return RedirectResponse(f"/support/training/{course.id}", status_code=303)


def _course_page(
    request: Request,
    session: Session,
    principal: Principal,
    course_id: int,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    course = training.get_course(session, course_id)
    held = training.sessions_of(session, course.id)
    return render(
        request,
        "support/course.html",
        status_code=error.status_code if error else 200,
        course=course,
        held=held,
        attendance={s.id: training.attendance_of(session, s.id) for s in held},
        bodies=registry.bodies_by_code(session, None),
        totals=[t for t in training.totals(session) if t.course.id == course.id],
        kpi=next((k for k in roadmap.list_kpis(session) if k.slug == course.kpi_slug), None),
        may_record=can(principal, "support.training"),
        may_feed=can(principal, "progress.national_figures"),
        this_year=FiscalYear.of(today_in_japan()).year,
        error=error,
        entered=entered or {},
    )


@router.get("/support/training/{course_id}", response_class=HTMLResponse)
def course(request: Request, session: SessionDep, principal: PrincipalDep, course_id: RowId) -> HTMLResponse:
    return _course_page(request, session, principal, course_id)


@router.post("/support/training/{course_id}/sessions", response_class=HTMLResponse, dependencies=CSRF)
async def add_session(
    request: Request, session: SessionDep, principal: SignedInDep, course_id: RowId
) -> Response:
    authorize(principal, "support.training", SOMEWHERE)
    form = await read_form(request)
    try:
        training.add_session(
            session,
            principal=principal,
            course_id=course_id,
            held_on=parse_entered_date(str(form.get("held_on", ""))),
            place=str(form.get("place", "")),
            online=bool(form.get("online")),
        )
    except UserError as error:
        return _course_page(
            request, session, principal, course_id, error=undone(session, error), entered=form
        )
    return RedirectResponse(f"/support/training/{course_id}", status_code=303)


@router.post(
    "/support/training/{course_id}/sessions/{session_id}/attendance",
    response_class=HTMLResponse,
    dependencies=CSRF,
)
async def record_attendance(
    request: Request, session: SessionDep, principal: SignedInDep, course_id: RowId, session_id: RowId
) -> Response:
    authorize(principal, "support.training", SOMEWHERE)
    form = await read_form(request)
    try:
        count = str(form.get("count", "")).strip()
        if not count.isdigit() or len(count) > 6:
            raise InvalidInput("人数は数字で入力してください。", "The count must be a number.")
        training.record_attendance(
            session,
            principal=principal,
            session_id=session_id,
            body_code=str(form.get("body_code", "")),
            role=str(form.get("role", "")),
            count=int(count),
        )
    except UserError as error:
        return _course_page(
            request, session, principal, course_id, error=undone(session, error), entered=form
        )
    return RedirectResponse(f"/support/training/{course_id}#session-{session_id}", status_code=303)


@router.post("/support/training/{course_id}/kpi", response_class=HTMLResponse, dependencies=CSRF)
async def feed_kpi(
    request: Request, session: SessionDep, principal: SignedInDep, course_id: RowId
) -> Response:
    authorize(principal, "progress.national_figures", SOMEWHERE)
    form = await read_form(request)
    try:
        course = training.get_course(session, course_id)
        year = _year(str(form.get("fiscal_year", "")), "年度", "fiscal year")
        if year is None or not course.kpi_slug:
            raise InvalidInput("年度を入力してください。", "Give the fiscal year.")
        training.feed_kpi(session, principal=principal, kpi_slug=course.kpi_slug, fiscal_year=year)
    except UserError as error:
        return _course_page(
            request, session, principal, course_id, error=undone(session, error), entered=form
        )
    return RedirectResponse(f"/support/training/{course_id}?fed=1", status_code=303)
