"""Pages of the roadmap revision workflow: drafts made from the revision in force, edited (targets, models,
or a revised data file) with the reasons for each change, commented on by the bureaux and councils,
compared with the revision in force, and published."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import Principal, authorize, can
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import parse_entered_date
from chiiki_iot.improvement import countermeasures, opinions
from chiiki_iot.improvement import revision_drafts as drafts
from chiiki_iot.improvement.forms import CSRF, SessionDep, ids, read_form
from chiiki_iot.roadmap import revisions
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.forms import RowId, undone, version_of
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
MAX_UPLOAD = 2_000_000  # a revision file is about 100 KB


def _list_page(
    request: Request, session: Session, principal: Principal, *, error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:  # fmt: skip
    return render(
        request,
        "improvement/revisions.html",
        status_code=error.status_code if error else 200,
        drafts=drafts.list_drafts(session),
        revisions=roadmap.list_revisions(session),
        statuses=drafts.STATUSES,
        proposals=opinions.proposals(session),
        may_revise=can(principal, "roadmap.revise"),
        error=error,
        entered=entered or {},
    )


@router.get("/improvement/revisions", response_class=HTMLResponse)
def revision_list(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    return _list_page(request, session, principal)


@router.post("/improvement/revisions", response_class=HTMLResponse, dependencies=CSRF)
async def create_draft(request: Request, session: SessionDep, principal: SignedInDep) -> Response:
    authorize(principal, "roadmap.revise")
    form = await read_form(request)
    try:
        until = str(form.get("comments_until", ""))
        draft = drafts.create(
            session, principal=principal, slug=str(form.get("slug", "")), title_ja=str(form.get("title_ja", "")),
            title_en=str(form.get("title_en", "")), comments_until=parse_entered_date(until) if until else None,
        )  # fmt: skip
    except UserError as error:
        return _list_page(request, session, principal, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/revisions/{draft.id}", status_code=303)


def _draft_page(
    request: Request, session: Session, principal: Principal, draft_id: int, *, error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:  # fmt: skip
    draft = drafts.get(session, draft_id)
    spec = revisions.checked_spec(draft.spec)
    return render(
        request,
        "improvement/revision.html",
        status_code=error.status_code if error else 200,
        draft=draft,
        spec=spec,
        diff=drafts.compare(session, draft) if draft.status == "draft" else None,
        comments=drafts.comments(session, draft.id),
        open_for_comments=drafts.is_open_for_comments(draft),
        proposals=opinions.proposals(session),
        countermeasures=countermeasures.list_all(session),
        statuses=drafts.STATUSES,
        may_revise=can(principal, "roadmap.revise") and draft.status == "draft",
        stale=drafts.is_stale(session, draft),
        current=roadmap.get_revision(session).slug,
        may_comment=can(principal, "roadmap.comment") and drafts.is_open_for_comments(draft),
        error=error,
        entered=entered or {},
    )


@router.get("/improvement/revisions/{draft_id}", response_class=HTMLResponse)
def draft_page(
    request: Request, session: SessionDep, principal: PrincipalDep, draft_id: RowId
) -> HTMLResponse:
    return _draft_page(request, session, principal, draft_id)


def _reasons(form: dict) -> drafts.Reasons:
    return drafts.Reasons(proposals=ids(form, "proposals"), countermeasures=ids(form, "countermeasures"))


def _number(text: str) -> float:
    try:
        return float(text.replace(",", "").strip())
    except ValueError:
        raise InvalidInput(
            f"目標値「{text}」は数で入力してください。", "The target must be a number."
        ) from None


async def _edit(
    request: Request, session: Session, principal: Principal, draft_id: int, anchor: str,
    change: Callable[[dict], object],
) -> Response:  # fmt: skip
    """One edit of a draft from its page's form: done and back to the page at ``anchor``, or refused and the
    page shown again with what was typed."""
    form = await read_form(request)
    try:
        change(form)
    except UserError as error:
        return _draft_page(request, session, principal, draft_id, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/revisions/{draft_id}?saved=1#{anchor}", status_code=303)


def _year(form: dict) -> int:
    year = str(form.get("target_fiscal_year", "")).strip()
    return int(year) if year.isdigit() and len(year) == 4 else 0


@router.post("/improvement/revisions/{draft_id}/target", response_class=HTMLResponse, dependencies=CSRF)
async def change_target(
    request: Request, session: SessionDep, principal: SignedInDep, draft_id: RowId
) -> Response:
    authorize(principal, "roadmap.revise")
    return await _edit(request, session, principal, draft_id, "changes", lambda form: drafts.set_target(
        session, principal=principal, draft_id=draft_id, expected_version=version_of(form),
        kpi_slug=str(form.get("kpi", "")), value=_number(str(form.get("value", ""))),
        text_ja=str(form.get("text_ja", "")), text_en=str(form.get("text_en", "")),
        target_fiscal_year=_year(form), reasons=_reasons(form),
    ))  # fmt: skip


@router.post("/improvement/revisions/{draft_id}/models", response_class=HTMLResponse, dependencies=CSRF)
async def add_model(
    request: Request, session: SessionDep, principal: SignedInDep, draft_id: RowId
) -> Response:
    authorize(principal, "roadmap.revise")
    return await _edit(request, session, principal, draft_id, "changes", lambda form: drafts.add_model(
        session, principal=principal, draft_id=draft_id, expected_version=version_of(form),
        field_slug=str(form.get("field", "")), slug=str(form.get("slug", "")),
        name_ja=str(form.get("name_ja", "")), name_en=str(form.get("name_en", "")),
        plan_ja=str(form.get("plan_ja", "")), plan_en=str(form.get("plan_en", "")), reasons=_reasons(form),
    ))  # fmt: skip


@router.post("/improvement/revisions/{draft_id}/retire", response_class=HTMLResponse, dependencies=CSRF)
async def retire_model(
    request: Request, session: SessionDep, principal: SignedInDep, draft_id: RowId
) -> Response:
    authorize(principal, "roadmap.revise")
    return await _edit(request, session, principal, draft_id, "changes", lambda form: drafts.retire_model(
        session, principal=principal, draft_id=draft_id, expected_version=version_of(form),
        model_slug=str(form.get("model", "")), reasons=_reasons(form),
    ))  # fmt: skip


@router.post("/improvement/revisions/{draft_id}/upload", response_class=HTMLResponse, dependencies=CSRF)
async def upload_file(
    request: Request, session: SessionDep, principal: SignedInDep, draft_id: RowId, file: UploadFile
) -> Response:
    authorize(principal, "roadmap.revise")
    form = await read_form(request)
    try:
        content = await file.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise InvalidInput("ファイルが大きすぎます（2MBまで）。", "The file is too large (2 MB at most).")
        drafts.upload(
            session, principal=principal, draft_id=draft_id, expected_version=version_of(form), content=content,
            reasons=_reasons(form),
        )  # fmt: skip
    except UserError as error:
        return _draft_page(request, session, principal, draft_id, error=undone(session, error), entered=form)
    return RedirectResponse(f"/improvement/revisions/{draft_id}?saved=1#changes", status_code=303)


@router.post("/improvement/revisions/{draft_id}/comments", response_class=HTMLResponse, dependencies=CSRF)
async def comment(request: Request, session: SessionDep, principal: SignedInDep, draft_id: RowId) -> Response:
    authorize(principal, "roadmap.comment")
    return await _edit(request, session, principal, draft_id, "comments", lambda form: drafts.comment(
        session, principal=principal, draft_id=draft_id, text=str(form.get("text", "")),
        on_behalf_of=str(form.get("on_behalf_of", "")),
    ))  # fmt: skip


@router.post("/improvement/revisions/{draft_id}/publish", response_class=HTMLResponse, dependencies=CSRF)
async def publish(request: Request, session: SessionDep, principal: SignedInDep, draft_id: RowId) -> Response:
    authorize(principal, "roadmap.revise")
    form = await read_form(request)
    try:
        draft = drafts.publish(
            session, principal=principal, draft_id=draft_id, expected_version=version_of(form)
        )
    except UserError as error:
        return _draft_page(request, session, principal, draft_id, error=undone(session, error), entered=form)
    return RedirectResponse(f"/roadmap?revision={draft.slug}&published=1", status_code=303)


@router.post("/improvement/revisions/{draft_id}/withdraw", response_class=HTMLResponse, dependencies=CSRF)
async def withdraw(
    request: Request, session: SessionDep, principal: SignedInDep, draft_id: RowId
) -> Response:
    authorize(principal, "roadmap.revise")
    return await _edit(request, session, principal, draft_id, "changes", lambda form: drafts.withdraw(
        session, principal=principal, draft_id=draft_id, expected_version=version_of(form),
    ))  # fmt: skip
