"""Survey workbooks uploaded through the site: previewed first, committed on a second request.

A preview and its commit are two requests, so the file waits in ``pending_uploads`` in between, under a
random token, visible only to whoever uploaded it. Both steps read the file the same way (dated by the
upload, limited to the uploader's bodies), and an upload is committed at most once.

This sits beside ``survey`` and ``workbooks`` rather than in them because it uses both (``workbooks``
already imports ``survey``).
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal
from chiiki_iot.adoption import survey
from chiiki_iot.adoption.models import PendingUpload
from chiiki_iot.adoption.workbooks import (
    WorkbookPlan,
    WorkbookRefused,
    apply_workbook,
    check_upload,
    plan_workbook,
    read_values,
)
from chiiki_iot.core.errors import Conflict, NotFound
from chiiki_iot.core.fiscal import date_in_japan
from chiiki_iot.core.settings import get_settings
from chiiki_iot.core.workbook_values import WorkbookValues


def read_limit() -> int:
    """Bytes the upload route reads at most: one more than the setting ``upload_max_bytes`` (10 MB; a
    national workbook is about 2 MB), so a file over it is seen to be and refused on staging, and a huge
    body is never held whole."""
    return get_settings().upload_max_bytes + 1


def stage_upload(
    session: Session, *, slug: str, file_name: str, data: bytes, principal: Principal
) -> PendingUpload:
    """Keep an uploaded workbook for its preview; nothing is recorded yet, and a file beyond the upload
    limits (size, zip, declared sheet size) is refused here, before it is stored or parsed."""
    current = survey.get_round(session, slug)
    check_upload(session, survey=current, data=data, file_name=file_name)
    pending = PendingUpload(
        token=secrets.token_urlsafe(32),  # names the pending file in the next request, nothing more
        round_slug=slug,
        file_name=file_name,
        data=data,
        uploaded_by=principal.actor,
        uploaded_at=dt.datetime.now(dt.UTC),
    )
    session.add(pending)
    return pending


def get_upload(session: Session, *, slug: str, token: str, principal: Principal) -> PendingUpload:
    """The upload behind a preview link; someone else's upload is as unknown as a wrong token."""
    pending = session.scalar(
        select(PendingUpload).where(PendingUpload.token == token, PendingUpload.round_slug == slug)
    )
    if pending is None or pending.uploaded_by != principal.actor:
        raise NotFound("そのアップロードはありません。", "There is no such upload.")
    return pending


def plan_upload(
    session: Session,
    *,
    pending: PendingUpload,
    principal: Principal,
    values: WorkbookValues | None = None,
    annotate: bool = True,
) -> WorkbookPlan:
    """Read the waiting file as ``plan_workbook`` does, dated by its upload in Japan (not by the day the
    preview is confirmed), limited to the uploader's bodies; a bad file raises ``WorkbookRefused``.
    ``values`` are the file's cells if ``read_upload`` already read them."""
    uploaded = (
        pending.uploaded_at if pending.uploaded_at.tzinfo else pending.uploaded_at.replace(tzinfo=dt.UTC)
    )
    return plan_workbook(
        session,
        survey=survey.get_round(session, pending.round_slug),
        data=pending.data,
        values=values,
        file_name=pending.file_name,
        received_on=date_in_japan(uploaded),
        principal=principal,
        annotate=annotate,
    )


def read_upload(session: Session, *, slug: str, token: str, principal: Principal) -> WorkbookValues:
    """The cells of a waiting upload, read in an isolated process. The page calls this in a read-only
    transaction and ends it before ``commit_upload``, so that reading the file (seconds for a national
    workbook) never holds the write lock; only planning and recording do."""
    pending = get_upload(session, slug=slug, token=token, principal=principal)
    if pending.committed_at is not None:
        raise UploadAlreadyCommitted()
    return read_values(
        session, survey=survey.get_round(session, slug), data=pending.data, file_name=pending.file_name
    )


def annotated_workbook(session: Session, *, slug: str, token: str, principal: Principal) -> tuple[str, bytes]:
    """A refused upload's workbook with its bad cells marked, and a name for it."""
    pending = get_upload(session, slug=slug, token=token, principal=principal)
    try:
        plan_upload(session, pending=pending, principal=principal)
    except WorkbookRefused as refusal:
        if not refusal.annotated:
            raise NotFound(
                "このブックには注記できる箇所がありません。", "This workbook has no cells to annotate."
            ) from None
        return f"errors-{pending.file_name}", refusal.annotated
    raise NotFound("このブックに誤りはありません。", "This workbook has no errors.")


class UploadAlreadyCommitted(Conflict):
    """The upload was committed by an earlier request (a double click, a second tab): nothing is applied
    again. A 409 rather than a 422, because the request was fine — it lost the race or came late."""

    def __init__(self) -> None:
        super().__init__(
            "このアップロードは取り込み済みです（二重の取り込みは行いません）。回答状況は調査回のページで確認できます。",
            "This upload was already committed (it is never applied twice); see the round's page for the answers.",
        )


def claim_upload(session: Session, *, slug: str, token: str, principal: Principal) -> PendingUpload:
    """Mark the upload committed as the transaction's first write, so that exactly one of any number of
    concurrent commits can win: the conditional UPDATE matches ``committed_at IS NULL`` only once. On
    PostgreSQL a second transaction's UPDATE waits for the first's row lock and then finds the row already
    claimed (0 rows); on SQLite writers are serialised and the loser sees the winner's committed row. A
    check of ``committed_at`` read before the write (what this replaced) let 15 of 20 parallel commits
    through on PostgreSQL. If the application fails the transaction rolls back and the claim with it."""
    claimed = session.execute(
        update(PendingUpload)
        .where(
            PendingUpload.token == token,
            PendingUpload.round_slug == slug,
            PendingUpload.uploaded_by == principal.actor,
            PendingUpload.committed_at.is_(None),
        )
        .values(committed_at=dt.datetime.now(dt.UTC))
        .execution_options(synchronize_session=False)
    )
    pending = get_upload(session, slug=slug, token=token, principal=principal)  # NotFound for a stranger
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise UploadAlreadyCommitted()
    session.refresh(pending)  # the claim's committed_at, not a copy loaded earlier in this session
    return pending


def commit_upload(
    session: Session, *, slug: str, token: str, principal: Principal, values: WorkbookValues | None = None
) -> int:
    """Record a previewed upload's answers (all or nothing), exactly once however many requests ask at the
    same time; returns how many answers changed. A late or concurrent second commit raises
    ``UploadAlreadyCommitted`` (409) and applies nothing. ``values`` are the file's cells from
    ``read_upload``; without them the file is read here, inside the transaction."""
    pending = claim_upload(session, slug=slug, token=token, principal=principal)
    current = survey.get_round(session, slug)
    plan = plan_upload(session, pending=pending, principal=principal, values=values, annotate=False)
    return apply_workbook(session, survey=current, plan=plan, principal=principal)
