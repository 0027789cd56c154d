"""Pages of the opinions raised in the councils and briefing sessions (record, triage, reply) and of each
block's priority models."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, Target, authorize, can
from chiiki_iot.adoption.ladder import Barrier
from chiiki_iot.core.errors import UserError
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.improvement import notify, opinions, priorities
from chiiki_iot.improvement.forms import CSRF, SessionDep, read_form
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.forms import RowId, undone, values, version_of, whole_number
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


def _opinions_page(
    request: Request, session: Session, principal: Principal, *, error: UserError | None = None,
    entered: dict | None = None, failed: int | None = None,
) -> HTMLResponse:  # fmt: skip
    triage = request.query_params.get("triage", "")
    block = request.query_params.get("block", "")
    blocks = registry.list_blocks(session)
    held = opinions.meetings(session)  # every meeting and session: read once for both lists
    return render(
        request,
        "improvement/opinions.html",
        status_code=error.status_code if error else 200,
        rows=opinions.list_opinions(
            session,
            block=block if block in {b.slug for b in blocks} else None,
            triage=triage if triage in opinions.TRIAGE else None,
        ),
        meetings={m.key: m for m in held},
        recordable=[m for m in held if _may_record(principal, m)],
        triage_labels=opinions.TRIAGE,
        model_names={m.slug: m for m in roadmap.list_models(session)},
        models=roadmap.list_models(session),
        barriers=list(Barrier),
        blocks={b.slug: b for b in blocks},
        chosen_triage=triage,
        chosen_block=block,
        may_triage=can(principal, "opinions.triage"),
        error=error,
        failed=failed,
        entered=entered or {},
    )


def _may_record(principal: Principal, meeting: opinions.Meeting) -> bool:
    target = Target(block_slug=meeting.block_slug) if meeting.block_slug else Target()
    return can(principal, "opinions.record", target)


@router.get("/improvement/opinions", response_class=HTMLResponse)
def opinion_list(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _opinions_page(request, session, principal)


@router.post("/improvement/opinions", response_class=HTMLResponse, dependencies=CSRF)
async def record_opinion(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "opinions.record", SOMEWHERE)
    form = await read_form(request)
    try:
        row = opinions.record(
            session,
            principal=principal,
            data=opinions.OpinionInput(
                meeting=str(form.get("meeting", "")),
                text=str(form.get("text", "")),
                raised_by=str(form.get("raised_by", "")),
                model_slugs=values(form, "models"),
                barriers=values(form, "barriers"),
            ),
        )
    except UserError as error:
        return _opinions_page(request, session, principal, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/opinions?saved=1#opinion-{row.id}", status_code=303)


@router.post("/improvement/opinions/{opinion_id}/triage", response_class=HTMLResponse, dependencies=CSRF)
async def triage_opinion(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    opinion_id: RowId,
    background: BackgroundTasks,
) -> Response:
    authorize(principal, "opinions.triage")
    form = await read_form(request)
    try:
        answered = opinions.triage(
            session, principal=principal, opinion_id=opinion_id, expected_version=version_of(form),
            outcome=str(form.get("outcome", "")), reply=str(form.get("reply", "")),
            proposal=str(form.get("proposal", "")), countermeasure_title=str(form.get("countermeasure_title", "")),
        )  # fmt: skip
    except UserError as error:
        return _opinions_page(
            request, session, principal, error=undone(session, error), entered=form, failed=opinion_id
        )
    notify.opinion_answered(session, background, answered)
    return RedirectResponse(f"/improvement/opinions?saved=1#opinion-{opinion_id}", status_code=303)


# ---- priorities -----------------------------------------------------------------------------------------


def _priorities_page(
    request: Request, session: Session, principal: Principal, *, error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:  # fmt: skip
    blocks = registry.list_blocks(session)
    current = priorities.all_current(session)
    return render(
        request,
        "improvement/priorities.html",
        status_code=error.status_code if error else 200,
        blocks=blocks,
        current=current,
        progress={b.slug: priorities.progress_in_block(session, b.slug) for b in blocks if b.slug in current},
        editable=[b for b in blocks if can(principal, "priorities.set", Target(block_slug=b.slug))],
        models=roadmap.list_models(session),
        most=priorities.MOST,
        this_year=FiscalYear.of(today_in_japan()).year,
        error=error,
        entered=entered or {},
    )


@router.get("/improvement/priorities", response_class=HTMLResponse)
def priority_list(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _priorities_page(request, session, principal)


@router.post("/improvement/priorities", response_class=HTMLResponse, dependencies=CSRF)
async def save_priorities(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "priorities.set", SOMEWHERE)
    form = await read_form(request)
    block = str(form.get("block", ""))
    try:
        year = whole_number(str(form.get("fiscal_year", "")), "年度", "fiscal year") or 0
        existing = priorities.of_block(session, block, fiscal_year=year) if block else None
        priorities.set_priorities(
            session, principal=principal, block_slug=block, fiscal_year=year,
            model_slugs=[str(form.get(f"rank{i}", "")) for i in range(1, priorities.MOST + 1)],
            decided_at=str(form.get("decided_at", "")),
            expected_version=version_of(form) if existing is not None and existing.fiscal_year == year else None,
        )  # fmt: skip
    except UserError as error:
        return _priorities_page(request, session, principal, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/priorities?saved=1#block-{block}", status_code=303)
