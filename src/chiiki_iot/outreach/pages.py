"""Outreach pages: coverage with the seed's map, planning, the events list and month view, the three
threads, and edit forms for bureaus and the secretariat."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import hashlib
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, csrf_protected, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, Target, authorize, can
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import parse_entered_date, today_in_japan
from chiiki_iot.core.i18n import current_language
from chiiki_iot.outreach import charts, service
from chiiki_iot.outreach.service import EventInput
from chiiki_iot.registry import service as registry
from chiiki_iot.web.charts import svg_response
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@router.get("/outreach", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep) -> HTMLResponse:
    cov = service.coverage(session)
    return render(
        request,
        "outreach/coverage.html",
        cov=cov,
        categories=service.CATEGORIES,
        blocks=service.block_names(session),
    )


@router.get("/outreach/map.svg")
def coverage_map(request: Request, session: SessionDep) -> Response:
    cov = service.coverage(session)
    version = hashlib.sha256(
        repr((cov.prefectures_covered, cov.prefectures_planned, cov.blocks_reached)).encode()
    ).hexdigest()[:16]
    svg = charts.coverage_map_svg(
        cov, registry.list_prefectures(session), lang=current_language.get(), version=version
    )
    return svg_response(request, svg, cache_control="private, max-age=60", vary="Cookie")


@router.get("/outreach/planning", response_class=HTMLResponse)
def planning(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "outreach/planning.html", rows=service.planning(session, today=today_in_japan()))


def _event_form(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    event=None,
    error: UserError | None = None,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    template = "outreach/event.html" if event is not None else "outreach/events.html"
    context = {
        "event": event,
        "error": error,
        "entered": entered or {},
        "categories": service.CATEGORIES,
        "statuses": service.STATUSES,
        "blocks": registry.list_blocks(session),
        "prefectures": registry.list_prefectures(session),
        "organisations": service.list_organisations(session),
        "can_edit": _can_edit(principal),
    }
    if event is None:
        context["events"] = service.list_events(session)
    return render(request, template, status_code=error.status_code if error else 200, **context)


@router.get("/outreach/events", response_class=HTMLResponse)
def events(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _event_form(request, session, principal)


@router.get("/outreach/events/{event_id}", response_class=HTMLResponse)
def event(request: Request, session: SessionDep, principal: PrincipalDep, event_id: int) -> HTMLResponse:
    return _event_form(request, session, principal, event=service.get_event(session, event_id))


def _input(form: dict[str, str]) -> EventInput:
    day = parse_entered_date(form.get("held_on", ""))
    attendance = form.get("attendance", "").strip()
    if attendance and not re.fullmatch(r"[0-9]{1,7}", attendance):
        raise InvalidInput("参加者数は数字で入力してください。", "Attendance must be a whole number.")
    return EventInput(
        held_on=day,
        title=form.get("title", ""),
        category=form.get("category", ""),
        status=form.get("status", "held"),
        target_block=form.get("target_block") or None,
        target_prefecture=form.get("target_prefecture") or None,
        organiser=form.get("organiser") or None,
        place=form.get("place", ""),
        attendance=int(attendance) if attendance else None,
        materials_url=form.get("materials_url", ""),
    )


class SaveEventForm(BaseModel):
    """The event form as typed. Every field is text, so a mistake in it (a date, the attendance, the
    version) is refused by ``_input`` and shown on the form with what was entered, not as a validation
    error of the request."""

    model_config = ConfigDict(str_strip_whitespace=True)

    held_on: str = ""
    title: str = ""
    category: str = ""
    status: str = ""
    target_block: str = ""
    target_prefecture: str = ""
    organiser: str = ""
    place: str = ""
    attendance: str = ""
    materials_url: str = ""
    version: str = ""


@router.post("/outreach/events", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)])
def add_event(
    request: Request, session: SessionDep, principal: SignedInDep, entered: Annotated[SaveEventForm, Form()]
) -> Response:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    form = entered.model_dump()
    try:
        created = service.add_event(session, principal=principal, data=_input(form))
    except UserError as error:
        return _event_form(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse(f"/outreach/events/{created.id}?saved=1", status_code=303)


@router.post(
    "/outreach/events/{event_id}", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)]
)
def update_event(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    event_id: int,
    entered: Annotated[SaveEventForm, Form()],
) -> Response:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    form = entered.model_dump()
    try:
        version = int(form["version"]) if re.fullmatch(r"[0-9]{1,9}", form.get("version") or "") else 0
        service.update_event(
            session, principal=principal, event_id=event_id, expected_version=version, data=_input(form)
        )
    except UserError as error:
        return _event_form(
            request,
            session,
            principal,
            error=form_error(error),  # first: a 401/403 is raised before the event is looked up
            event=service.get_event(session, event_id),
            entered=form,
        )
    return RedirectResponse(f"/outreach/events/{event_id}?saved=1", status_code=303)


@router.get("/outreach/calendar", response_class=HTMLResponse)
def month_view(
    request: Request,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")] = "",
) -> HTMLResponse:
    today = today_in_japan()
    year, number = (int(month[:4]), int(month[5:])) if month else (today.year, today.month)
    if not 1 <= number <= 12 or not 1900 <= year <= 2100:
        raise InvalidInput(
            f"月「{month}」は 1900-01〜2100-12 の範囲で指定してください。",
            f"Month '{month}' must be between 1900-01 and 2100-12.",
        )
    first = dt.date(year, number, 1)
    last = dt.date(year, number, month_calendar.monthrange(year, number)[1])
    by_day: dict[dt.date, list] = {}
    for e in service.list_events(session, since=first, until=last):
        by_day.setdefault(e.held_on, []).append(e)
    weeks = month_calendar.Calendar(firstweekday=6).monthdatescalendar(year, number)  # weeks start on Sunday
    previous = (first - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (last + dt.timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "outreach/calendar.html",
        first=first,
        weeks=weeks,
        by_day=by_day,
        previous=previous,
        following=following,
        categories=service.CATEGORIES,
        statuses=service.STATUSES,
        blocks=registry.list_blocks(session),
    )


@router.get("/outreach/threads", response_class=HTMLResponse)
def threads(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    editable = [
        b
        for b in registry.list_blocks(session)
        if can(principal, "outreach.edit_block", Target(block_slug=b.slug))
    ]
    return render(
        request,
        "outreach/threads.html",
        members=service.thread_members(session),
        editable=editable,
        organisations=service.list_organisations(session),
        threads=service.THREADS,
        horizontal=service.thread_log(session, thread="horizontal"),
        diagonal=service.thread_log(session, thread="diagonal"),
        blocks=service.block_names(session),
    )


def _can_edit(principal: Principal) -> bool:
    return can(principal, "outreach.edit_block", SOMEWHERE)


def _organisations_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: UserError | None = None,
    entered: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "outreach/organisations.html",
        status_code=error.status_code if error else 200,
        organisations=service.list_organisations(session),
        kinds=service.ORGANISATION_KINDS,
        blocks=registry.list_blocks(session),
        prefectures=registry.list_prefectures(session),
        can_edit=_can_edit(principal),
        error=error,
        entered=entered or {},
    )


@router.get("/outreach/organisations", response_class=HTMLResponse)
def organisations(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    edit: Annotated[str, Query(max_length=64, description="an organisation to open in the form")] = "",
) -> HTMLResponse:
    """The list, and the form: blank for a new organisation, or holding one (with the version read) to change."""
    entered = None
    if edit:
        org = service.get_organisation(session, edit)
        entered = {
            "slug": org.slug,
            "name_ja": org.name_ja,
            "name_en": org.name_en,
            "kind": org.kind,
            "block": org.block_slug or "",
            "prefecture": org.prefecture_code or "",
            "members": ", ".join(org.members or []),
            "version": str(org.version),
        }
    return _organisations_page(request, session, principal, entered=entered)


@router.post("/outreach/organisations", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)])
def save_organisation(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    slug: Annotated[str, Form(max_length=63)],
    name_ja: Annotated[str, Form(max_length=255)],
    kind: Annotated[str, Form(max_length=32)],
    name_en: Annotated[str, Form(max_length=255)] = "",
    block: Annotated[str, Form(max_length=32)] = "",
    prefecture: Annotated[str, Form(max_length=6)] = "",
    members: Annotated[str, Form(max_length=5000)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    data = service.OrganisationInput(
        slug=slug.strip(),
        name_ja=name_ja,
        kind=kind,
        name_en=name_en,
        block=block or None,
        prefecture=prefecture or None,
        members=tuple(members.replace("、", ",").split(",")),
    )
    try:
        expected = int(version) if re.fullmatch(r"[0-9]{1,9}", version.strip()) else None
        service.save_organisation(session, principal=principal, data=data, expected_version=expected)
    except UserError as error:
        return _organisations_page(
            request,
            session,
            principal,
            error=form_error(error),
            entered={
                "slug": slug,
                "name_ja": name_ja,
                "name_en": name_en,
                "kind": kind,
                "block": block,
                "prefecture": prefecture,
                "members": members,
                "version": version,
            },
        )
    return RedirectResponse("/outreach/organisations?saved=1", status_code=303)


@router.post("/outreach/log", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)])
def add_log(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    block: Annotated[str, Form(max_length=32)],
    happened_on: Annotated[str, Form(max_length=32)],
    kind: Annotated[str, Form(max_length=16)],
    text_ja: Annotated[str, Form(max_length=2000)],
    status: Annotated[str, Form(max_length=16)] = "held",
) -> Response:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    entry = service.add_log_entry(
        session,
        principal=principal,
        block=block,
        happened_on=parse_entered_date(happened_on),
        kind=kind,
        text_ja=text_ja,
        status=status,
    )
    return RedirectResponse(f"/outreach/threads?saved=1#block-{entry.block_slug}", status_code=303)


@router.post("/outreach/threads/members", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)])
def add_member(
    session: SessionDep,
    principal: SignedInDep,
    thread: Annotated[str, Form(max_length=16)],
    organisation: Annotated[str, Form(max_length=64)],
    since: Annotated[str, Form(max_length=32)],
    role: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    service.add_thread_member(
        session,
        principal=principal,
        thread=thread,
        organisation=organisation,
        role=role,
        since=parse_entered_date(since),
    )
    return RedirectResponse(f"/outreach/threads?saved=1#{thread}", status_code=303)
