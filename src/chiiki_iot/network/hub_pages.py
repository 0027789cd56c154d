"""Pages of the IoTデザインハブ: needs with their ranked solutions and proposals, interest from both sides,
rounds, and the solution catalogue."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import (
    SOMEWHERE,
    Principal,
    Target,
    authorize,
    bodies_acted_for,
    can,
    organisations_acted_for,
)
from chiiki_iot.adoption.ladder import Barrier
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import parse_entered_date
from chiiki_iot.network import hub, notify, ranking
from chiiki_iot.network.forms import (
    CSRF,
    RowId,
    SessionDep,
    models_of,
    read_form,
    values,
    version_of,
    yen,
)
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


# ---- needs -------------------------------------------------------------------------------------------------


def _need_input(form: dict, body_code: str) -> hub.NeedInput:
    round_text = str(form.get("round_id", ""))
    return hub.NeedInput(
        body_code=body_code,
        title=str(form.get("title", "")),
        description=str(form.get("description", "")),
        round_id=int(round_text) if round_text.isdigit() and len(round_text) < 10 else None,
        model_slugs=values(form, "models"),
        barriers=values(form, "barriers"),
        budget_yen=yen(str(form.get("budget_yen", "")), "予算", "budget"),
        timing=str(form.get("timing", "")),
        attachments=[u for u in str(form.get("attachments", "")).split() if u],
    )


def _needs_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    return render(
        request,
        "network/needs.html",
        status_code=error.status_code if error else 200,
        needs=hub.list_needs(session, principal),
        bodies=registry.bodies_by_code(session, None),
        statuses=hub.NEED_STATUSES,
        own_bodies=[registry.get_body(session, c) for c in bodies_acted_for(principal)],
        may_post_any=can(principal, "needs.post", Target()),
        rounds=hub.list_rounds(session),
        open_round_id=hub.open_round_id(session),
        models=models_of(session),
        barriers=list(Barrier),
        error=error,
        entered=entered or {},
    )


@router.get("/network/needs", response_class=HTMLResponse)
def needs(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _needs_page(request, session, principal)


@router.post("/network/needs", response_class=HTMLResponse, dependencies=CSRF)
async def post_need(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks
) -> Response:
    authorize(principal, "needs.post", SOMEWHERE)
    form = await read_form(request)
    try:
        need = hub.post_need(
            session, principal=principal, data=_need_input(form, str(form.get("body_code", "")))
        )
    except UserError as error:
        return _needs_page(request, session, principal, error=form_error(error), entered=form)
    notify.need_waiting(session, background, need)
    return RedirectResponse(f"/network/needs/{need.id}?posted=1", status_code=303)


def _need_page(
    request: Request,
    session: Session,
    principal: Principal,
    need_id: RowId,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    need = hub.get_need(session, principal, need_id)
    target = hub.need_target(session, need)
    orgs = organisations_acted_for(principal)
    own_solutions = [s for o in orgs for s in hub.list_solutions(session, organisation=o)]
    return render(
        request,
        "network/need.html",
        status_code=error.status_code if error else 200,
        need=need,
        body=registry.get_body(session, need.body_code),
        statuses=hub.NEED_STATUSES,
        proposal_statuses=hub.PROPOSAL_STATUSES,
        ranked=ranking.solutions_for_need(session, need, limit=10),
        proposals=hub.visible_proposals(session, principal, need),
        solutions={s.id: s for s in hub.list_solutions(session)},
        organisations={o.slug: o for o in outreach.list_organisations(session)},
        interests=hub.interests_of_need(session, need.id),
        may_publish=need.status == "submitted" and can(principal, "needs.publish", target),
        may_edit=need.status in ("submitted", "returned") and can(principal, "needs.post", target),
        barriers=list(Barrier),
        model_list=models_of(session),
        may_decide=can(principal, "proposals.decide", target),
        sees_all_proposals=can(principal, "needs.read_unpublished", target),
        own_solutions=own_solutions,
        own_organisation_slugs=orgs,
        models={m.slug: m for m in models_of(session)},
        error=error,
        entered=entered or {},
    )


@router.get("/network/needs/{need_id}", response_class=HTMLResponse)
def need_detail(
    request: Request, session: SessionDep, principal: PrincipalDep, need_id: RowId
) -> HTMLResponse:
    return _need_page(request, session, principal, need_id)


@router.post("/network/needs/{need_id}/publish", response_class=HTMLResponse, dependencies=CSRF)
async def publish_need(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks, need_id: RowId
) -> Response:
    authorize(principal, "needs.publish", SOMEWHERE)
    form = await read_form(request)
    try:
        need = hub.publish_need(
            session,
            principal=principal,
            need_id=need_id,
            expected_version=version_of(form),
            note=str(form.get("note", "")),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    notify.need_published(session, background, need)
    return RedirectResponse(f"/network/needs/{need_id}?published=1", status_code=303)


@router.post("/network/needs/{need_id}/return", response_class=HTMLResponse, dependencies=CSRF)
async def return_need(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks, need_id: RowId
) -> Response:
    authorize(principal, "needs.publish", SOMEWHERE)
    form = await read_form(request)
    try:
        returned = hub.return_need(
            session,
            principal=principal,
            need_id=need_id,
            expected_version=version_of(form),
            note=str(form.get("note", "")),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    notify.need_returned(session, background, returned)
    return RedirectResponse(f"/network/needs/{need_id}?returned=1", status_code=303)


@router.post("/network/needs/{need_id}/edit", response_class=HTMLResponse, dependencies=CSRF)
async def resubmit_need(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks, need_id: RowId
) -> Response:
    authorize(principal, "needs.post", SOMEWHERE)
    form = await read_form(request)
    try:
        need = hub.get_need(session, principal, need_id)
        need = hub.resubmit_need(
            session,
            principal=principal,
            need_id=need_id,
            expected_version=version_of(form),
            data=_need_input(form, need.body_code),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    notify.need_waiting(session, background, need, corrected=True)
    return RedirectResponse(f"/network/needs/{need_id}?resubmitted=1", status_code=303)


@router.post("/network/needs/{need_id}/proposals", response_class=HTMLResponse, dependencies=CSRF)
async def propose(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks, need_id: RowId
) -> Response:
    authorize(principal, "proposals.submit", SOMEWHERE)
    form = await read_form(request)
    try:
        solution_text = str(form.get("solution_id", ""))
        if not solution_text.isdigit():
            raise InvalidInput("提案する解決策を選んでください。", "Choose the solution to propose.")
        proposal = hub.propose(
            session,
            principal=principal,
            need_id=need_id,
            solution_id=int(solution_text),
            cost_yen=yen(str(form.get("cost_yen", "")), "費用", "cost"),
            plan=str(form.get("plan", "")),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    notify.proposal_received(session, background, hub.get_need(session, principal, proposal.need_id))
    return RedirectResponse(f"/network/needs/{need_id}?proposed=1#proposals", status_code=303)


@router.post("/network/proposals/{proposal_id}/decide", response_class=HTMLResponse, dependencies=CSRF)
async def decide_proposal(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    proposal_id: RowId,
) -> Response:
    authorize(principal, "proposals.decide", SOMEWHERE)
    form = await read_form(request)
    need_id = int(str(form.get("need_id", "0")) or 0) if str(form.get("need_id", "")).isdigit() else 0
    try:
        day_text = str(form.get("on", ""))
        proposal = hub.decide_proposal(
            session,
            principal=principal,
            proposal_id=proposal_id,
            decision=str(form.get("decision", "")),
            expected_version=version_of(form),
            on=parse_entered_date(day_text) if day_text else None,
            note=str(form.get("note", "")),
        )
    except UserError as error:
        if not need_id:
            raise
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    notify.proposal_decided(session, background, proposal, hub.get_need(session, principal, proposal.need_id))
    return RedirectResponse(f"/network/needs/{proposal.need_id}?decided=1#proposals", status_code=303)


@router.post("/network/needs/{need_id}/interest", response_class=HTMLResponse, dependencies=CSRF)
async def show_interest(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks, need_id: RowId
) -> Response:
    authorize(principal, "hub.interest", SOMEWHERE)
    form = await read_form(request)
    try:
        solution_text = str(form.get("solution_id", ""))
        if not solution_text.isdigit():
            raise InvalidInput("解決策を選んでください。", "Choose a solution.")
        result = hub.show_interest(
            session, principal=principal, need_id=need_id, solution_id=int(solution_text)
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    if result.conversation is not None:
        notify.conversation_opened(session, background, result.conversation)
    return RedirectResponse(f"/network/needs/{need_id}?interest=1#ranked", status_code=303)


# ---- rounds ------------------------------------------------------------------------------------------------


def _rounds_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    rounds = hub.list_rounds(session)
    return render(
        request,
        "network/rounds.html",
        status_code=error.status_code if error else 200,
        rounds=rounds,
        stats={r.id: hub.round_statistics(session, round_id=r.id) for r in rounds},
        events={e.id: e for e in outreach.list_events(session)},
        may_add=can(principal, "hub.rounds"),
        error=error,
        entered=entered or {},
    )


@router.get("/network/rounds", response_class=HTMLResponse)
def rounds(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _rounds_page(request, session, principal)


@router.post("/network/rounds", response_class=HTMLResponse, dependencies=CSRF)
async def add_round(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "hub.rounds", SOMEWHERE)
    form = await read_form(request)
    try:
        event_text = str(form.get("session_event_id", ""))
        pilots_until = str(form.get("pilots_until", ""))
        hub.add_round(
            session,
            principal=principal,
            data=hub.RoundInput(
                title=str(form.get("title", "")),
                needs_open_on=parse_entered_date(str(form.get("needs_open_on", ""))),
                needs_close_on=parse_entered_date(str(form.get("needs_close_on", ""))),
                proposals_close_on=parse_entered_date(str(form.get("proposals_close_on", ""))),
                session_event_id=int(event_text) if event_text.isdigit() and len(event_text) < 10 else None,
                pilots_until=parse_entered_date(pilots_until) if pilots_until else None,
            ),
        )
    except UserError as error:
        return _rounds_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse("/network/rounds?saved=1", status_code=303)


# ---- solutions ---------------------------------------------------------------------------------------------


def _solutions_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    return render(
        request,
        "network/solutions.html",
        status_code=error.status_code if error else 200,
        solutions=hub.list_solutions(session),
        organisations={o.slug: o for o in outreach.list_organisations(session)},
        own_organisations=organisations_acted_for(principal)
        or (
            [o.slug for o in outreach.list_organisations(session)]
            if can(principal, "solutions.edit", Target())
            else []
        ),
        models=models_of(session),
        blocks=registry.list_blocks(session),
        error=error,
        entered=entered or {},
    )


@router.get("/network/solutions", response_class=HTMLResponse)
def solutions(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _solutions_page(request, session, principal)


def _solution_input(form: dict) -> hub.SolutionInput:
    return hub.SolutionInput(
        organisation_slug=str(form.get("organisation_slug", "")),
        title=str(form.get("title", "")),
        description=str(form.get("description", "")),
        model_slugs=values(form, "models"),
        regions=values(form, "regions"),
        price_min_yen=yen(str(form.get("price_min_yen", "")), "価格の下限", "lowest price"),
        price_max_yen=yen(str(form.get("price_max_yen", "")), "価格の上限", "highest price"),
        track_record=str(form.get("track_record", "")),
    )


@router.post("/network/solutions", response_class=HTMLResponse, dependencies=CSRF)
async def add_solution(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "solutions.edit", SOMEWHERE)
    form = await read_form(request)
    try:
        solution = hub.save_solution(session, principal=principal, data=_solution_input(form))
    except UserError as error:
        return _solutions_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/solutions/{solution.id}?saved=1", status_code=303)


def _solution_page(
    request: Request,
    session: Session,
    principal: Principal,
    solution_id: RowId,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    solution = hub.get_solution(session, solution_id)
    open_needs = [n for n in hub.list_needs(session, principal) if n.status == "published"]
    return render(
        request,
        "network/solution.html",
        status_code=error.status_code if error else 200,
        solution=solution,
        organisation=outreach.get_organisation(session, solution.organisation_slug),
        ranked=ranking.needs_for_solution(session, solution, open_needs, limit=10),
        bodies=registry.bodies_by_code(session, [n.body_code for n in open_needs]),
        may_edit=can(principal, "solutions.edit", Target(organisation=solution.organisation_slug)),
        models=models_of(session),
        blocks=registry.list_blocks(session),
        error=error,
        entered=entered or {},
    )


@router.get("/network/solutions/{solution_id}", response_class=HTMLResponse)
def solution_detail(
    request: Request, session: SessionDep, principal: PrincipalDep, solution_id: RowId
) -> HTMLResponse:
    return _solution_page(request, session, principal, solution_id)


@router.post("/network/solutions/{solution_id}", response_class=HTMLResponse, dependencies=CSRF)
async def update_solution(
    request: Request, session: SessionDep, principal: SignedInDep, solution_id: RowId
) -> Response:
    authorize(principal, "solutions.edit", SOMEWHERE)
    form = await read_form(request)
    try:
        hub.save_solution(
            session,
            principal=principal,
            data=_solution_input(form),
            solution_id=solution_id,
            expected_version=version_of(form),
        )
    except UserError as error:
        return _solution_page(request, session, principal, solution_id, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/solutions/{solution_id}?saved=1", status_code=303)
