"""Admin pages: users and their roles, invitations, and the audit log (list, per record, CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts import audit_reader, service
from chiiki_iot.accounts.auth import SignedInDep, csrf_protected, current_principal
from chiiki_iot.accounts.invitations import invite_and_send
from chiiki_iot.accounts.policy import REACH_LABELS, ROLE_LABELS, SOMEWHERE, Role, authorize, policy_matrix
from chiiki_iot.core.errors import UserError
from chiiki_iot.core.i18n import current_language
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.tables import csv_response
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Csrf = Depends(csrf_protected)


def _users_page(
    request: Request, session: Session, principal: SignedInDep, *, status_code: int = 200, **extra: object
) -> HTMLResponse:
    users = service.list_users(session, principal=principal)
    return render(
        request,
        "accounts/admin_users.html",
        status_code=status_code,
        users=users,
        scope_labels=service.scope_labels(session, [(g.role, g.scope) for u in users for g in u.grants]),
        roles=list(Role),
        matrix=policy_matrix(),
        reach_labels=REACH_LABELS,
        role_names=ROLE_LABELS,
        **{"error": None, "notice": None, **extra},
    )


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, principal: SignedInDep) -> HTMLResponse:
    authorize(principal, "users.manage")
    return _users_page(request, session, principal)


@router.post("/admin/users/{user_id}/grants", response_class=HTMLResponse, dependencies=[Csrf])
def add_grant(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    user_id: int,
    role: Annotated[Role, Form()],
    scope: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    authorize(principal, "users.manage")
    try:
        service.grant_role(
            session, principal=principal, user=service.get_user(session, user_id), role=role, scope=scope
        )
    except UserError as error:
        return _users_page(
            request, session, principal, status_code=error.status_code, error=form_error(error)
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{user_id}/grants/{grant_id}/revoke", dependencies=[Csrf])
def remove_grant(
    session: SessionDep, principal: SignedInDep, user_id: int, grant_id: int
) -> RedirectResponse:
    authorize(principal, "users.manage")
    service.revoke_role(
        session, principal=principal, user=service.get_user(session, user_id), grant_id=grant_id
    )
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/invitations", response_class=HTMLResponse, dependencies=[Csrf])
def invite(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[Role, Form()],
    scope: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    authorize(principal, "users.invite", SOMEWHERE)
    try:
        notice = invite_and_send(session, principal=principal, email=email, role=role, scope=scope)
    except UserError as error:
        return _users_page(
            request, session, principal, status_code=error.status_code, error=form_error(error)
        )
    return _users_page(request, session, principal, notice=notice)


@router.get("/admin/audit", response_model=None)
def audit_page(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    actor: Annotated[str, Query(max_length=254)] = "",
    entity: Annotated[str, Query(max_length=64)] = "",
    key: Annotated[str, Query(max_length=128)] = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
    format: Annotated[str, Query(pattern="^(html|csv)$")] = "html",
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> Response:
    authorize(principal, "audit.read")
    filters = audit_reader.AuditFilter(actor=actor, entity=entity, key=key, since=since, until=until)
    if format == "csv":
        rows = audit_reader.list_entries(session, principal=principal, filters=filters, limit=100_000)
        return csv_response(
            (audit_reader.as_row(e) for e in rows), columns=audit_reader.CSV_COLUMNS, filename="audit.csv"
        )
    entries = audit_reader.list_entries(
        session, principal=principal, filters=filters, offset=(page - 1) * 100, limit=100
    )
    lang = current_language.get()
    return render(
        request,
        "accounts/admin_audit.html",
        entries=entries,
        filters=filters,
        page=page,
        action_label=lambda e: audit_reader.action_label(e, lang=lang),
        entity_label=lambda e: audit_reader.entity_label(e, lang=lang),
        changes=lambda e: audit_reader.changes(e, lang=lang),
        role_parts=audit_reader.role_parts,
    )
