"""Pages of symbol projects (calls, proposals, review by several reviewers, selection) and the 政策提言 log."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import (
    SOMEWHERE,
    Principal,
    authorize,
    bodies_acted_for,
    can,
    organisations_acted_for,
)
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import parse_entered_date
from chiiki_iot.network import symbols
from chiiki_iot.network.forms import (
    CSRF,
    RowId,
    SessionDep,
    read_form,
    values,
    version_of,
)
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


# ---- symbol projects and policy proposals -------------------------------------------------------------


def _call_page(
    request: Request,
    session: Session,
    principal: Principal,
    call_id: RowId,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    call = symbols.get_call(session, call_id)
    standings = symbols.standings(session, call.id)
    return render(
        request,
        "network/symbol_call.html",
        status_code=error.status_code if error else 200,
        call=call,
        standings=standings,
        reviews={s.proposal.id: symbols.reviews_of(session, s.proposal.id) for s in standings},
        statuses=symbols.PROPOSAL_STATUSES,
        may_review=can(principal, "symbol.review", SOMEWHERE),
        may_select=can(principal, "symbol.calls"),
        own_bodies=[registry.get_body(session, c) for c in bodies_acted_for(principal)],
        own_organisations=organisations_acted_for(principal),
        bodies=registry.bodies_by_code(
            session, [s.proposal.body_code for s in standings if s.proposal.body_code]
        ),
        organisations={o.slug: o for o in outreach.list_organisations(session)},
        actor=principal.actor,
        min_reviews=symbols.MIN_REVIEWS,
        max_total=sum(int(c["max"]) for c in call.criteria),
        error=error,
        entered=entered or {},
    )


@router.get("/network/symbol", response_class=HTMLResponse)
def symbol_calls(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _symbols_page(request, session, principal)


def _symbols_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: UserError | None = None,
    entered: dict[str, Any] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "network/symbol.html",
        status_code=error.status_code if error else 200,
        calls=symbols.list_calls(session),
        policy=symbols.list_policy_proposals(session),
        outcomes=symbols.OUTCOMES,
        may_open=can(principal, "symbol.calls"),
        may_record=can(principal, "policy.record"),
        error=error,
        entered=entered or {},
    )


@router.post("/network/symbol", response_class=HTMLResponse, dependencies=CSRF)
async def open_call(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "symbol.calls", SOMEWHERE)
    form = await read_form(request)
    try:
        call = symbols.open_call(
            session,
            principal=principal,
            title=str(form.get("title", "")),
            description=str(form.get("description", "")),
            deadline=parse_entered_date(str(form.get("deadline", ""))),
        )
    except UserError as error:
        return _symbols_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/symbol/{call.id}?opened=1", status_code=303)


@router.get("/network/symbol/{call_id}", response_class=HTMLResponse)
def symbol_call(
    request: Request, session: SessionDep, principal: PrincipalDep, call_id: RowId
) -> HTMLResponse:
    return _call_page(request, session, principal, call_id)


@router.post("/network/symbol/{call_id}/proposals", response_class=HTMLResponse, dependencies=CSRF)
async def symbol_propose(
    request: Request, session: SessionDep, principal: SignedInDep, call_id: RowId
) -> Response:
    authorize(principal, "symbol.propose", SOMEWHERE)
    form = await read_form(request)
    who = str(form.get("who", ""))
    try:
        symbols.propose(
            session,
            principal=principal,
            call_id=call_id,
            title=str(form.get("title", "")),
            summary=str(form.get("summary", "")),
            body_code=who[5:] if who.startswith("body:") else "",
            organisation_slug=who[4:] if who.startswith("org:") else "",
            model_slugs=values(form, "models"),
        )
    except UserError as error:
        return _call_page(request, session, principal, call_id, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/symbol/{call_id}?proposed=1", status_code=303)


@router.post(
    "/network/symbol/proposals/{proposal_id}/reviews", response_class=HTMLResponse, dependencies=CSRF
)
async def symbol_review(
    request: Request, session: SessionDep, principal: SignedInDep, proposal_id: RowId
) -> Response:
    authorize(principal, "symbol.review", SOMEWHERE)
    form = await read_form(request)
    proposal = symbols.get_proposal(session, proposal_id)
    try:
        scores = values(form, "scores")
        if not all(re.fullmatch(r"[0-9]{1,3}", s) for s in scores):
            raise InvalidInput("点数は半角数字で入力してください。", "Scores must be whole numbers.")
        symbols.review(
            session,
            principal=principal,
            proposal_id=proposal_id,
            scores=[int(s) for s in scores],
            comment=str(form.get("comment", "")),
            no_conflict=form.get("no_conflict") == "yes",
        )
    except UserError as error:
        return _call_page(
            request, session, principal, proposal.call_id, error=form_error(error), entered=form
        )
    return RedirectResponse(f"/network/symbol/{proposal.call_id}?reviewed=1", status_code=303)


@router.post("/network/symbol/proposals/{proposal_id}/decide", response_class=HTMLResponse, dependencies=CSRF)
async def symbol_decide(
    request: Request, session: SessionDep, principal: SignedInDep, proposal_id: RowId
) -> Response:
    authorize(principal, "symbol.calls", SOMEWHERE)
    form = await read_form(request)
    proposal = symbols.get_proposal(session, proposal_id)
    try:
        symbols.select_proposal(
            session,
            principal=principal,
            proposal_id=proposal_id,
            selected=form.get("decision") == "select",
            expected_version=version_of(form),
        )
    except UserError as error:
        return _call_page(
            request, session, principal, proposal.call_id, error=form_error(error), entered=form
        )
    return RedirectResponse(f"/network/symbol/{proposal.call_id}?decided=1", status_code=303)


@router.post("/network/policy/{proposal_id}/outcome", response_class=HTMLResponse, dependencies=CSRF)
async def record_outcome(
    request: Request, session: SessionDep, principal: SignedInDep, proposal_id: RowId
) -> Response:
    authorize(principal, "policy.record", SOMEWHERE)
    form = await read_form(request)
    try:
        symbols.record_outcome(
            session,
            principal=principal,
            proposal_id=proposal_id,
            status=str(form.get("outcome_status", "")),
            outcome=str(form.get("outcome", "")),
            expected_version=version_of(form),
        )
    except UserError as error:
        return _symbols_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse("/network/symbol?recorded=1#policy", status_code=303)


@router.post(
    "/network/symbol/proposals/{proposal_id}/progress", response_class=HTMLResponse, dependencies=CSRF
)
async def record_progress(
    request: Request, session: SessionDep, principal: SignedInDep, proposal_id: RowId
) -> Response:
    authorize(principal, "symbol.progress", SOMEWHERE)
    form = await read_form(request)
    proposal = symbols.get_proposal(session, proposal_id)
    try:
        symbols.record_progress(
            session,
            principal=principal,
            proposal_id=proposal_id,
            note=str(form.get("note", "")),
            expected_version=version_of(form),
        )
    except UserError as error:
        return _call_page(
            request, session, principal, proposal.call_id, error=form_error(error), entered=form
        )
    return RedirectResponse(f"/network/symbol/{proposal.call_id}?decided=1", status_code=303)


@router.post("/network/policy", response_class=HTMLResponse, dependencies=CSRF)
async def record_policy(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "policy.record", SOMEWHERE)
    form = await read_form(request)
    try:
        symbols.record_policy_proposal(
            session,
            principal=principal,
            title=str(form.get("title", "")),
            text=str(form.get("text", "")),
            proposed_by=str(form.get("proposed_by", "")),
            proposed_on=parse_entered_date(str(form.get("proposed_on", ""))) or dt.date.today(),
        )
    except UserError as error:
        return _symbols_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse("/network/symbol?recorded=1#policy", status_code=303)
