"""Survey workbooks against the mistakes tired officials make (issue 10): 「その他」 with its text, undated
and future dates, a workbook of another round, rows for another body, and figures nobody can read."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import service, survey, survey_figures
from chiiki_iot.adoption.models import BarrierReport
from chiiki_iot.adoption.workbooks import (
    ROUND_SHEET,
    SHEET,
    WorkbookRefused,
    apply_workbook,
    plan_from_form,
    plan_workbook,
    write_workbook,
)
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.fiscal import today_in_japan
from tests.accounts.factories import create_user, principal
from tests.adoption.test_survey import TWO, fill

SENT = dt.date(2026, 11, 30)  # the day the workbook comes back, within FY2026


def open_fy(session: Session, fiscal_year: int = 2026, models: tuple[str, ...] = ("open-data", "l-alert")):  # type: ignore[no-untyped-def]
    admin = principal(create_user(session, Role.SECRETARIAT))
    return admin, survey.open_round(
        session,
        principal=admin,
        fiscal_year=fiscal_year,
        deadline=dt.date(fiscal_year + 1, 5, 31),
        model_slugs=list(models),
        force=True,
    )


class TestOtherBarrier:
    def test_other_with_its_text_goes_through_the_workbook(self, session: Session) -> None:
        admin, fy = open_fy(session)
        filled = fill(
            write_workbook(session, survey=fy, body_codes=TWO),
            {
                ("011002", "open-data"): {
                    "今回の段階": "検討中",
                    "主な壁": "その他",
                    "壁（その他の内容）": "庁内の合意形成",
                }
            },
        )
        plan = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx", received_on=SENT)
        assert [(r.barrier.value, r.barrier_text) for r in plan.rows] == [("その他", "庁内の合意形成")]
        apply_workbook(session, survey=fy, plan=plan, principal=admin)
        report = session.scalar(select(BarrierReport).where(BarrierReport.source_ref == fy.slug))
        assert (report.barrier, report.other_text) == ("その他", "庁内の合意形成")

    def test_other_without_text_marks_the_text_cell(self, session: Session) -> None:
        _, fy = open_fy(session)
        filled = fill(
            write_workbook(session, survey=fy, body_codes=TWO),
            {("011002", "open-data"): {"今回の段階": "検討中", "主な壁": "その他"}},
        )
        with pytest.raises(WorkbookRefused) as exc:
            plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx", received_on=SENT)
        assert [p.location for p in exc.value.problems] == [
            "回答シート 3行目 / sheet 回答, row 3, 壁（その他の内容）"
        ]
        marked = [
            c.coordinate
            for row in load_workbook(io.BytesIO(exc.value.annotated))[SHEET].iter_rows()
            for c in row
            if c.comment
        ]
        assert marked == ["H3"]  # the 「壁（その他の内容）」 cell, not the body code in A3

    def test_other_with_its_text_goes_through_the_form(self, session: Session) -> None:
        _, fy = open_fy(session)
        plan = plan_from_form(
            session,
            survey=fy,
            body_code="011002",
            answers={"open-data": {"stage": "検討中", "barrier": "その他", "barrier_text": "庁内の合意形成"}},
        )
        assert [(r.barrier.value, r.barrier_text) for r in plan.rows] == [("その他", "庁内の合意形成")]
        with pytest.raises(InvalidInput) as exc:
            plan_from_form(
                session,
                survey=fy,
                body_code="011002",
                answers={"open-data": {"stage": "検討中", "barrier": "その他"}},
            )
        assert "オープンデータ" in exc.value.problems[0].location  # which model, not 「1行目」


class TestDates:
    def test_an_undated_answer_is_recorded_on_the_day_it_was_sent_not_the_rounds_future_as_of(
        self, session: Session
    ) -> None:
        admin, fy = open_fy(session)
        assert fy.as_of == dt.date(2027, 3, 31)
        filled = fill(
            write_workbook(session, survey=fy, body_codes=TWO),
            {("011002", "open-data"): {"今回の段階": "実証中"}},
        )
        plan = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx", received_on=SENT)
        assert [r.effective_on for r in plan.rows] == [SENT]
        apply_workbook(session, survey=fy, plan=plan, principal=admin)
        assert (
            service.status_of_body(session, "011002", as_of=SENT)["open-data"].stage == "実証中"
        )  # seen today
        today = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx")
        assert [r.effective_on for r in today.rows] == [min(today_in_japan(), fy.as_of)]

    def test_an_undated_answer_of_a_past_round_keeps_the_rounds_as_of(self, session: Session) -> None:
        _, fy = open_fy(session, 2019)
        filled = fill(
            write_workbook(session, survey=fy, body_codes=TWO),
            {("011002", "open-data"): {"今回の段階": "実証中"}},
        )
        plan = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx", received_on=SENT)
        assert [r.effective_on for r in plan.rows] == [dt.date(2020, 3, 31)]

    def test_a_form_answer_is_recorded_on_the_day_it_was_sent(self, session: Session) -> None:
        _, fy = open_fy(session)
        plan = plan_from_form(
            session,
            survey=fy,
            body_code="011002",
            answers={"open-data": {"stage": "実証中"}},
            received_on=SENT,
        )
        assert [r.effective_on for r in plan.rows] == [SENT]

    def test_a_date_in_the_future_is_refused_with_sheet_row_and_column(self, session: Session) -> None:
        _, fy = open_fy(session)
        filled = fill(
            write_workbook(session, survey=fy, body_codes=TWO),
            {("011002", "l-alert"): {"今回の段階": "実装済", "時点": "令和9年1月10日"}},
        )
        with pytest.raises(WorkbookRefused) as exc:
            plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx", received_on=SENT)
        [problem] = exc.value.problems
        assert problem.location == "回答シート 2行目 / sheet 回答, row 2, 時点"
        assert "未来" in problem.message_ja and "in the future" in problem.message_en
        assert exc.value.cells[0][:3] == (SHEET, 2, "時点")


class TestRoundMark:
    def test_a_workbook_of_another_round_is_refused_naming_both(self, session: Session) -> None:
        _, fy2026 = open_fy(session)
        _, fy2025 = open_fy(session, 2025)
        filled = fill(
            write_workbook(session, survey=fy2026, body_codes=TWO),
            {("011002", "open-data"): {"今回の段階": "実証中"}},
        )
        with pytest.raises(WorkbookRefused) as exc:
            plan_workbook(session, survey=fy2025, data=filled, file_name="回答.xlsx", received_on=SENT)
        assert "2026年度" in exc.value.message_ja and "2025年度" in exc.value.message_ja
        assert "fy2026" in exc.value.message_en and "fy2025" in exc.value.message_en
        assert (
            plan_workbook(
                session, survey=fy2026, data=filled, file_name="回答.xlsx", received_on=SENT
            ).warnings
            == []
        )

    def test_the_mark_is_hidden_and_also_a_document_property(self, session: Session) -> None:
        _, fy = open_fy(session)
        book = load_workbook(io.BytesIO(write_workbook(session, survey=fy, body_codes=TWO)))
        assert book[ROUND_SHEET].sheet_state == "veryHidden" and book[ROUND_SHEET]["B1"].value == "fy2026"
        assert [p.value for p in book.custom_doc_props.props if p.name == "chiiki-iot-round"] == ["fy2026"]

    def test_an_older_workbook_without_the_mark_is_read_with_a_warning(self, session: Session) -> None:
        _, fy = open_fy(session)
        book = load_workbook(
            io.BytesIO(
                fill(
                    write_workbook(session, survey=fy, body_codes=TWO),
                    {("011002", "open-data"): {"今回の段階": "実証中"}},
                )
            )
        )
        del book[ROUND_SHEET]
        book.custom_doc_props.props.clear()
        out = io.BytesIO()
        book.save(out)
        plan = plan_workbook(
            session, survey=fy, data=out.getvalue(), file_name="古い様式.xlsx", received_on=SENT
        )
        assert len(plan.rows) == 1 and "記録がありません" in plan.warnings[0].message_ja


class TestScope:
    def test_rows_of_another_body_are_errors_of_the_preview_with_their_rows(self, session: Session) -> None:
        _, fy = open_fy(session)
        naha = principal(create_user(session, Role.MUNICIPALITY, "472018"))
        filled = fill(
            write_workbook(session, survey=fy, body_codes=TWO),
            {
                ("011002", "open-data"): {"今回の段階": "実装済"},
                ("472018", "open-data"): {"今回の段階": "検討中"},
            },
        )
        with pytest.raises(WorkbookRefused) as exc:
            plan_workbook(
                session, survey=fy, data=filled, file_name="回答.xlsx", received_on=SENT, principal=naha
            )
        assert [(c[0], c[1], c[2]) for c in exc.value.cells] == [(SHEET, 3, "団体コード")]
        assert (
            "北海道札幌市" in exc.value.problems[0].message_ja
            and "outside your scope" in exc.value.problems[0].message_en
        )

    def test_figures_of_another_body_are_errors_too(self, session: Session) -> None:
        _, fy = open_fy(session, models=("education-cloud",))
        naha = principal(create_user(session, Role.MUNICIPALITY, "472018"))
        book = load_workbook(io.BytesIO(write_workbook(session, survey=fy, body_codes=TWO)))
        book[survey_figures.SHEET]["G2"] = 300  # 札幌市's 学校数
        out = io.BytesIO()
        book.save(out)
        with pytest.raises(WorkbookRefused) as exc:
            plan_workbook(
                session,
                survey=fy,
                data=out.getvalue(),
                file_name="回答.xlsx",
                received_on=SENT,
                principal=naha,
            )
        assert [(c[0], c[1], c[2]) for c in exc.value.cells] == [(survey_figures.SHEET, 2, "団体コード")]


class TestOpening:
    def test_a_past_deadline_or_another_open_round_needs_confirmation(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        with pytest.raises(survey.OpeningNeedsConfirmation) as exc:
            survey.open_round(session, principal=admin, fiscal_year=2027, deadline=dt.date(2020, 5, 31))
        assert any("過ぎています" in p.message_ja for p in exc.value.problems)
        assert "fy2027" not in {r.slug for r in survey.list_rounds(session)}
        survey.open_round(
            session,
            principal=admin,
            fiscal_year=2026,
            deadline=dt.date.today() + dt.timedelta(days=60),
            force=True,
        )  # other tests' committed rounds may be open too
        with pytest.raises(survey.OpeningNeedsConfirmation) as exc:
            survey.open_round(
                session, principal=admin, fiscal_year=2027, deadline=dt.date.today() + dt.timedelta(days=90)
            )
        assert any(
            "2026年度 地域IoT実装状況調査" in p.message_ja and "まだ受付中" in p.message_ja
            for p in exc.value.problems
        )
        assert not any("過ぎています" in p.message_ja for p in exc.value.problems)
        opened = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2027,
            deadline=dt.date.today() + dt.timedelta(days=90),
            force=True,
        )
        assert opened.state == "open"


class TestFiguresForPeople:
    def test_last_years_figure_is_rounded_for_people(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        service.record_input(
            session,
            principal=admin,
            body_code="011002",
            input_slug="schools-total",
            fiscal_year=2025,
            value=30201.3422818792,
        )
        service.record_input(
            session,
            principal=admin,
            body_code="472018",
            input_slug="schools-total",
            fiscal_year=2025,
            value=120.0,
        )
        _, fy = open_fy(session, models=("education-cloud",))
        sheet = load_workbook(io.BytesIO(write_workbook(session, survey=fy, body_codes=TWO)))[
            survey_figures.SHEET
        ]
        assert (sheet["F2"].value, sheet["F2"].number_format) == (30201.3, "#,##0.0")
        assert (sheet["F4"].value, sheet["F4"].number_format) == (120, "#,##0")

    def test_the_last_figure_reported_is_shown_however_long_ago_with_its_year(self, session: Session) -> None:
        """札幌市 last reported its schools for FY2020: answering in FY2026 it sees 275 and when that was."""
        admin = principal(create_user(session, Role.SECRETARIAT))
        service.record_input(
            session,
            principal=admin,
            body_code="011002",
            input_slug="schools-total",
            fiscal_year=2020,
            value=275,
        )
        _, fy = open_fy(session, models=("education-cloud",))
        sheet = load_workbook(io.BytesIO(write_workbook(session, survey=fy, body_codes=TWO)))[
            survey_figures.SHEET
        ]
        header = [c.value for c in sheet[1]]
        row = next(
            r
            for r in sheet.iter_rows(min_row=2, values_only=True)
            if r[0] == "011002" and r[header.index("項目識別子")] == "schools-total"
        )
        assert (row[header.index("前回の値")], row[header.index("前回の値の年度")]) == (
            275,
            "2020年度（令和2年度）",
        )
