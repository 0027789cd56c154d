"""An uploaded survey workbook is applied exactly once, however many commits arrive at the same time
(issue 12, finding 4: on PostgreSQL a double click applied an upload twice, and 20 parallel commits applied
it 15 times, because ``committed_at`` was read before anything was locked)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import multiprocessing
import threading
import time

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from chiiki_iot.accounts.audit_recorder import act_as
from chiiki_iot.accounts.models import AuditEntry
from chiiki_iot.accounts.policy import Principal, Role
from chiiki_iot.adoption import survey, uploads
from chiiki_iot.adoption.models import StatusChange
from chiiki_iot.adoption.workbooks import SHEET, write_workbook
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.core.errors import Conflict, NotFound
from tests.accounts.factories import create_user, principal
from tests.accounts.test_auth import make_user, sign_in
from tests.adoption.test_survey import fill

CLICKS = 20


def _staged(session: Session, fiscal_year: int) -> tuple[str, str, Principal]:
    """A round, and a municipality's previewed upload of two answers waiting to be committed."""
    admin = principal(create_user(session, Role.SECRETARIAT))
    fy = survey.open_round(
        session,
        principal=admin,
        fiscal_year=fiscal_year,
        deadline=dt.date(fiscal_year + 1, 5, 31),
        force=True,
        model_slugs=["open-data", "l-alert"],
    )
    sapporo = principal(create_user(session, Role.MUNICIPALITY, "011002"))
    data = fill(
        write_workbook(session, survey=fy, body_codes=["011002"]),
        {
            ("011002", "open-data"): {"今回の段階": "実証中"},
            ("011002", "l-alert"): {"今回の段階": "検討中"},
        },
    )
    pending = uploads.stage_upload(session, slug=fy.slug, file_name="回答.xlsx", data=data, principal=sapporo)
    session.flush()
    return fy.slug, pending.token, sapporo


def _applied(session: Session, slug: str) -> int:
    return session.scalar(select(func.count()).where(StatusChange.source_ref == slug)) or 0


class TestOneCommitWins:
    def test_a_second_commit_is_a_conflict_and_applies_nothing(self, session: Session) -> None:
        slug, token, sapporo = _staged(session, 2031)
        assert uploads.commit_upload(session, slug=slug, token=token, principal=sapporo) == 2
        assert _applied(session, slug) == 2
        with pytest.raises(uploads.UploadAlreadyCommitted) as refused:
            uploads.commit_upload(session, slug=slug, token=token, principal=sapporo)
        assert refused.value.status_code == 409 and "already committed" in refused.value.message_en
        assert _applied(session, slug) == 2

    def test_each_recorded_answer_has_its_audit_entry(self, session: Session) -> None:
        """The answers are inserted in one statement, not one object at a time; the audit log still has one
        entry per status change, naming who sent it and what was recorded, as for any other change."""
        slug, token, sapporo = _staged(session, 2036)
        act_as(session, sapporo)  # as the page does for the signed-in user
        uploads.commit_upload(session, slug=slug, token=token, principal=sapporo)
        changes = session.scalars(select(StatusChange).where(StatusChange.source_ref == slug)).all()
        assert sorted(c.model_slug for c in changes) == ["l-alert", "open-data"]
        entries = {
            e.entity_key: e
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.entity == "status_changes", AuditEntry.action == "create")
            )
        }
        for change in changes:
            entry = entries[str(change.id)]
            assert entry.actor == sapporo.actor and entry.before is None
            assert entry.after["stage"] == change.stage and entry.after["body_code"] == "011002"
            assert entry.after["model_slug"] == change.model_slug
            assert entry.after["effective_on"] == change.effective_on.isoformat()

    def test_someone_elses_upload_stays_unknown_and_unclaimed(self, session: Session) -> None:
        slug, token, sapporo = _staged(session, 2032)
        stranger = principal(create_user(session, Role.MUNICIPALITY, "472018"))
        with pytest.raises(NotFound):
            uploads.commit_upload(session, slug=slug, token=token, principal=stranger)
        assert uploads.commit_upload(session, slug=slug, token=token, principal=sapporo) == 2


@pytest.mark.own_database
class TestConcurrentCommits:
    def test_twenty_simultaneous_commits_apply_the_upload_once(self, own_database: Engine) -> None:
        sessions = get_sessionmaker()
        with sessions.begin() as setup:
            slug, token, sapporo = _staged(setup, 2033)
        start = threading.Barrier(CLICKS)
        outcomes: list[str] = []

        def click() -> None:
            with sessions() as session:
                start.wait()
                try:
                    uploads.commit_upload(session, slug=slug, token=token, principal=sapporo)
                    session.commit()
                    outcomes.append("applied")
                except Conflict:
                    session.rollback()
                    outcomes.append("conflict")
                except Exception as error:  # anything else (a lock error, a 500) is a failure too
                    session.rollback()
                    outcomes.append(repr(error))

        threads = [threading.Thread(target=click) for _ in range(CLICKS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(outcomes) == ["applied"] + ["conflict"] * (CLICKS - 1)
        with sessions() as check:
            assert _applied(check, slug) == 2  # two answers, recorded once


@pytest.mark.own_database
class TestReadingHoldsNoLock:
    """The commit page reads the file before it takes the write lock (issue 12: the national workbook takes
    seconds to read, and on SQLite every other writer used to wait for it, then fail). On a database of
    its own, so that the page and the other writer use connections of their own, as on a server."""

    def test_others_can_write_while_the_commit_reads_the_file(
        self, own_database: Engine, client: TestClient
    ) -> None:
        email = make_user(Role.MUNICIPALITY, "011002")
        with get_sessionmaker().begin() as setup:
            admin = principal(create_user(setup, Role.SECRETARIAT))
            fy = survey.open_round(
                setup, principal=admin, fiscal_year=2034, deadline=dt.date(2035, 5, 31), force=True,
                model_slugs=["open-data", "l-alert"],
            )  # fmt: skip
            data = padded(fill(write_workbook(setup, survey=fy, body_codes=["011002"]), ANSWERS))
        sign_in(client, email)
        preview = client.post(
            "/survey/fy2034/uploads",
            files={"file": ("回答.xlsx", data)},
            data={"csrf_token": client.cookies.get("chiiki_csrf")},
            follow_redirects=False,
        )
        assert preview.status_code == 303, preview.text
        answered: list[int] = []
        commit = threading.Thread(
            target=lambda: answered.append(
                client.post(
                    preview.headers["location"],
                    data={"csrf_token": client.cookies.get("chiiki_csrf")},
                    follow_redirects=False,
                ).status_code
            )
        )
        commit.start()
        reader = _reader_started()
        writes_while_reading = 0
        while reader.is_alive():
            with get_sessionmaker().begin() as other:  # a write of someone else's, committed at once
                other.execute(text("UPDATE users SET display_name = 'テスト' WHERE email = :e"), {"e": email})
            writes_while_reading += reader.is_alive()
        commit.join(timeout=60)
        assert answered == [303]
        assert writes_while_reading >= 1
        with get_sessionmaker()() as check:
            assert _applied(check, "fy2034") == 2  # and the answers were recorded


ANSWERS = {("011002", "open-data"): {"今回の段階": "実証中"}, ("011002", "l-alert"): {"今回の段階": "検討中"}}


def padded(data: bytes) -> bytes:
    """The workbook with a few thousand rows of notes below the answers (blank in every answer column), so
    that reading it takes long enough to be seen."""
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    for row in range(3000):  # notes that differ (identical ones compress past the 100:1 a file may have)
        sheet.append(
            [None] * 11 + [f"メモ：{hashlib.sha256(b'%d-%d' % (row, n)).hexdigest()}" for n in range(8)]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _reader_started(timeout: float = 30) -> multiprocessing.process.BaseProcess:
    """The child process reading the workbook, once it has started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if children := multiprocessing.active_children():
            return children[0]
        time.sleep(0.001)
    raise AssertionError("the workbook was not read in a process of its own")
