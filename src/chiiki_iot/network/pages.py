"""Pages of the 地域IoT官民ネット: the overview, IoTデザインガール, and the member directory with applications.
The IoTデザインハブ's pages are in ``hub_pages``, symbol projects and 政策提言 in ``symbol_pages``.

Every form posts to a route that calls one service function; a refused input re-renders the page with the
message, and a change the reader is not allowed to make is a 401/403 from the policy."""

from __future__ import annotations

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
from chiiki_iot.core.errors import UserError
from chiiki_iot.network import hub, members
from chiiki_iot.network.forms import (
    CSRF,
    RowId,
    SessionDep,
    models_of,
    read_form,
    values,
    version_of,
)
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


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
        models=models_of(session),
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
    form = await read_form(request)
    who = str(form.get("who", ""))
    try:
        members.apply(
            session,
            principal=principal,
            body_code=who[5:] if who.startswith("body:") else "",
            organisation_slug=who[4:] if who.startswith("org:") else "",
            interests=values(form, "interests"),
            message=str(form.get("message", "")),
            communities=values(form, "communities"),
        )
    except UserError as error:
        return _members_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse("/network/members?applied=1", status_code=303)


@router.post("/network/members/{member_id}/decide", response_class=HTMLResponse, dependencies=CSRF)
async def decide_member(
    request: Request, session: SessionDep, principal: SignedInDep, member_id: RowId
) -> Response:
    authorize(principal, "network.members", SOMEWHERE)
    form = await read_form(request)
    try:
        members.decide(
            session,
            principal=principal,
            member_id=member_id,
            approve=form.get("decision") == "approve",
            reason=str(form.get("reason", "")),
            expected_version=version_of(form),
        )
    except UserError as error:
        return _members_page(request, session, principal, error=form_error(error), entered=form)
    return RedirectResponse("/network/members?decided=1#applications", status_code=303)
