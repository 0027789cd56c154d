"""JSON routes of accounts: who am I, and the audit log for admins (JSON or CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts import audit_reader
from chiiki_iot.accounts.auth import PrincipalDep, current_principal, signed_in
from chiiki_iot.accounts.schemas import AuditEntryRead, GrantRead, MeRead
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.tables import csv_response
from chiiki_iot.web.validation import MAX_OFFSET

router = APIRouter(prefix="/api/v1", tags=["accounts"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@router.get(
    "/me",
    response_model=MeRead,
    summary="Who the token or session acts as / 利用者",
    dependencies=[Depends(signed_in)],
    responses={401: {"description": "not signed in"}},
)
def me(principal: PrincipalDep) -> MeRead:
    return MeRead(
        actor=principal.actor,
        via=principal.via,
        grants=[GrantRead(role=g.role.value, scope=g.scope) for g in principal.grants],
    )


@router.get(
    "/audit",
    response_model=list[AuditEntryRead],
    summary="The audit log (secretariat) / 監査ログ",
    responses={401: {"description": "not signed in"}, 403: {"description": "not the secretariat"}},
)
def audit(
    session: SessionDep,
    principal: PrincipalDep,
    actor: Annotated[str, Query(max_length=254)] = "",
    entity: Annotated[str, Query(max_length=64)] = "",
    key: Annotated[str, Query(max_length=128)] = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=10000)] = 100,
    format: Literal["json", "csv"] = "json",
) -> list[AuditEntryRead] | Response:
    filters = audit_reader.AuditFilter(actor=actor, entity=entity, key=key, since=since, until=until)
    entries = audit_reader.list_entries(
        session, principal=principal, filters=filters, offset=offset, limit=limit
    )
    rows = [audit_reader.as_row(e) for e in entries]
    if format == "csv":
        return csv_response(rows, columns=audit_reader.CSV_COLUMNS, filename="audit.csv")
    return [AuditEntryRead(**row) for row in rows]
