"""Pages of dispatch (専門家派遣・IoTメンター公務員): the roster, a body's request, the bureau's arranging
from suggested people, and the report of whoever went."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, authorize, bodies_acted_for, can
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import FiscalYear, parse_entered_date, today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support import dispatch, menus, notify
from chiiki_iot.support.forms import CSRF, SessionDep, read_form, undone
from chiiki_iot.support.models import DispatchRequest
from chiiki_iot.web.forms import RowId, values, version_of
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


def _dispatch_measures(session: Session) -> list:
    return [m for m in menus.list_measures(session) if m.delivery == "dispatch"]


# ---- roster ---------------------------------------------------------------------------------------------


def _roster_page(
    request: Request, session: Session, principal: Principal, *, error: UserError | None = None, entered=None
) -> HTMLResponse:
    return render(
        request,
        "support/roster.html",
        status_code=error.status_code if error else 200,
        roster=dispatch.list_roster(session),
        bodies=registry.bodies_by_code(session, None),
        models=roadmap.list_models(session),
        blocks=registry.list_blocks(session),
        may_edit=can(principal, "support.roster"),
        error=error,
        entered=entered or {},
    )


@router.get("/support/roster", response_class=HTMLResponse)
def roster(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _roster_page(request, session, principal)


@router.post("/support/roster", response_class=HTMLResponse, dependencies=CSRF)
async def add_to_roster(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "support.roster", SOMEWHERE)
    form = await read_form(request)
    try:
        dispatch.add_to_roster(
            session,
            principal=principal,
            data=dispatch.RosterInput(
                kind=str(form.get("kind", "")),
                name=str(form.get("name", "")),
                email=str(form.get("email", "")),
                affiliation=str(form.get("affiliation", "")),
                body_code=str(form.get("body_code", "")),
                model_slugs=values(form, "models"),
                blocks=values(form, "blocks"),
                online=bool(form.get("online")),
                on_site=bool(form.get("on_site")),
                availability=str(form.get("availability", "")),
            ),
        )
    except UserError as error:
        return _roster_page(request, session, principal, error=undone(session, error), entered=form)
    return RedirectResponse("/support/roster?saved=1", status_code=303)


# ---- requests -------------------------------------------------------------------------------------------


def _requests_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    measure: str = "",
    body: str = "",
    model: str = "",
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    own = [registry.get_body(session, c) for c in bodies_acted_for(principal)]
    chosen = body or (own[0].code if own else "")
    year = FiscalYear.of(today_in_japan()).year
    measures = _dispatch_measures(session)
    return render(
        request,
        "support/dispatches.html",
        status_code=error.status_code if error else 200,
        dispatches=dispatch.list_visible(session, principal),
        bodies=registry.bodies_by_code(session, None),
        statuses=dispatch.STATUSES,
        modes=dispatch.MODES,
        measures=measures,
        measure_by_id={m.id: m for m in measures},
        chosen_measure=measure,
        chosen_body=chosen,
        chosen_model=model,
        own_bodies=own,
        may_request_any=can(principal, "dispatch.request"),
        days_used={m.slug: dispatch.days_used(session, m.id, chosen, year) for m in measures}
        if chosen
        else {},
        models=roadmap.list_models(session),
        error=error,
        entered=entered or {},
    )


@router.get("/support/dispatches", response_class=HTMLResponse)
def dispatches(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _requests_page(request, session, principal)


@router.get("/support/dispatches/new", response_class=HTMLResponse)
def new_request(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    measure: Annotated[str, Query(max_length=64)] = "",
    body: Annotated[str, Query(max_length=16)] = "",
    model: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    authorize(principal, "dispatch.request", SOMEWHERE)
    return _requests_page(request, session, principal, measure=measure, body=body, model=model)


@router.post("/support/dispatches", response_class=HTMLResponse, dependencies=CSRF)
async def ask(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks
) -> Response:
    authorize(principal, "dispatch.request", SOMEWHERE)
    form = await read_form(request)
    try:
        days = str(form.get("days", "1")).strip() or "1"
        if not days.isdigit() or len(days) > 3:
            raise InvalidInput("派遣日数は数字で入力してください。", "Days must be a number.")
        asked = dispatch.request(
            session,
            principal=principal,
            data=dispatch.RequestInput(
                measure_slug=str(form.get("measure", "")),
                body_code=str(form.get("body_code", "")),
                model_slug=str(form.get("model", "")),
                problem=str(form.get("problem", "")),
                mode=str(form.get("mode", "")),
                preferred_dates=str(form.get("preferred_dates", "")),
                days=int(days),
            ),
        )
    except UserError as error:
        return _requests_page(
            request,
            session,
            principal,
            measure=str(form.get("measure", "")),
            body=str(form.get("body_code", "")),
            error=undone(session, error),
            entered=form,
        )
    notify.dispatch_requested(session, background, asked)
    return RedirectResponse(f"/support/dispatches/{asked.id}?asked=1", status_code=303)


def _dispatch_page(
    request: Request,
    session: Session,
    principal: Principal,
    dispatch_id: int,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    found = dispatch.get_dispatch(session, principal, dispatch_id)
    body = registry.get_body(session, found.body_code)
    may_arrange = can(principal, "dispatch.arrange", registry.policy_target(body))
    return render(
        request,
        "support/dispatch.html",
        status_code=error.status_code if error else 200,
        d=found,
        body=body,
        measure=menus.measure_by_id(session, found.measure_id),
        model=roadmap.get_model(session, found.model_slug),
        person=dispatch.get_entry(session, found.roster_id) if found.roster_id else None,
        statuses=dispatch.STATUSES,
        modes=dispatch.MODES,
        candidates=dispatch.suggest(session, found) if may_arrange and found.status == "requested" else [],
        recruits=dispatch.bodies_to_recruit(session, found)
        if may_arrange and found.status == "requested"
        else [],
        may_arrange=may_arrange,
        may_report=found.status == "arranged"
        and (may_arrange or dispatch.is_dispatched_person(session, principal, found)),
        may_cancel=found.status in ("requested", "arranged")
        and can(principal, "dispatch.request", registry.policy_target(body)),
        report_due=dispatch.report_due(found),
        overdue=dispatch.report_overdue(found),
        helped=dispatch.HELPED,
        may_follow_up=found.status == "reported"
        and not found.followup_round
        and can(principal, "dispatch.request", registry.policy_target(body)),
        error=error,
        entered=entered or {},
    )


@router.get("/support/dispatches/{dispatch_id}", response_class=HTMLResponse)
def dispatch_page(
    request: Request, session: SessionDep, principal: PrincipalDep, dispatch_id: RowId
) -> HTMLResponse:
    return _dispatch_page(request, session, principal, dispatch_id)


async def _step(
    request: Request,
    session: Session,
    principal: Principal,
    dispatch_id: int,
    step: Callable[[dict], DispatchRequest],
    *,
    done: Callable[[DispatchRequest], str] = lambda d: f"/support/dispatches/{d.id}",
    then: Callable[[DispatchRequest], object] = lambda _: None,
) -> Response:
    """Read the form and take one step of the request, then ``then`` (a mail) with its result; when the
    step is refused, the page again with the reason and what was typed."""
    form = await read_form(request)
    try:
        result = step(form)
    except UserError as error:
        return _dispatch_page(
            request, session, principal, dispatch_id, error=undone(session, error), entered=form
        )
    then(result)
    return RedirectResponse(done(result), status_code=303)


def _roster_id(form: dict) -> int:
    text = str(form.get("roster_id", ""))
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput("派遣する人を選んでください。", "Choose the person to dispatch.")
    return int(text)


@router.post("/support/dispatches/{dispatch_id}/arrange", response_class=HTMLResponse, dependencies=CSRF)
async def arrange(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    dispatch_id: RowId,
) -> Response:
    authorize(principal, "dispatch.arrange", SOMEWHERE)
    return await _step(
        request, session, principal, dispatch_id, done=lambda d: f"/support/dispatches/{d.id}?arranged=1",
        step=lambda form: dispatch.arrange(
            session, principal=principal, dispatch_id=dispatch_id, expected_version=version_of(form),
            roster_id=_roster_id(form), visit_on=parse_entered_date(str(form.get("visit_on", ""))),
        ),
        then=lambda arranged: notify.dispatch_arranged(session, background, arranged),
    )  # fmt: skip


@router.post("/support/dispatches/{dispatch_id}/report", response_class=HTMLResponse, dependencies=CSRF)
async def report(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    dispatch_id: RowId,
) -> Response:
    authorize(principal, "dispatch.report", SOMEWHERE)
    return await _step(
        request, session, principal, dispatch_id, done=lambda d: f"/support/dispatches/{d.id}?reported=1",
        step=lambda form: dispatch.file_report(
            session, principal=principal, dispatch_id=dispatch_id, expected_version=version_of(form),
            advice=str(form.get("advice", "")), next_steps=str(form.get("next_steps", "")),
        ),
        then=lambda reported: notify.dispatch_reported(session, background, reported),
    )  # fmt: skip


@router.post("/support/dispatches/{dispatch_id}/cancel", response_class=HTMLResponse, dependencies=CSRF)
async def cancel(
    request: Request, session: SessionDep, principal: SignedInDep, dispatch_id: RowId
) -> Response:
    authorize(principal, "dispatch.request", SOMEWHERE)
    return await _step(
        request, session, principal, dispatch_id,
        step=lambda form: dispatch.cancel(
            session, principal=principal, dispatch_id=dispatch_id, expected_version=version_of(form)
        ),
    )  # fmt: skip


def _round(form: dict) -> str:
    """The survey round a follow-up was answered in ('direct' on the dispatch's own page)."""
    slug = str(form.get("round", ""))
    if slug and not re.fullmatch(r"[\w-]{1,32}", slug):
        raise InvalidInput("調査の回が正しくありません。", "Unknown survey round.")
    return slug or "direct"


@router.post("/support/dispatches/{dispatch_id}/follow-up", response_class=HTMLResponse, dependencies=CSRF)
async def follow_up(
    request: Request, session: SessionDep, principal: SignedInDep, dispatch_id: RowId
) -> Response:
    """The body's answer to "did the dispatch help", given beside its survey answer (back there after) or
    on the dispatch's own page."""
    authorize(principal, "dispatch.request", SOMEWHERE)
    return await _step(
        request, session, principal, dispatch_id,
        step=lambda form: dispatch.follow_up(
            session, principal=principal, dispatch_id=dispatch_id, round_slug=_round(form),
            helped=str(form.get("helped", "")), change=str(form.get("change", "")),
        ),
        done=lambda d: f"/support/dispatches/{d.id}?followed=1" if d.followup_round == "direct"
        else f"/survey/{d.followup_round}/bodies/{d.body_code}/answer?followed=1",
    )  # fmt: skip
