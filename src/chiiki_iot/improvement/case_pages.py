"""Pages of the case library (事例集・横展開): search, a case with the spread from its original, writing,
review and publication."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, authorize, bodies_acted_for, can
from chiiki_iot.adoption.ladder import Barrier
from chiiki_iot.core.errors import UserError
from chiiki_iot.core.i18n import current_language
from chiiki_iot.improvement import cases, charts, notify
from chiiki_iot.improvement.forms import CSRF, SessionDep, lines, read_form
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.charts import svg_response
from chiiki_iot.web.forms import RowId, undone, values, version_of, yen
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


@router.get("/cases", response_class=HTMLResponse)
def library(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    q = request.query_params
    query = cases.CaseQuery(
        model=q.get("model", "")[:64], field_slug=q.get("field", "")[:64], band=q.get("band", "")[:16],
        block=q.get("block", "")[:32], barrier=q.get("barrier", "")[:32], text=q.get("q", "")[:100],
    )  # fmt: skip
    mine = [c for c in cases.list_cases(session, principal=principal) if c.status != "published"]
    found = cases.search(session, query)
    models = roadmap.list_models(session)
    return render(
        request,
        "improvement/cases.html",
        found=found,
        mine=mine,
        query=query,
        bodies=registry.bodies_by_code(session, {c.body_code for c in [*found, *mine]}),
        models=models,
        fields=roadmap.get_revision(session).fields,
        bands=registry.POPULATION_BANDS,
        blocks=registry.list_blocks(session),
        barriers=list(Barrier),
        statuses=cases.STATUSES,
        model_names={m.slug: m for m in models},
        may_write=can(principal, "cases.write", SOMEWHERE),
    )


def _form_page(
    request: Request, session: Session, principal: Principal, *, case: cases.Case | None = None,
    error: UserError | None = None, entered: dict | None = None,
) -> HTMLResponse:  # fmt: skip
    own = bodies_acted_for(principal)
    return render(
        request,
        "improvement/case_form.html",
        status_code=error.status_code if error else 200,
        case=case,
        own_bodies=[registry.get_body(session, c) for c in own],
        models=roadmap.list_models(session),
        barriers=list(Barrier),
        originals=cases.published(session),
        error=error,
        entered=entered or {},
    )


@router.get("/cases/new", response_class=HTMLResponse)
def new_case(request: Request, session: SessionDep, principal: SignedInDep) -> HTMLResponse:
    authorize(principal, "cases.write", SOMEWHERE)
    return _form_page(request, session, principal, entered={"body": request.query_params.get("body", "")})


def _input(form: dict) -> cases.CaseInput:
    copied = str(form.get("copied_from", ""))
    return cases.CaseInput(
        body_code=str(form.get("body", "")), title=str(form.get("title", "")), model_slugs=values(form, "models"),
        problem=str(form.get("problem", "")), built=str(form.get("built", "")),
        cost_yen=yen(str(form.get("cost", "")), "費用", "cost"), funding=str(form.get("funding", "")),
        vendors=lines(form, "vendors"), results=str(form.get("results", "")), links=lines(form, "links"),
        contact=str(form.get("contact", "")), barriers_overcome=values(form, "barriers"),
        copied_from_id=int(copied) if copied.isdigit() and len(copied) < 10 else None,
    )  # fmt: skip


@router.post("/cases", response_class=HTMLResponse, dependencies=CSRF)
async def create_case(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "cases.write", SOMEWHERE)
    form = await read_form(request)
    try:
        case = cases.write(session, principal=principal, data=_input(form))
    except UserError as error:
        return _form_page(request, session, principal, error=undone(session, error), entered=form)
    return RedirectResponse(f"/cases/{case.id}?saved=1", status_code=303)


def _case_page(
    request: Request, session: Session, principal: Principal, case_id: int, *, error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:  # fmt: skip
    case = cases.get(session, case_id)
    body = registry.get_body(session, case.body_code)
    target = registry.policy_target(body)
    may_write, may_review = can(principal, "cases.write", target), can(principal, "cases.review", target)
    if case.status != "published" and not (may_write or may_review):
        authorize(principal, "cases.review", target)  # a draft is its writers' and reviewers' alone
    spread = cases.spread(session, case.id)
    spread_bodies = registry.bodies_by_code(
        session, {spread.original.body_code, *(c.body_code for _, c in spread.copies)}
    )
    return render(
        request,
        "improvement/case.html",
        status_code=error.status_code if error else 200,
        case=case,
        body=body,
        copied_from=cases.get(session, case.copied_from_id) if case.copied_from_id else None,
        spread=spread,
        spread_bodies=spread_bodies,
        model_names={m.slug: m for m in roadmap.list_models(session)},
        kpi_names={k.slug: k for k in roadmap.list_kpis(session)},
        statuses=cases.STATUSES,
        may_write=may_write,
        may_review=may_review,
        error=error,
        entered=entered or {},
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, session: SessionDep, principal: PrincipalDep, case_id: RowId) -> HTMLResponse:
    return _case_page(request, session, principal, case_id)


@router.post("/cases/{case_id}/submit", response_class=HTMLResponse, dependencies=CSRF)
async def submit(
    request: Request, session: SessionDep, principal: SignedInDep, case_id: RowId, background: BackgroundTasks
) -> Response:
    authorize(principal, "cases.write", SOMEWHERE)
    return await _step(request, session, principal, case_id, cases.submit, "submit", background)


@router.post("/cases/{case_id}/publish", response_class=HTMLResponse, dependencies=CSRF)
async def publish(
    request: Request, session: SessionDep, principal: SignedInDep, case_id: RowId, background: BackgroundTasks
) -> Response:
    authorize(principal, "cases.review", SOMEWHERE)
    return await _step(request, session, principal, case_id, cases.publish, "publish", background)


@router.post("/cases/{case_id}/return", response_class=HTMLResponse, dependencies=CSRF)
async def send_back(
    request: Request, session: SessionDep, principal: SignedInDep, case_id: RowId, background: BackgroundTasks
) -> Response:
    authorize(principal, "cases.review", SOMEWHERE)
    form = await read_form(request)
    try:
        case = cases.send_back(
            session, principal=principal, case_id=case_id, expected_version=version_of(form),
            note=str(form.get("note", "")),
        )  # fmt: skip
    except UserError as error:
        return _case_page(request, session, principal, case_id, error=undone(session, error), entered=form)
    notify.case_step(session, background, case, "return")
    return RedirectResponse(f"/cases/{case_id}?saved=1&done=return", status_code=303)


async def _step(
    request: Request, session: Session, principal: Principal, case_id: int, step, done: str,
    background: BackgroundTasks,
) -> Response:  # fmt: skip
    form = await read_form(request)
    try:
        case = step(session, principal=principal, case_id=case_id, expected_version=version_of(form))
    except UserError as error:
        return _case_page(request, session, principal, case_id, error=undone(session, error), entered=form)
    notify.case_step(session, background, case, done)
    return RedirectResponse(f"/cases/{case_id}?saved=1&done={done}", status_code=303)


@router.get("/cases/{case_id}/edit", response_class=HTMLResponse)
def edit_case(request: Request, session: SessionDep, principal: SignedInDep, case_id: RowId) -> HTMLResponse:
    case = cases.get(session, case_id)
    authorize(principal, "cases.write", registry.policy_target(registry.get_body(session, case.body_code)))
    return _form_page(request, session, principal, case=case, entered=_entered(case))


def _entered(case: cases.Case) -> dict[str, object]:
    """The case as its form shows it."""
    return {
        "body": case.body_code, "title": case.title, "models": case.model_slugs, "problem": case.problem,
        "built": case.built, "cost": "" if case.cost_yen is None else str(case.cost_yen), "funding": case.funding,
        "vendors": "\n".join(case.vendors), "results": case.results, "links": "\n".join(case.links),
        "contact": case.contact, "barriers": case.barriers_overcome,
        "copied_from": str(case.copied_from_id or ""), "version": str(case.version),
    }  # fmt: skip


@router.post("/cases/{case_id}", response_class=HTMLResponse, dependencies=CSRF)
async def save_case(
    request: Request, session: SessionDep, principal: SignedInDep, case_id: RowId
) -> Response:
    authorize(principal, "cases.write", SOMEWHERE)
    form = await read_form(request)
    try:
        cases.revise(
            session,
            principal=principal,
            case_id=case_id,
            expected_version=version_of(form),
            data=_input(form),
        )
    except UserError as error:
        case = cases.get(session, case_id)
        return _form_page(request, session, principal, case=case, error=undone(session, error), entered=form)
    return RedirectResponse(f"/cases/{case_id}?saved=1", status_code=303)


@router.get("/cases/{case_id}/spread.svg")
def spread_map(request: Request, session: SessionDep, case_id: RowId) -> Response:
    """The map of a published case's spread from its original (drafts are not on it)."""
    spread = cases.spread(session, case_id)
    bodies = registry.bodies_by_code(
        session, {spread.original.body_code, *(c.body_code for _, c in spread.copies)}
    )
    svg = charts.spread_svg(spread, bodies, lang=current_language.get())
    return svg_response(request, svg, cache_control="public, max-age=300")
