"""Pages of applications: the group's form, review by assigned reviewers, the secretariat's decision, the
start and the completion report, and the decision letter (A4 page and PDF)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, authorize, bodies_acted_for, can
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support import applications, letters, menus, notify, reviews
from chiiki_iot.support.forms import CSRF, SessionDep, read_form, undone
from chiiki_iot.web.forms import RowId, values, version_of, yen
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,、，]+", text.strip()) if c]


def _number(text: str, what_ja: str, what_en: str) -> float:
    folded = text.strip().replace(",", "")
    try:
        return float(folded)
    except ValueError:
        raise InvalidInput(
            f"{what_ja}「{text}」は数で入力してください。", f"The {what_en} must be a number."
        ) from None


def _input(form: dict) -> applications.ApplicationInput:
    amounts = form.get("item_yen") or []
    lines = []
    for index, item in enumerate(form.get("item") or []):
        amount = amounts[index] if index < len(amounts) else ""
        if item.strip() or amount.strip():
            lines.append((item, yen(amount, f"経費「{item}」の金額", f"amount of '{item}'") or 0))
    kpis, targets = form.get("kpi") or [], form.get("kpi_target") or []
    kpi_targets = [
        (slug, _number(targets[i] if i < len(targets) else "", "KPIの目標", "KPI target"))
        for i, slug in enumerate(kpis)
        if slug
    ]
    year = str(form.get("fiscal_year", "")).strip()
    return applications.ApplicationInput(
        measure_slug=str(form.get("measure", "")),
        lead_body_code=str(form.get("lead_body_code", "")),
        title=str(form.get("title", "")),
        plan=str(form.get("plan", "")),
        fiscal_year=int(year) if year.isdigit() and len(year) == 4 else None,
        member_codes=_codes(str(form.get("member_codes", ""))),
        organisation_slugs=values(form, "organisations"),
        model_slugs=values(form, "models"),
        budget_lines=lines,
        schedule=str(form.get("schedule", "")),
        kpi_targets=kpi_targets,
        attachments=_codes(str(form.get("attachments", ""))),
    )


def _form_page(
    request: Request,
    session: Session,
    principal: Principal,
    *,
    measure: str = "",
    body: str = "",
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    return render(
        request,
        "support/application_form.html",
        status_code=error.status_code if error else 200,
        application=None,
        measures=[m for m in menus.list_measures(session) if m.takes_applications],
        chosen_measure=measure,
        own_bodies=[registry.get_body(session, c) for c in bodies_acted_for(principal)],
        chosen_body=body,
        models=roadmap.list_models(session),
        kpis=roadmap.list_kpis(session),
        organisations=outreach.list_organisations(session),
        error=error,
        entered=entered or {},
    )


@router.get("/support/applications", response_class=HTMLResponse)
def list_page(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return render(
        request,
        "support/applications.html",
        applications=applications.list_visible(session, principal),
        statuses=applications.STATUSES,
        measures={m.id: m for m in menus.list_measures(session)},
        bodies=registry.bodies_by_code(session, None),
        may_apply=bool(bodies_acted_for(principal)),
    )


@router.get("/support/applications/new", response_class=HTMLResponse)
def new(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    measure: Annotated[str, Query(max_length=64)] = "",
    body: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    authorize(principal, "support.apply", SOMEWHERE)
    return _form_page(request, session, principal, measure=measure, body=body)


@router.post("/support/applications", response_class=HTMLResponse, dependencies=CSRF)
async def create(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "support.apply", SOMEWHERE)
    form = await read_form(request)
    try:
        created = applications.create(session, principal=principal, data=_input(form))
    except UserError as error:
        return _form_page(request, session, principal, error=undone(session, error), entered=form)
    return RedirectResponse(f"/support/applications/{created.id}?saved=1", status_code=303)


def _page(
    request: Request,
    session: Session,
    principal: Principal,
    application_id: int,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    found = applications.get(session, principal, application_id)
    target = applications.block_target(session, found)
    mine = applications.may_act(session, principal, found)
    assigned = next(
        (a for a in reviews.assignments(session, found.id) if a.reviewer == principal.actor), None
    )
    return render(
        request,
        "support/application.html",
        status_code=error.status_code if error else 200,
        a=found,
        application=found,
        measure=menus.measure_by_id(session, found.measure_id),
        measures=[m for m in menus.list_measures(session) if m.takes_applications],
        bodies=registry.bodies_by_code(session, applications.body_codes(found)),
        statuses=applications.STATUSES,
        models=roadmap.list_models(session),
        kpis=roadmap.list_kpis(session),
        organisations=outreach.list_organisations(session),
        own_bodies=[registry.get_body(session, c) for c in bodies_acted_for(principal)],
        chosen_body=found.lead_body_code,
        chosen_measure="",
        mine=mine,
        editable=mine and found.status in applications.EDITABLE,
        reviews=reviews.visible_reviews(session, principal, found),
        my_review=assigned,
        conflicted=assigned is not None and reviews.conflicted(session, principal, found),
        criteria=reviews.criteria_of(session, found),
        recommendations=reviews.RECOMMENDATIONS,
        may_assign=can(principal, "support.assign", target) and found.status in ("submitted", "reviewed"),
        may_decide=can(principal, "support.decide", target) and found.status == "reviewed",
        error=error,
        entered=entered or {},
    )


@router.get("/support/applications/{application_id}", response_class=HTMLResponse)
def page(
    request: Request, session: SessionDep, principal: PrincipalDep, application_id: RowId
) -> HTMLResponse:
    return _page(request, session, principal, application_id)


async def _step(
    request: Request,
    session: Session,
    principal: Principal,
    application_id: int,
    step: Callable[[dict], object],
    *,
    done: str = "",
    background: BackgroundTasks | None = None,
) -> Response:
    """Read the form and take one step of the workflow, then mail whoever acts next; when the step is
    refused, the page again with the reason and what was typed."""
    form = await read_form(request)
    try:
        step(form)
    except UserError as error:
        return _page(request, session, principal, application_id, error=undone(session, error), entered=form)
    if background is not None:
        notify.application_moved(session, background, applications.get(session, principal, application_id))
    return RedirectResponse(f"/support/applications/{application_id}{done}", status_code=303)


@router.post("/support/applications/{application_id}", response_class=HTMLResponse, dependencies=CSRF)
async def update(
    request: Request, session: SessionDep, principal: SignedInDep, application_id: RowId
) -> Response:
    authorize(principal, "support.apply", SOMEWHERE)
    return await _step(
        request, session, principal, application_id, done="?saved=1",
        step=lambda form: applications.update(
            session, principal=principal, application_id=application_id,
            expected_version=version_of(form), data=_input(form),
        ),
    )  # fmt: skip


@router.post("/support/applications/{application_id}/submit", response_class=HTMLResponse, dependencies=CSRF)
async def submit(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    application_id: RowId,
) -> Response:
    authorize(principal, "support.apply", SOMEWHERE)

    def submit_and_assign(form: dict) -> None:
        version = version_of(form)
        if "title" in form:  # pressed in the edit form: what is on the screen is what is submitted
            version = applications.update(
                session, principal=principal, application_id=application_id, expected_version=version,
                data=_input(form),
            ).version  # fmt: skip
        submitted = applications.submit(
            session, principal=principal, application_id=application_id, expected_version=version
        )
        reviews.assign_bureau(session, submitted, by=principal.actor)

    return await _step(
        request,
        session,
        principal,
        application_id,
        submit_and_assign,
        done="?submitted=1",
        background=background,
    )


@router.post("/support/applications/{application_id}/assign", response_class=HTMLResponse, dependencies=CSRF)
async def assign(
    request: Request, session: SessionDep, principal: SignedInDep, application_id: RowId
) -> Response:
    authorize(principal, "support.assign", SOMEWHERE)
    return await _step(
        request, session, principal, application_id, done="#review",
        step=lambda form: reviews.assign(
            session, principal=principal, application_id=application_id,
            reviewer_email=str(form.get("reviewer", "")), stage=str(form.get("stage", "")),
        ),
    )  # fmt: skip


def _scores(session: Session, principal: Principal, application_id: int, form: dict) -> dict[str, int]:
    """One score per criterion of the measure's sheet, as typed (range checked by the service)."""
    found = applications.get(session, principal, application_id)
    scores = {}
    for criterion in reviews.criteria_of(session, found):
        label = str(criterion["label"])
        text = str(form.get(f"score_{label}", "")).strip()
        if not text.isdigit() or len(text) > 3:
            raise InvalidInput(f"「{label}」の点数を入れてください。", f"Score '{label}'.")
        scores[label] = int(text)
    return scores


@router.post("/support/applications/{application_id}/review", response_class=HTMLResponse, dependencies=CSRF)
async def review(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    application_id: RowId,
) -> Response:
    authorize(principal, "support.review", SOMEWHERE)
    return await _step(
        request, session, principal, application_id, done="?reviewed=1", background=background,
        step=lambda form: reviews.score(
            session, principal=principal, application_id=application_id,
            scores=_scores(session, principal, application_id, form),
            recommendation=str(form.get("recommendation", "")), comment=str(form.get("comment", "")),
            no_conflict=bool(form.get("no_conflict")),
        ),
    )  # fmt: skip


@router.post("/support/applications/{application_id}/return", response_class=HTMLResponse, dependencies=CSRF)
async def return_it(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    application_id: RowId,
) -> Response:
    authorize(principal, "support.assign", SOMEWHERE)
    return await _step(
        request, session, principal, application_id, background=background,
        step=lambda form: applications.return_to_applicant(
            session, principal=principal, application_id=application_id,
            expected_version=version_of(form), reason=str(form.get("reason", "")),
        ),
    )  # fmt: skip


@router.post("/support/applications/{application_id}/decide", response_class=HTMLResponse, dependencies=CSRF)
async def decide(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    application_id: RowId,
) -> Response:
    authorize(principal, "support.decide", SOMEWHERE)
    return await _step(
        request, session, principal, application_id, done="?decided=1", background=background,
        step=lambda form: applications.decide(
            session, principal=principal, application_id=application_id, expected_version=version_of(form),
            outcome=str(form.get("outcome", "")), reason=str(form.get("reason", "")),
            granted_yen=yen(str(form.get("granted_yen", "")), "交付額", "grant"),
        ),
    )  # fmt: skip


@router.post("/support/applications/{application_id}/start", response_class=HTMLResponse, dependencies=CSRF)
async def start(
    request: Request, session: SessionDep, principal: SignedInDep, application_id: RowId
) -> Response:
    authorize(principal, "support.apply", SOMEWHERE)
    return await _step(
        request, session, principal, application_id, done="?started=1",
        step=lambda form: applications.start(
            session, principal=principal, application_id=application_id, expected_version=version_of(form)
        ),
    )  # fmt: skip


@router.post(
    "/support/applications/{application_id}/complete", response_class=HTMLResponse, dependencies=CSRF
)
async def complete(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    background: BackgroundTasks,
    application_id: RowId,
) -> Response:
    authorize(principal, "support.apply", SOMEWHERE)
    return await _step(
        request, session, principal, application_id, done="?completed=1", background=background,
        step=lambda form: applications.complete(
            session, principal=principal, application_id=application_id,
            expected_version=version_of(form), report=str(form.get("report", "")),
        ),
    )  # fmt: skip


@router.get("/support/applications/{application_id}/letter", response_class=HTMLResponse)
def letter(
    request: Request, session: SessionDep, principal: PrincipalDep, application_id: RowId
) -> HTMLResponse:
    """The decision letter (交付決定通知書 / 不採択通知書) as an A4 page, for print."""
    return HTMLResponse(letters.letter_html(request, session, principal, application_id))


@router.get("/support/applications/{application_id}/letter.pdf")
def letter_pdf(
    request: Request, session: SessionDep, principal: PrincipalDep, application_id: RowId
) -> Response:
    pdf = letters.letter_pdf(request, session, principal, application_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="decision-{application_id}.pdf"'},
    )
