"""Issue 12, the survey's integrity at the edges: one body's online answer reads one body's rows (3); two
simultaneous submits record it once (4); only a submitted answer can be confirmed (11); a status takes effect
between the programme's start and today, and one file cannot say two things about one body and model (12)."""

from __future__ import annotations

import datetime as dt
import io
import threading

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import service, survey
from chiiki_iot.adoption.importers import plan_status_import
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.adoption.models import StatusChange, SurveyResponse
from chiiki_iot.adoption.workbooks import SHEET, WorkbookRefused, plan_from_form, plan_workbook, submit_form
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.progress import facts
from tests.accounts.factories import create_user, principal

SAPPORO = "011002"


def open_round(session: Session, models: list[str] | None = None):  # type: ignore[no-untyped-def]
    admin = principal(create_user(session, Role.SECRETARIAT))
    return admin, survey.open_round(
        session,
        principal=admin,
        fiscal_year=2019,
        deadline=dt.date(2020, 5, 31),
        force=True,
        model_slugs=models or ["open-data", "l-alert"],
    )


def survey_changes(session: Session, body: str = SAPPORO) -> list[tuple[str, str]]:
    rows = session.execute(
        select(StatusChange.model_slug, StatusChange.stage).where(
            StatusChange.body_code == body, StatusChange.source_kind == "survey"
        )
    )
    return sorted((m, s) for m, s in rows)


class TestOnlineAnswerReadsOneBody:
    def test_every_status_read_is_narrowed_to_the_body(self, session: Session) -> None:
        _admin, fy = open_round(session)
        seen: list[str] = []

        def keep(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
            if "status_changes" in statement and statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        bind = session.get_bind()
        event.listen(bind, "before_cursor_execute", keep)
        try:
            plan = plan_from_form(
                session, survey=fy, body_code=SAPPORO, answers={"open-data": {"stage": "実装済み"}}
            )
        finally:
            event.remove(bind, "before_cursor_execute", keep)
        assert [(r.body_code, r.model_slug) for r in plan.rows] == [(SAPPORO, "open-data")]
        assert seen, "the plan compares with the status in force"
        # Before: one read per model over every counted body (adoption_of_model), 3.6-4.1 s per answer.
        assert all("status_changes.body_code =" in s for s in seen), seen


class TestReviewOnlySubmitted:
    def test_a_draft_cannot_be_confirmed_or_returned(self, session: Session) -> None:
        admin, fy = open_round(session)
        clerk = principal(create_user(session, Role.MUNICIPALITY, SAPPORO))
        draft = survey.save_draft(
            session,
            principal=clerk,
            slug=fy.slug,
            body_code=SAPPORO,
            answers={"open-data": {"stage": "検討中"}},
        )
        for decision in ("confirm", "return"):
            with pytest.raises(InvalidInput) as refused:
                survey.review_response(
                    session,
                    principal=admin,
                    slug=fy.slug,
                    body_code=SAPPORO,
                    decision=decision,
                    expected_version=draft.version,
                )
            assert "下書き" in refused.value.message_ja and "draft" in refused.value.message_en
        assert draft.state == "draft"
        _, _, missing = survey.response_rates(session, fy.slug)
        assert SAPPORO in {b.code for b in missing}

    def test_a_submitted_answer_is_confirmed_once(self, session: Session) -> None:
        admin, fy = open_round(session)
        clerk = principal(create_user(session, Role.MUNICIPALITY, SAPPORO))
        submit_form(
            session, survey=fy, body_code=SAPPORO, answers={"open-data": {"stage": "検討中"}}, principal=clerk
        )
        current = session.scalar(select(SurveyResponse).where(SurveyResponse.body_code == SAPPORO))
        assert current is not None and current.state == "submitted"
        confirmed = survey.review_response(
            session,
            principal=admin,
            slug=fy.slug,
            body_code=SAPPORO,
            decision="confirm",
            expected_version=current.version,
        )
        assert confirmed.state == "confirmed"
        with pytest.raises(InvalidInput):  # confirmed already: nothing to confirm again
            survey.review_response(
                session,
                principal=admin,
                slug=fy.slug,
                body_code=SAPPORO,
                decision="confirm",
                expected_version=confirmed.version,
            )


class TestEffectiveDatesBounded:
    def test_the_programme_start_is_the_kpi_engines_first_day(self) -> None:
        assert service.PROGRAMME_START == facts.EARLIEST

    @pytest.mark.parametrize(
        ("day", "ja"),
        [(dt.date(1, 1, 1), "開始"), (dt.date(2016, 3, 31), "開始"), (None, "未来")],
    )
    def test_record_status_refuses_dates_outside_the_programme(
        self, session: Session, day: dt.date | None, ja: str
    ) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        when = day or today_in_japan() + dt.timedelta(days=1)
        with pytest.raises(InvalidInput) as refused:
            service.record_status(
                session,
                principal=admin,
                body_code=SAPPORO,
                model_slug="open-data",
                stage=Stage.IMPLEMENTED,
                effective_on=when,
                source_kind="manual",
            )
        assert ja in refused.value.message_ja and str(when) in refused.value.message_en

    def test_the_first_day_and_today_are_allowed(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        for day in (service.PROGRAMME_START, today_in_japan()):
            change = service.record_status(
                session,
                principal=admin,
                body_code=SAPPORO,
                model_slug="open-data",
                stage=Stage.IMPLEMENTED,
                effective_on=day,
                source_kind="manual",
            )
            assert change.effective_on == day

    def test_a_workbook_date_before_the_programme_is_refused(self, session: Session) -> None:
        _, fy = open_round(session, ["open-data"])
        data = workbook(fy.slug, [(SAPPORO, "open-data", "実装済み", "0001-01-01")], session)
        with pytest.raises(WorkbookRefused) as refused:
            plan_workbook(session, survey=fy, data=data, file_name="a.xlsx")
        assert any(column == "時点" for _, _, column, _ in refused.value.cells)

    def test_an_import_dated_before_the_programme_is_refused(self, session: Session) -> None:
        with pytest.raises(InvalidInput):
            plan_status_import(
                session,
                data="団体コード,状況\n011002,実装済み\n".encode(),
                file_name="list.csv",
                model_slug="l-alert",
                as_of=dt.date(2000, 1, 1),
                value_column="状況",
            )


class TestDuplicateRows:
    def test_two_rows_for_one_body_and_model_name_both(self, session: Session) -> None:
        _, fy = open_round(session, ["open-data"])
        data = workbook(
            fy.slug,
            [(SAPPORO, "open-data", "実装済み", None), (SAPPORO, "open-data", "検討中", None)],
            session,
        )
        with pytest.raises(WorkbookRefused) as refused:
            plan_workbook(session, survey=fy, data=data, file_name="a.xlsx")
        (problem,) = refused.value.problems
        assert "2行目と 3行目" in problem.message_ja and "rows 2 and 3" in problem.message_en

    def test_two_csv_rows_for_one_body_name_both(self, session: Session) -> None:
        with pytest.raises(InvalidInput) as refused:
            plan_status_import(
                session,
                data="団体コード,状況\n011002,実装済み\n011002,検討中\n".encode(),
                file_name="list.csv",
                model_slug="l-alert",
                as_of=dt.date(2020, 3, 31),
                value_column="状況",
            )
        assert any("rows 2 and 3" in p.message_en for p in refused.value.problems)


def workbook(slug: str, rows: list[tuple[str, str, str, str | None]], session: Session) -> bytes:
    """A workbook of this round with the given (body, model, stage, date) rows and nothing else."""
    from chiiki_iot.adoption.workbooks import write_workbook

    data = write_workbook(session, survey=survey.get_round(session, slug), body_codes=[SAPPORO])
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    header = [c.value for c in sheet[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    sheet.delete_rows(2, sheet.max_row)
    for n, (code, model, stage, day) in enumerate(rows, start=2):
        sheet.cell(n, col["団体コード"]).value = code
        sheet.cell(n, col["モデル識別子"]).value = model
        sheet.cell(n, col["今回の段階"]).value = stage
        sheet.cell(n, col["時点"]).value = day
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.own_database
class TestSimultaneousSubmits:
    """Each thread is a request of its own: own connection, own transaction, committed at its end."""

    CLICKS = 8

    def race(self, engine: Engine, *, already_submitted: bool) -> tuple[list[tuple[str, str]], list[str]]:
        with Session(engine) as setup:
            _, fy = open_round(setup, ["open-data"])
            clerk = principal(create_user(setup, Role.MUNICIPALITY, SAPPORO))
            if already_submitted:  # an answer in force, submitted by the same person: the case that raced
                submit_form(
                    setup,
                    survey=fy,
                    body_code=SAPPORO,
                    answers={"open-data": {"stage": "検討中"}},
                    principal=clerk,
                )
            setup.commit()
            slug, before = fy.slug, survey_changes(setup)
        start = threading.Barrier(self.CLICKS)
        outcomes: list[str] = []

        def click() -> None:
            with Session(engine) as session:
                start.wait()
                try:
                    submit_form(
                        session,
                        survey=survey.get_round(session, slug),
                        body_code=SAPPORO,
                        answers={"open-data": {"stage": "実装済み"}},
                        principal=clerk,
                    )
                    session.commit()
                    outcomes.append("recorded")
                except Conflict:
                    session.rollback()
                    outcomes.append("409")
                except OperationalError:  # SQLite: the loser of the write lock; nothing of it is kept
                    session.rollback()
                    outcomes.append("locked")

        threads = [threading.Thread(target=click) for _ in range(self.CLICKS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with Session(engine) as check:
            after = survey_changes(check)
        return [c for c in after if c not in before or after.count(c) > before.count(c)], outcomes

    def test_a_double_click_records_the_answer_once(self, own_database: Engine) -> None:
        added, outcomes = self.race(own_database, already_submitted=True)
        assert added == [("open-data", "実装済")], outcomes
        assert len(outcomes) == self.CLICKS and "recorded" in outcomes

    def test_first_submits_record_the_answer_once(self, own_database: Engine) -> None:
        added, outcomes = self.race(own_database, already_submitted=False)
        assert added == [("open-data", "実装済")], outcomes
        with Session(own_database) as check:
            assert (
                check.scalar(
                    select(func.count())
                    .select_from(SurveyResponse)
                    .where(SurveyResponse.body_code == SAPPORO)
                )
                == 1
            )


class TestReviewThroughTheSite:
    def test_a_prefecture_cannot_confirm_a_draft(self, client) -> None:  # type: ignore[no-untyped-def]
        from tests.accounts.test_auth import make_user, sign_in

        sign_in(client, make_user(Role.SECRETARIAT))
        client.post(
            "/survey",
            data={
                "fiscal_year": "2022",
                "deadline": "2023-05-31",
                "force": "true",
                "csrf_token": client.cookies.get("chiiki_csrf"),
            },
        )
        client.cookies.clear()
        sign_in(client, make_user(Role.MUNICIPALITY, "131016"))
        saved = client.post(
            "/survey/fy2022/bodies/131016/answer",
            data={
                "stage__open-data": "検討中",
                "action": "draft",
                "csrf_token": client.cookies.get("chiiki_csrf"),
            },
        )
        assert saved.status_code == 200 and "下書きを保存しました" in saved.text
        client.cookies.clear()
        sign_in(client, make_user(Role.PREFECTURE, "13"))
        refused = client.post(
            "/survey/fy2022/responses/131016",
            data={"decision": "confirm", "version": 1, "csrf_token": client.cookies.get("chiiki_csrf")},
        )
        assert refused.status_code == 422 and "提出された回答だけを承認できます" in refused.text
