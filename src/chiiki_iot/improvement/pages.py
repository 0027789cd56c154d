"""Pages of the Act step: the overview (KPIs that lag and what is being done about them) and the register
of countermeasures with their milestones and timeline."""

from __future__ import annotations

import dataclasses
import datetime as dt
import unicodedata

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, authorize, can
from chiiki_iot.adoption.ladder import Barrier
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import parse_entered_date, today_in_japan
from chiiki_iot.improvement import countermeasures as cms
from chiiki_iot.improvement import opinions
from chiiki_iot.improvement.forms import CSRF, SessionDep, read_form
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.forms import RowId, undone, values, version_of, whole_number
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])

LAGGING = ("要注意", "遅延")


def lagging_kpis(session: Session, *, as_of: dt.date) -> list[tuple[progress.KpiProgress, list]]:
    """National KPIs rated 要注意 or 遅延, each with its open countermeasures (empty: 「対応策なし」)."""
    answered = cms.open_for_kpis(session)
    return [
        (p, answered.get(p.kpi.slug, []))
        for p in progress.overview(session, progress.NATION, as_of=as_of)
        if p.rating.value in LAGGING
    ]


@router.get("/improvement", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    rows = cms.list_all(session)
    return render(
        request,
        "improvement/overview.html",
        lagging=lagging_kpis(session, as_of=today_in_japan()),
        countermeasures=rows,
        progress_of=cms.rolled_up(rows),
        statuses=cms.STATUSES,
        owners=cms.OWNERS,
        kpi_names={k.slug: k for k in roadmap.list_kpis(session)},
        blocks={b.slug: b for b in registry.list_blocks(session)},
        pending_opinions=len(opinions.list_opinions(session, triage="pending")),
        today=today_in_japan(),
        may_edit=can(principal, "countermeasures.edit", SOMEWHERE),
    )


def _form_page(
    request: Request, session: Session, *, error: UserError | None = None, entered: dict | None = None,
    row: cms.Countermeasure | None = None,
) -> HTMLResponse:  # fmt: skip
    return render(
        request,
        "improvement/countermeasure_form.html",
        status_code=error.status_code if error else 200,
        row=row,
        error=error,
        entered=entered or {},
        owners=cms.OWNERS,
        kpis=roadmap.list_kpis(session),
        models=roadmap.list_models(session),
        barriers=list(Barrier),
        blocks=registry.list_blocks(session),
        prefectures=registry.list_prefectures(session),
        parents=cms.list_all(session),
    )


@router.get("/improvement/countermeasures/new", response_class=HTMLResponse)
def new_countermeasure(request: Request, session: SessionDep, principal: SignedInDep) -> HTMLResponse:
    """The form, opened from a KPI page (``?kpi=``) or under another countermeasure (``?parent=``)."""
    authorize(principal, "countermeasures.edit", SOMEWHERE)
    query = request.query_params
    entered: dict[str, object] = {"kpis": [query["kpi"]] if query.get("kpi") else []}
    if query.get("parent", "").isdigit():
        entered["parent"] = query["parent"]
    return _form_page(request, session, entered=entered)


def _input(form: dict) -> cms.CountermeasureInput:
    parent = str(form.get("parent", ""))
    return cms.CountermeasureInput(
        title=str(form.get("title", "")), owner_kind=str(form.get("owner_kind", "")),
        owner_block=str(form.get("owner_block", "")), owner_prefecture=str(form.get("owner_prefecture", "")),
        description=str(form.get("description", "")), kpi_slugs=values(form, "kpis"),
        model_slugs=values(form, "models"), barriers=values(form, "barriers"),
        scope_blocks=values(form, "blocks"), decided_at=str(form.get("decided_at", "")),
        parent_id=int(parent) if parent.isdigit() and len(parent) < 10 else None,
        weight=_weight(str(form.get("weight", ""))),
    )  # fmt: skip


def _weight(text: str) -> int:
    folded = unicodedata.normalize("NFKC", text).strip() or "1"
    if not folded.isdigit() or len(folded) > 4:
        raise InvalidInput(
            "重みは1以上の整数で入力してください（例: 1、3）。",
            "The weight must be a whole number, e.g. 1 or 3.",
        )
    return int(folded)


@router.post("/improvement/countermeasures", response_class=HTMLResponse, dependencies=CSRF)
async def create_countermeasure(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "countermeasures.edit", SOMEWHERE)
    form = await read_form(request)
    try:
        row = cms.create(session, principal=principal, data=_input(form))
    except UserError as error:
        return _form_page(request, session, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/countermeasures/{row.id}?saved=1", status_code=303)


def _detail(
    request: Request, session: Session, principal: Principal, row_id: int, *, error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:  # fmt: skip
    row = cms.get(session, row_id)
    everything = cms.list_all(session)
    return render(
        request,
        "improvement/countermeasure.html",
        status_code=error.status_code if error else 200,
        row=row,
        parent=cms.get(session, row.parent_id) if row.parent_id else None,
        children=cms.children(session, row.id),
        progress_of=cms.rolled_up(everything),
        statuses=cms.STATUSES,
        owners=cms.OWNERS,
        kpi_names={k.slug: k for k in roadmap.list_kpis(session)},
        model_names={m.slug: m for m in roadmap.list_models(session)},
        blocks={b.slug: b for b in registry.list_blocks(session)},
        opinion=opinions.get(session, row.opinion_id) if row.opinion_id else None,
        today=today_in_japan(),
        may_edit=can(principal, "countermeasures.edit", cms.target_of(row.owner_block)),
        error=error,
        entered=entered or {},
    )


@router.get("/improvement/countermeasures/{row_id}", response_class=HTMLResponse)
def countermeasure(
    request: Request, session: SessionDep, principal: PrincipalDep, row_id: RowId
) -> HTMLResponse:
    return _detail(request, session, principal, row_id)


@router.post("/improvement/countermeasures/{row_id}/updates", response_class=HTMLResponse, dependencies=CSRF)
async def post_update(
    request: Request, session: SessionDep, principal: SignedInDep, row_id: RowId
) -> Response:
    authorize(principal, "countermeasures.edit", SOMEWHERE)
    form = await read_form(request)
    try:
        text = str(form.get("progress", "")).replace("%", "").replace("％", "")
        cms.post_update(
            session, principal=principal, countermeasure_id=row_id, expected_version=version_of(form),
            text=str(form.get("text", "")), status=str(form.get("status", "")),
            progress=whole_number(text, "進捗", "progress"),
        )  # fmt: skip
    except UserError as error:
        return _detail(request, session, principal, row_id, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/countermeasures/{row_id}?saved=1#timeline", status_code=303)


@router.post(
    "/improvement/countermeasures/{row_id}/milestones", response_class=HTMLResponse, dependencies=CSRF
)
async def add_milestone(
    request: Request, session: SessionDep, principal: SignedInDep, row_id: RowId
) -> Response:
    authorize(principal, "countermeasures.edit", SOMEWHERE)
    form = await read_form(request)
    try:
        due = str(form.get("due_on", ""))
        if not due:
            raise InvalidInput("期限を入力してください。", "Give the milestone a due date.")
        cms.add_milestone(
            session, principal=principal, countermeasure_id=row_id, title=str(form.get("title", "")),
            due_on=parse_entered_date(due),
        )  # fmt: skip
    except UserError as error:
        return _detail(request, session, principal, row_id, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/countermeasures/{row_id}?saved=1#milestones", status_code=303)


@router.post("/improvement/milestones/{milestone_id}/done", response_class=HTMLResponse, dependencies=CSRF)
async def milestone_done(
    request: Request, session: SessionDep, principal: SignedInDep, milestone_id: RowId
) -> Response:
    authorize(principal, "countermeasures.edit", SOMEWHERE)
    milestone = cms.complete_milestone(
        session, principal=principal, milestone_id=milestone_id, done_on=today_in_japan()
    )  # a refusal here is who, not what: nothing was typed to show again
    row_id = milestone.countermeasure_id
    return RedirectResponse(f"/improvement/countermeasures/{row_id}?saved=1#milestones", status_code=303)


@router.get("/improvement/countermeasures/{row_id}/edit", response_class=HTMLResponse)
def edit_countermeasure(
    request: Request, session: SessionDep, principal: SignedInDep, row_id: RowId
) -> HTMLResponse:
    row = cms.get(session, row_id)
    authorize(principal, "countermeasures.edit", cms.target_of(row.owner_block))
    entered = {
        "title": row.title, "description": row.description, "owner_kind": row.owner_kind,
        "owner_block": row.owner_block, "owner_prefecture": row.owner_prefecture, "kpis": row.kpi_slugs,
        "models": row.model_slugs, "barriers": row.barriers, "blocks": row.scope_blocks,
        "decided_at": row.decided_at, "parent": str(row.parent_id or ""), "weight": str(row.weight),
        "version": str(row.version),
    }  # fmt: skip
    return _form_page(request, session, entered=entered, row=row)


@router.post("/improvement/countermeasures/{row_id}", response_class=HTMLResponse, dependencies=CSRF)
async def save_countermeasure(
    request: Request, session: SessionDep, principal: SignedInDep, row_id: RowId
) -> Response:
    authorize(principal, "countermeasures.edit", SOMEWHERE)
    form = await read_form(request)
    try:
        data = dataclasses.replace(_input(form), opinion_id=cms.get(session, row_id).opinion_id)
        cms.update_details(
            session,
            principal=principal,
            countermeasure_id=row_id,
            expected_version=version_of(form),
            data=data,
        )
    except UserError as error:
        return _form_page(
            request, session, error=undone(session, error), entered=form, row=cms.get(session, row_id)
        )
    return RedirectResponse(f"/improvement/countermeasures/{row_id}?saved=1", status_code=303)


@router.post("/improvement/milestones/{milestone_id}/remove", response_class=HTMLResponse, dependencies=CSRF)
async def remove_milestone(
    request: Request, session: SessionDep, principal: SignedInDep, milestone_id: RowId
) -> Response:
    authorize(principal, "countermeasures.edit", SOMEWHERE)
    row_id = cms.remove_milestone(session, principal=principal, milestone_id=milestone_id)
    return RedirectResponse(f"/improvement/countermeasures/{row_id}?saved=1#milestones", status_code=303)
