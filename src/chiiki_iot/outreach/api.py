"""Outreach as JSON and CSV (/api/v1/outreach/...), with writes for bureaus and the secretariat (token)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import ApiWriterDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, authorize
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.settings import get_settings
from chiiki_iot.outreach import service
from chiiki_iot.outreach.schemas import (
    AreaRead,
    CoverageRead,
    EventRead,
    EventWrite,
    LogRead,
    LogWrite,
    MembershipWrite,
    OrganisationRead,
    OrganisationWrite,
)
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.files import file_response
from chiiki_iot.web.tables import csv_response

router = APIRouter(prefix="/api/v1/outreach", tags=["outreach"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Format = Annotated[Literal["json", "csv"], Query(description="json または csv / json or csv")]
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "no or invalid token"},
    403: {"description": "not your block"},
}


@router.get("/events", response_model=list[EventRead], summary="Briefing sessions / 説明会等")
def events(
    session: SessionDep,
    block: str | None = None,
    prefecture: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    format: Format = "json",
) -> list[EventRead] | Response:
    items = [
        EventRead.of(e)
        for e in service.list_events(session, block=block, prefecture=prefecture, since=since, until=until)
    ]
    if format == "csv":
        return csv_response(
            (i.model_dump() for i in items), columns=list(EventRead.model_fields), filename="events.csv"
        )
    return items


@router.get("/events/{event_id}", response_model=EventRead, summary="One session")
def event(session: SessionDep, event_id: int) -> EventRead:
    return EventRead.of(service.get_event(session, event_id))


@router.post(
    "/events",
    response_model=EventRead,
    status_code=201,
    summary="Add a session (token) / 説明会等の登録",
    responses=WRITE_RESPONSES,
)
def add_event(session: SessionDep, principal: ApiWriterDep, data: Annotated[EventWrite, Body()]) -> EventRead:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    return EventRead.of(service.add_event(session, principal=principal, data=data.to_input()))


@router.put(
    "/events/{event_id}",
    response_model=EventRead,
    summary="Change a session (token, with version)",
    responses={**WRITE_RESPONSES, 409: {"description": "changed since read"}},
)
def update_event(
    session: SessionDep, principal: ApiWriterDep, event_id: int, data: Annotated[EventWrite, Body()]
) -> EventRead:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    if data.version is None:
        raise InvalidInput("更新には version を付けてください。", "Send the version you read.")
    return EventRead.of(
        service.update_event(
            session,
            principal=principal,
            event_id=event_id,
            expected_version=data.version,
            data=data.to_input(),
        )
    )


@router.get("/coverage", response_model=CoverageRead, summary="Coverage counted from the events / 実施状況")
def coverage(session: SessionDep, as_of: dt.date | None = None) -> CoverageRead:
    cov = service.coverage(session, as_of=as_of)
    return CoverageRead(
        as_of=cov.as_of,
        sessions_held=cov.total_held,
        prefectures_with_prefecture_session=len(cov.prefectures_covered),
        prefectures_planned=len(cov.prefectures_planned),
        blocks_with_block_session=len(cov.blocks_reached),
        prefectures_without=[p.key for p in cov.prefectures_without],
        prefectures=[AreaRead.of(p) for p in cov.prefectures],
        blocks=[AreaRead.of(b) for b in cov.blocks],
    )


@router.get(
    "/coverage/{level}", response_model=list[AreaRead], summary="Coverage per prefecture or block (CSV too)"
)
def coverage_table(
    session: SessionDep,
    level: Literal["prefectures", "blocks"],
    as_of: dt.date | None = None,
    format: Format = "json",
) -> list[AreaRead] | Response:
    cov = service.coverage(session, as_of=as_of)
    items = [AreaRead.of(a) for a in (cov.prefectures if level == "prefectures" else cov.blocks)]
    if format == "csv":
        rows = (
            {
                **i.model_dump(exclude={"held", "planned"}),
                **{f"held:{k}": i.held.get(k, 0) for k in service.CATEGORIES},
                **{f"planned:{k}": i.planned.get(k, 0) for k in service.CATEGORIES},
            }
            for i in items
        )
        columns = [
            "key",
            "name_ja",
            "name_en",
            "held_total",
            "last_held",
            *[f"held:{k}" for k in service.CATEGORIES],
            *[f"planned:{k}" for k in service.CATEGORIES],
        ]
        return csv_response(rows, columns=columns, filename=f"coverage-{level}.csv")
    return items


@router.get("/log", response_model=list[LogRead], summary="The threads' dated log / 取組状況")
def log(
    session: SessionDep,
    thread: Literal["vertical", "horizontal", "diagonal"] | None = None,
    block: str | None = None,
    format: Format = "json",
) -> list[LogRead] | Response:
    items = [LogRead.of(e) for e in service.thread_log(session, thread=thread, block=block)]
    if format == "csv":
        return csv_response(
            (i.model_dump() for i in items), columns=list(LogRead.model_fields), filename="log.csv"
        )
    return items


@router.post(
    "/blocks/{slug}/log",
    response_model=LogRead,
    status_code=201,
    summary="Record a council decision or meeting (token) / 協議会の記録",
    responses=WRITE_RESPONSES,
)
def add_log(
    session: SessionDep, principal: ApiWriterDep, slug: str, entry: Annotated[LogWrite, Body()]
) -> LogRead:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    return LogRead.of(
        service.add_log_entry(
            session,
            principal=principal,
            block=slug,
            happened_on=entry.happened_on,
            kind=entry.kind,
            text_ja=entry.text_ja,
            status=entry.status,
        )
    )


@router.get(
    "/calendar.ics",
    summary="Upcoming sessions as iCalendar / 予定（iCalendar）",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def calendar(session: SessionDep, block: str | None = None, since: dt.date | None = None) -> Response:
    # A year back by default: subscribers keep recent sessions, and the feed is never empty while any exist.
    data = service.calendar_ics(
        session,
        block=block,
        base_url=get_settings().base_url,
        since=since or today_in_japan() - dt.timedelta(days=365),
    )
    name = f"chiiki-iot-{block or 'national'}.ics"
    return file_response(data, filename=name, media_type="text/calendar; charset=utf-8")


def _org_read(o) -> OrganisationRead:
    return OrganisationRead.model_validate(service.organisation_values(o))


@router.get("/organisations", response_model=list[OrganisationRead], summary="Organisations / 団体")
def organisations(session: SessionDep, format: Format = "json") -> list[OrganisationRead] | Response:
    items = [_org_read(o) for o in service.list_organisations(session)]
    if format == "csv":
        return csv_response(
            ({**i.model_dump(), "members": " ".join(i.members)} for i in items),
            columns=list(OrganisationRead.model_fields),
            filename="organisations.csv",
        )
    return items


@router.put(
    "/organisations/{slug}",
    response_model=OrganisationRead,
    summary="Add or change an organisation (token; to change one, send the version you read)",
    responses=WRITE_RESPONSES,
)
def save_organisation(
    session: SessionDep, principal: ApiWriterDep, slug: str, data: Annotated[OrganisationWrite, Body()]
) -> OrganisationRead:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    if data.slug != slug:
        raise InvalidInput(
            "URL と本文の識別子が違います。", "The slug in the address and in the body differ."
        )
    return _org_read(
        service.save_organisation(
            session,
            principal=principal,
            data=service.OrganisationInput(
                slug=data.slug,
                name_ja=data.name_ja,
                name_en=data.name_en,
                kind=data.kind,
                block=data.block,
                prefecture=data.prefecture,
                members=tuple(data.members),
            ),
            expected_version=data.version,
        )
    )


@router.get("/threads", summary="Who takes part in each thread / 縦・横・斜めの糸")
def threads(session: SessionDep) -> dict[str, list[dict[str, object]]]:
    return {
        thread: [
            {
                "organisation": m.organisation_slug,
                "body_code": m.body_code,
                "role": m.role,
                "since": m.since.isoformat(),
                "name_ja": o.name_ja if o else None,
            }
            for m, o in rows
        ]
        for thread, rows in service.thread_members(session).items()
    }


@router.post(
    "/threads/{thread}/members",
    status_code=201,
    summary="Add a member to a thread (token)",
    responses=WRITE_RESPONSES,
)
def add_member(
    session: SessionDep, principal: ApiWriterDep, thread: str, data: Annotated[MembershipWrite, Body()]
) -> dict[str, object]:
    authorize(principal, "outreach.edit_block", SOMEWHERE)
    member = service.add_thread_member(
        session,
        principal=principal,
        thread=thread,
        organisation=data.organisation,
        role=data.role,
        since=data.since,
    )
    return {
        "thread": member.thread,
        "organisation": member.organisation_slug,
        "role": member.role,
        "since": member.since.isoformat(),
    }
