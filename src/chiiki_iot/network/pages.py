"""Pages of the 地域IoT官民ネット: the overview, the member directory with applications, needs with their
ranked solutions and proposals, the solution catalogue, symbol projects with review, and the 政策提言 log.

Every form posts to a route that calls one service function; a refused input re-renders the page with the
message, and a change the reader is not allowed to make is a 401/403 from the policy."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, csrf_protected, current_principal
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
from chiiki_iot.network import hub, members, notify, ranking, symbols
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="record id")]
"""A record id as the database can hold it: a larger number is a 422, not a 500 from the driver."""
CSRF = [Depends(csrf_protected)]


MULTI = frozenset({"models", "barriers", "regions", "interests", "scores", "communities"})
"""Fields with several values (check boxes, one score per criterion): always lists, so a form shown again
after an error keeps every box that was ticked."""


async def _form(request: Request) -> dict[str, str | list[str]]:
    """The posted form: single values as trimmed text, the fields of ``MULTI`` as lists."""
    data = await request.form()
    out: dict[str, str | list[str]] = {key: [] for key in MULTI}
    for key in data:
        values = [str(v) for v in data.getlist(key)]
        out[key] = values if key in MULTI else values[0].strip()
    return out


def _list(form: dict, key: str) -> list[str]:
    value = form.get(key) or []
    return [v for v in ([value] if isinstance(value, str) else value) if v]


def _yen(text: str, what_ja: str, what_en: str) -> int | None:
    """An amount as officials type it: 全角 or 半角 digits, commas, 円, and 万 (300万円 = 3,000,000)."""
    folded = unicodedata.normalize("NFKC", text).replace(",", "").replace("円", "").replace(" ", "").strip()
    if not folded:
        return None
    found = re.fullmatch(r"([0-9]{1,13})(?:\.([0-9]{1,4}))?(万)?", folded)
    if not found or (found[2] and not found[3]):
        raise InvalidInput(
            f"{what_ja}は数字で入力してください（例: 3000000、3,000,000、300万円）。",
            f"The {what_en} must be an amount in yen (e.g. 3000000, 3,000,000 or 300万円).",
        )
    amount = Decimal(f"{found[1]}.{found[2] or 0}") * (10_000 if found[3] else 1)
    if amount != amount.to_integral_value():
        raise InvalidInput(f"{what_ja}は1円単位で入力してください。", f"The {what_en} must be whole yen.")
    return int(amount)


def _version(form: dict) -> int:
    text = str(form.get("version", ""))
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else 0


def _models(session: Session) -> list:
    return [m for f in roadmap.get_revision(session).fields for m in f.models]


# ---- overview and members ------------------------------------------------------------------------------


@router.get("/network", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "network/overview.html",
        founders=members.list_members(session, members.MemberFilter(founders_only=True)),
        member_count=len(members.list_members(session)),
        stats=hub.round_statistics(session),
        rounds=hub.list_rounds(session),
        kinds=members.KINDS,
    )


@router.get("/network/design-girl", response_class=HTMLResponse)
def design_girl(request: Request, session: SessionDep) -> HTMLResponse:
    """IoTデザインガール: the network's community for women in the IoT industry — who takes part, and its
    gatherings (outreach events of the category of that name)."""
    return render(
        request,
        "network/design_girl.html",
        rows=members.list_members(session, members.MemberFilter(community="design-girl")),
        events=[e for e in outreach.list_events(session) if e.category == "design-girl"],
        kinds=members.KINDS,
    )


def _members_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    q = request.query_params
    filters = members.MemberFilter(
        kind=q.get("kind", ""),
        block=q.get("block", ""),
        model=q.get("model", ""),
        founders_only=q.get("founders") == "1",
    )
    return render(
        request,
        "network/members.html",
        status_code=error.status_code if error else 200,
        rows=members.list_members(session, filters),
        filters=filters,
        kinds=members.KINDS,
        blocks=registry.list_blocks(session),
        models=_models(session),
        applicants=members.list_members(session, members.MemberFilter(status="applied"))
        if can(principal, "network.members")
        else [],
        own_bodies=[registry.get_body(session, c) for c in bodies_acted_for(principal)],
        own_organisations=organisations_acted_for(principal),
        organisation_names={o.slug: o.name_ja for o in outreach.list_organisations(session)},
        error=error,
        entered=entered or {},
    )


@router.get("/network/members", response_class=HTMLResponse)
def member_directory(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _members_page(request, session, principal)


@router.post("/network/members/apply", response_class=HTMLResponse, dependencies=CSRF)
async def apply_to_join(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "network.apply", SOMEWHERE)
    form = await _form(request)
    who = str(form.get("who", ""))
    try:
        members.apply(
            session,
            principal=principal,
            body_code=who[5:] if who.startswith("body:") else "",
            organisation_slug=who[4:] if who.startswith("org:") else "",
            interests=_list(form, "interests"),
            message=str(form.get("message", "")),
            communities=_list(form, "communities"),
        )
    except UserError as error:
        return _members_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse("/network/members?applied=1", status_code=303)


@router.post("/network/members/{member_id}/decide", response_class=HTMLResponse, dependencies=CSRF)
async def decide_member(
    request: Request, session: SessionDep, principal: SignedInDep, member_id: RowId
) -> Response:
    authorize(principal, "network.members", SOMEWHERE)
    form = await _form(request)
    try:
        members.decide(
            session,
            principal=principal,
            member_id=member_id,
            approve=form.get("decision") == "approve",
            reason=str(form.get("reason", "")),
            expected_version=_version(form),
        )
    except UserError as error:
        return _members_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse("/network/members?decided=1#applications", status_code=303)


# ---- needs -------------------------------------------------------------------------------------------------


def _need_input(form: dict, body_code: str) -> hub.NeedInput:
    round_text = str(form.get("round_id", ""))
    return hub.NeedInput(
        body_code=body_code,
        title=str(form.get("title", "")),
        description=str(form.get("description", "")),
        round_id=int(round_text) if round_text.isdigit() and len(round_text) < 10 else None,
        model_slugs=_list(form, "models"),
        barriers=_list(form, "barriers"),
        budget_yen=_yen(str(form.get("budget_yen", "")), "予算", "budget"),
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
        models=_models(session),
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
    form = await _form(request)
    try:
        need = hub.post_need(
            session, principal=principal, data=_need_input(form, str(form.get("body_code", "")))
        )
    except UserError as error:
        return _needs_page(request, session, principal, error=form_error(error), entered=form)
    notify.need_posted(session, background, need, base_url=str(request.base_url))
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
        model_list=_models(session),
        may_decide=can(principal, "proposals.decide", target),
        own_solutions=own_solutions,
        own_organisation_slugs=orgs,
        models={m.slug: m for m in _models(session)},
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
    form = await _form(request)
    try:
        need = hub.publish_need(
            session,
            principal=principal,
            need_id=need_id,
            expected_version=_version(form),
            note=str(form.get("note", "")),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    notify.need_published(session, background, need, base_url=str(request.base_url))
    return RedirectResponse(f"/network/needs/{need_id}?published=1", status_code=303)


@router.post("/network/needs/{need_id}/return", response_class=HTMLResponse, dependencies=CSRF)
async def return_need(
    request: Request, session: SessionDep, principal: SignedInDep, need_id: RowId
) -> Response:
    authorize(principal, "needs.publish", SOMEWHERE)
    form = await _form(request)
    try:
        hub.return_need(
            session,
            principal=principal,
            need_id=need_id,
            expected_version=_version(form),
            note=str(form.get("note", "")),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/needs/{need_id}?returned=1", status_code=303)


@router.post("/network/needs/{need_id}/edit", response_class=HTMLResponse, dependencies=CSRF)
async def resubmit_need(
    request: Request, session: SessionDep, principal: SignedInDep, need_id: RowId
) -> Response:
    authorize(principal, "needs.post", SOMEWHERE)
    form = await _form(request)
    try:
        need = hub.get_need(session, principal, need_id)
        hub.resubmit_need(
            session,
            principal=principal,
            need_id=need_id,
            expected_version=_version(form),
            data=_need_input(form, need.body_code),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/needs/{need_id}?posted=1", status_code=303)


@router.post("/network/needs/{need_id}/proposals", response_class=HTMLResponse, dependencies=CSRF)
async def propose(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks, need_id: RowId
) -> Response:
    authorize(principal, "proposals.submit", SOMEWHERE)
    form = await _form(request)
    try:
        solution_text = str(form.get("solution_id", ""))
        if not solution_text.isdigit():
            raise InvalidInput("提案する解決策を選んでください。", "Choose the solution to propose.")
        proposal = hub.propose(
            session,
            principal=principal,
            need_id=need_id,
            solution_id=int(solution_text),
            cost_yen=_yen(str(form.get("cost_yen", "")), "費用", "cost"),
            plan=str(form.get("plan", "")),
        )
    except UserError as error:
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    notify.proposal_received(
        session,
        background,
        hub.get_need(session, principal, proposal.need_id),
        base_url=str(request.base_url),
    )
    return RedirectResponse(f"/network/needs/{need_id}?proposed=1#proposals", status_code=303)


@router.post("/network/proposals/{proposal_id}/decide", response_class=HTMLResponse, dependencies=CSRF)
async def decide_proposal(
    request: Request, session: SessionDep, principal: SignedInDep, proposal_id: RowId
) -> Response:
    authorize(principal, "proposals.decide", SOMEWHERE)
    form = await _form(request)
    need_id = int(str(form.get("need_id", "0")) or 0) if str(form.get("need_id", "")).isdigit() else 0
    try:
        day_text = str(form.get("on", ""))
        proposal = hub.decide_proposal(
            session,
            principal=principal,
            proposal_id=proposal_id,
            decision=str(form.get("decision", "")),
            expected_version=_version(form),
            on=parse_entered_date(day_text) if day_text else None,
        )
    except UserError as error:
        if not need_id:
            raise
        return _need_page(request, session, principal, need_id, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/needs/{proposal.need_id}?decided=1#proposals", status_code=303)


@router.post("/network/needs/{need_id}/interest", response_class=HTMLResponse, dependencies=CSRF)
async def show_interest(
    request: Request, session: SessionDep, principal: SignedInDep, background: BackgroundTasks, need_id: RowId
) -> Response:
    authorize(principal, "hub.interest", SOMEWHERE)
    form = await _form(request)
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
        notify.conversation_opened(session, background, result.conversation, base_url=str(request.base_url))
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
    form = await _form(request)
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
        models=_models(session),
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
        model_slugs=_list(form, "models"),
        regions=_list(form, "regions"),
        price_min_yen=_yen(str(form.get("price_min_yen", "")), "価格の下限", "lowest price"),
        price_max_yen=_yen(str(form.get("price_max_yen", "")), "価格の上限", "highest price"),
        track_record=str(form.get("track_record", "")),
    )


@router.post("/network/solutions", response_class=HTMLResponse, dependencies=CSRF)
async def add_solution(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "solutions.edit", SOMEWHERE)
    form = await _form(request)
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
        models=_models(session),
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
    form = await _form(request)
    try:
        hub.save_solution(
            session,
            principal=principal,
            data=_solution_input(form),
            solution_id=solution_id,
            expected_version=_version(form),
        )
    except UserError as error:
        return _solution_page(request, session, principal, solution_id, error=form_error(error), entered=form)
    return RedirectResponse(f"/network/solutions/{solution_id}?saved=1", status_code=303)


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
    return render(
        request,
        "network/symbol.html",
        calls=symbols.list_calls(session),
        policy=symbols.list_policy_proposals(session),
        outcomes=symbols.OUTCOMES,
        may_open=can(principal, "symbol.calls"),
        may_record=can(principal, "policy.record"),
        error=None,
        entered={},
    )


@router.post("/network/symbol", response_class=HTMLResponse, dependencies=CSRF)
async def open_call(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "symbol.calls", SOMEWHERE)
    form = await _form(request)
    try:
        call = symbols.open_call(
            session,
            principal=principal,
            title=str(form.get("title", "")),
            description=str(form.get("description", "")),
            deadline=parse_entered_date(str(form.get("deadline", ""))),
        )
    except UserError as error:
        return render(
            request,
            "network/symbol.html",
            status_code=form_error(error).status_code,
            calls=symbols.list_calls(session),
            policy=symbols.list_policy_proposals(session),
            outcomes=symbols.OUTCOMES,
            may_open=True,
            may_record=can(principal, "policy.record"),
            error=error,
            entered=form,
        )
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
    form = await _form(request)
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
            model_slugs=_list(form, "models"),
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
    form = await _form(request)
    proposal = symbols.get_proposal(session, proposal_id)
    try:
        scores = _list(form, "scores")
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
    form = await _form(request)
    proposal = symbols.get_proposal(session, proposal_id)
    try:
        symbols.select_proposal(
            session,
            principal=principal,
            proposal_id=proposal_id,
            selected=form.get("decision") == "select",
            expected_version=_version(form),
        )
    except UserError as error:
        return _call_page(
            request, session, principal, proposal.call_id, error=form_error(error), entered=form
        )
    return RedirectResponse(f"/network/symbol/{proposal.call_id}?decided=1", status_code=303)


@router.post("/network/policy", response_class=HTMLResponse, dependencies=CSRF)
async def record_policy(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "policy.record", SOMEWHERE)
    form = await _form(request)
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
        return render(
            request,
            "network/symbol.html",
            status_code=form_error(error).status_code,
            calls=symbols.list_calls(session),
            policy=symbols.list_policy_proposals(session),
            outcomes=symbols.OUTCOMES,
            may_open=can(principal, "symbol.calls"),
            may_record=True,
            error=error,
            entered=form,
        )
    return RedirectResponse("/network/symbol?recorded=1#policy", status_code=303)
