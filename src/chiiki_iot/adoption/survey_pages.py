"""Survey pages: rounds, response rates with who has not answered, workbook downloads, and uploads that
are previewed before they are committed (the file waits in ``pending_uploads`` between the two steps)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import SignedInDep, csrf_protected, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Reach, authorize, bodies_acted_for, can, reaches_of
from chiiki_iot.adoption import service as status_service
from chiiki_iot.adoption import survey, uploads
from chiiki_iot.adoption.ladder import Barrier, Stage
from chiiki_iot.adoption.survey_figures import asked_inputs
from chiiki_iot.adoption.workbooks import (
    FORM_FIGURES,
    WorkbookRefused,
    submit_form,
    write_workbook,
)
from chiiki_iot.core.db import begin_writing
from chiiki_iot.core.errors import InvalidInput, NotFound, UserError
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web import sections
from chiiki_iot.web.deps import get_session, reads_first
from chiiki_iot.web.files import XLSX, file_response
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@router.get("/survey", response_class=HTMLResponse)
def rounds(request: Request, session: SessionDep, principal: SignedInDep) -> HTMLResponse:
    return render(
        request,
        "adoption/survey_rounds.html",
        rounds=survey.list_rounds(session),
        is_secretariat=can(principal, "survey.run"),
        error=None,
        entered={},
    )


@router.post("/survey", dependencies=[Depends(csrf_protected)], response_model=None)
def open_round(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    fiscal_year: Annotated[int, Form(ge=2016, le=2100)],
    deadline: Annotated[dt.date, Form()],
    force: Annotated[bool, Form()] = False,
) -> Response:
    """Open a round; a past deadline or an overlapping open round comes back as a warning to confirm."""
    authorize(principal, "survey.run")
    try:
        opened = survey.open_round(
            session, principal=principal, fiscal_year=fiscal_year, deadline=deadline, force=force
        )
    except survey.OpeningNeedsConfirmation as warning:
        return render(
            request,
            "adoption/survey_rounds.html",
            status_code=422,
            rounds=survey.list_rounds(session),
            is_secretariat=True,
            error=warning,
            entered={"fiscal_year": fiscal_year, "deadline": deadline.isoformat()},
        )
    return RedirectResponse(f"/survey/{opened.slug}", status_code=303)


@router.get("/survey/{slug}", response_class=HTMLResponse)
def round_page(request: Request, session: SessionDep, principal: SignedInDep, slug: str) -> HTMLResponse:
    current = survey.get_round(session, slug)
    by_pref, by_block, missing = survey.response_rates(session, slug)
    missing = survey.missing_in_scope(principal, missing)
    own = [registry.get_body(session, code) for code in bodies_acted_for(principal)]
    to_review = survey.responses_to_review(session, principal=principal, slug=slug)
    reviewed = request.query_params.get("reviewed", "")
    reviewed_body = next((b for b, _ in to_review if b.code == request.query_params.get("body")), None)
    is_secretariat = can(principal, "survey.run")
    # A prefecture or bureau sees first what waits for them; the secretariat reviews from the full list.
    awaiting = [] if is_secretariat else [(b, r) for b, r in to_review if r.state == "submitted"]
    rest = [(b, r) for b, r in to_review if is_secretariat or r.state != "submitted"]
    return render(
        request,
        "adoption/survey_round.html",
        survey=current,
        by_pref=by_pref,
        by_block=by_block,
        missing=missing[:300],
        missing_total=len(missing),
        own_bodies=own,
        is_secretariat=is_secretariat,
        can_upload=can(principal, "status.record", SOMEWHERE),
        is_bureau=Reach.OWN_BLOCK in reaches_of(principal, "survey.follow"),
        awaiting=awaiting[:500],
        to_review=rest[:500],
        reviewed=reviewed if reviewed_body is not None else "",
        reviewed_body=reviewed_body,
    )


@router.post("/survey/{slug}/responses/{code}", dependencies=[Depends(csrf_protected)])
def review(
    session: SessionDep,
    principal: SignedInDep,
    slug: str,
    code: str,
    decision: Annotated[str, Form(max_length=8)],
    version: Annotated[int, Form()],
) -> RedirectResponse:
    authorize(principal, "survey.review", SOMEWHERE)
    response = survey.review_response(
        session, principal=principal, slug=slug, body_code=code, decision=decision, expected_version=version
    )
    return RedirectResponse(
        f"/survey/{slug}?reviewed={decision}&body={response.body_code}#review", status_code=303
    )


@router.get("/survey/{slug}/workbook.xlsx")
def workbook(session: SessionDep, principal: SignedInDep, slug: str, body: str = "") -> Response:
    """National for the secretariat; otherwise the workbook of one of the user's own bodies."""
    current = survey.get_round(session, slug)
    if not body and not can(principal, "survey.run"):
        raise InvalidInput("団体コードを指定してください。", "Name the body (body=code).")
    if body and body not in bodies_acted_for(principal) and not can(principal, "survey.run"):
        raise NotFound("その団体の回答用ブックはありません。", "There is no workbook of that body for you.")
    data = write_workbook(session, survey=current, body_codes=[body] if body else None)
    name = f"{current.slug}-{registry.get_body(session, body).full_name if body else '全国'}.xlsx"
    return file_response(data, filename=name, media_type=XLSX)


@router.post("/survey/{slug}/uploads", dependencies=[Depends(csrf_protected)])
async def upload(
    session: SessionDep, principal: SignedInDep, slug: str, file: Annotated[UploadFile, File()]
) -> RedirectResponse:
    authorize(principal, "status.record", SOMEWHERE)
    data = await file.read(uploads.read_limit())
    pending = uploads.stage_upload(
        session, slug=slug, file_name=file.filename or "upload.xlsx", data=data, principal=principal
    )
    return RedirectResponse(f"/survey/{slug}/uploads/{pending.token}", status_code=303)


@router.get("/survey/{slug}/uploads/{token}", response_class=HTMLResponse)
def preview(
    request: Request, session: SessionDep, principal: SignedInDep, slug: str, token: str
) -> HTMLResponse:
    pending = uploads.get_upload(session, slug=slug, token=token, principal=principal)
    current = survey.get_round(session, slug)
    models = {m.slug: m for m in roadmap.list_models(session)}
    try:
        plan = uploads.plan_upload(session, pending=pending, principal=principal)
    except WorkbookRefused as refusal:
        return render(
            request,
            "adoption/survey_preview.html",
            status_code=422,
            survey=current,
            pending=pending,
            plan=None,
            error=refusal,
            models=models,
        )
    return render(
        request,
        "adoption/survey_preview.html",
        survey=current,
        pending=pending,
        plan=plan,
        error=None,
        models=models,
    )


@router.get("/survey/{slug}/uploads/{token}/errors.xlsx")
def annotated(session: SessionDep, principal: SignedInDep, slug: str, token: str) -> Response:
    name, data = uploads.annotated_workbook(session, slug=slug, token=token, principal=principal)
    return file_response(data, filename=name, media_type=XLSX)


@router.post("/survey/{slug}/uploads/{token}", dependencies=[Depends(csrf_protected)])
@reads_first
def commit(session: SessionDep, principal: SignedInDep, slug: str, token: str) -> RedirectResponse:
    """Read the file without holding the write lock (seconds for a national workbook), then claim,
    plan and record in one short write transaction."""
    authorize(principal, "status.record", SOMEWHERE)
    values = uploads.read_upload(session, slug=slug, token=token, principal=principal)
    begin_writing(session)
    count = uploads.commit_upload(session, slug=slug, token=token, principal=principal, values=values)
    return RedirectResponse(f"/survey/{slug}?committed={count}", status_code=303)


ANSWER_SLOT = "adoption.survey_answer"
"""Where domains above adoption ask a body follow-up questions beside its survey answer (the support
package: did a dispatch help). Each fragment is its own form, after the survey's, and is given
``body_code`` and ``round_slug``."""


@router.get("/survey/{slug}/bodies/{code}/answer", response_class=HTMLResponse)
def answer_form(
    request: Request, session: SessionDep, principal: SignedInDep, slug: str, code: str
) -> HTMLResponse:
    return _form(request, session, principal, slug, code)


def _form(
    request: Request,
    session: Session,
    principal: SignedInDep,
    slug: str,
    code: str,
    *,
    answers: dict[str, dict[str, str]] | None = None,
    error: object = None,
    notice: object = None,
    status_code: int = 200,
) -> HTMLResponse:
    current = survey.get_round(session, slug)
    body = registry.get_body(session, code)
    authorize(principal, "status.record", registry.policy_target(body))
    in_force = status_service.status_of_body(session, body.code, as_of=current.as_of)
    models = [m for m in roadmap.list_models(session) if m.slug in current.model_slugs]
    figures_in_force = status_service.inputs_in_force(
        session, body_codes=[body.code], fiscal_year=current.fiscal_year
    )
    return render(
        request,
        "adoption/survey_form.html",
        status_code=status_code,
        survey=current,
        body=body,
        models=models,
        in_force={k: v.stage for k, v in in_force.items()},
        figure_items=asked_inputs(session, current),
        figures_key=FORM_FIGURES,
        figures_in_force={slug: v for (_, slug), v in figures_in_force.items()},
        answers=answers if answers is not None else survey.draft_of(session, slug, body.code),
        stages=list(Stage),
        barriers=list(Barrier),
        error=error,
        notice=notice,
        follow_ups=sections.fill(ANSWER_SLOT, session, body_code=body.code, round_slug=current.slug),
    )


@router.post(
    "/survey/{slug}/bodies/{code}/answer", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)]
)
async def answer(
    request: Request, session: SessionDep, principal: SignedInDep, slug: str, code: str
) -> Response:
    authorize(principal, "status.record", SOMEWHERE)
    form = await request.form()
    current = survey.get_round(session, slug)
    answers = {
        m: {
            field: str(form.get(f"{field}__{m}", "")).strip()
            for field in ("stage", "barrier", "barrier_text", "project")
        }
        for m in current.model_slugs
    }
    answers[FORM_FIGURES] = {i: str(form.get(f"figure__{i}", "")).strip() for i in current.input_slugs or []}
    answers = {m: a for m, a in answers.items() if any(a.values())}
    if form.get("action") == "draft":
        survey.save_draft(session, principal=principal, slug=slug, body_code=code, answers=answers)
        return _form(
            request, session, principal, slug, code, notice=("下書きを保存しました。", "Draft saved.")
        )
    try:
        count = submit_form(session, survey=current, body_code=code, answers=answers, principal=principal)
    except UserError as error:
        return _form(
            request,
            session,
            principal,
            slug,
            code,
            answers=answers,
            error=form_error(error),
            status_code=error.status_code,
        )
    return RedirectResponse(f"/survey/{slug}?committed={count}", status_code=303)
