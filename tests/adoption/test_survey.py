"""A survey round end to end: open → workbook out → filled in with what people really type → preview →
commit → history with its source; a second upload changes nothing; a bad workbook changes nothing and
comes back annotated; response rates count who answered."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Forbidden, Role
from chiiki_iot.adoption import service, survey, survey_figures
from chiiki_iot.adoption.models import BarrierReport, StatusChange
from chiiki_iot.adoption.workbooks import (
    INPUT_COLUMNS,
    SHEET,
    WorkbookRefused,
    apply_workbook,
    plan_workbook,
    write_workbook,
)
from tests.accounts.factories import create_user, principal

TWO = ["011002", "472018"]


def fill(
    data: bytes, answers: dict[tuple[str, str], dict[str, object]], *, name_instead: bool = False
) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    header = [c.value for c in sheet[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    for row in range(2, sheet.max_row + 1):
        key = (sheet.cell(row, col["団体コード"]).value, sheet.cell(row, col["モデル識別子"]).value)
        for column, value in answers.get(key, {}).items():
            sheet.cell(row, col[column]).value = value
        if name_instead and key[0] == "472018":
            sheet.cell(row, col["団体コード"]).value = None
            sheet.cell(row, col["団体名"]).value = "沖縄県那覇市"
        elif key[0] == "011002":
            sheet.cell(row, col["団体コード"]).value = "０１１００２"  # full-width, as typed
    for _ in range(3):
        sheet.append([None] * len(header))  # trailing blank rows
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def changes(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StatusChange)) or 0


class TestRoundEndToEnd:
    def test_open_fill_preview_commit_and_reimport(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2019,
            deadline=dt.date(2020, 5, 31),
            force=True,
            model_slugs=["open-data", "l-alert", "telework"],
        )
        blank = write_workbook(session, survey=fy, body_codes=TWO)
        sheet = load_workbook(io.BytesIO(blank))[SHEET]
        assert sheet.max_row == 1 + 2 * 3 and sheet.protection.sheet
        assert {str(dv.sqref).split(":")[0] for dv in sheet.data_validations.dataValidation} == {"F2", "G2"}
        header = [c.value for c in sheet[1]]
        for row in (1, 2, 7):  # the header, the first and the last body's rows
            open_to_input = {name for name in header if not _locked(sheet, row, header.index(name) + 1)}
            assert open_to_input == (set() if row == 1 else INPUT_COLUMNS), row
        filled = fill(
            blank,
            {
                ("011002", "open-data"): {
                    "今回の段階": "実装済み",
                    "事業名": "札幌市オープンデータ",
                    "時点": "R2.1.15",
                },
                ("011002", "l-alert"): {"今回の段階": "検討中", "主な壁": "予算の制約"},
                ("472018", "open-data"): {"今回の段階": "実証中", "時点": "令和元年10月1日"},
            },
            name_instead=True,
        )
        plan = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx")
        assert sorted((r.body_code, r.model_slug, r.stage.value, r.effective_on) for r in plan.rows) == [
            ("011002", "l-alert", "検討中", dt.date(2020, 3, 31)),
            ("011002", "open-data", "実装済", dt.date(2020, 1, 15)),
            ("472018", "open-data", "実証中", dt.date(2019, 10, 1)),
        ]
        assert plan.unanswered == 3
        before = changes(session)
        assert apply_workbook(session, survey=fy, plan=plan, principal=admin) == 3
        timeline = service.history(session, "011002", model_slug="open-data")
        assert (timeline[-1].source_kind, timeline[-1].source_ref, timeline[-1].evidence) == (
            "survey",
            "fy2019",
            {"project": "札幌市オープンデータ"},
        )
        assert (
            session.scalar(
                select(func.count()).select_from(BarrierReport).where(BarrierReport.source_ref == "fy2019")
            )
            == 1
        )
        again = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx")
        assert (
            again.change_count == 0 and apply_workbook(session, survey=fy, plan=again, principal=admin) == 0
        )
        assert changes(session) == before + 3
        by_pref, _by_block, missing = survey.response_rates(session, "fy2019")
        hokkaido = next(r for r in by_pref if r.key == "010006")
        assert (hokkaido.answered, hokkaido.total) == (1, 180) and len(missing) == 1788 - 2
        assert service.status_of_body(session, "011002", as_of=dt.date(2019, 12, 31)).get("open-data") is None

    def test_a_bad_workbook_changes_nothing_and_comes_back_annotated(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2018,
            deadline=dt.date(2019, 5, 31),
            force=True,
            model_slugs=["open-data", "l-alert"],
        )
        blank = write_workbook(session, survey=fy, body_codes=TWO)
        bad = fill(
            blank,
            {
                ("011002", "open-data"): {"今回の段階": "ほぼ完了"},
                ("011002", "l-alert"): {"今回の段階": "実装済", "時点": "R2.13.1"},
                ("472018", "l-alert"): {"今回の段階": "実装済", "主な壁": "天気"},
            },
        )
        before = changes(session)
        with pytest.raises(WorkbookRefused) as exc:
            plan_workbook(session, survey=fy, data=bad, file_name="bad.xlsx")
        locations = [p.location for p in exc.value.problems]
        assert (
            len(locations) == 3
            and any("今回の段階" in w for w in locations)
            and any("時点" in w for w in locations)
        )
        annotated = load_workbook(io.BytesIO(exc.value.annotated))
        assert annotated.sheetnames[0] == "エラー一覧" and annotated["エラー一覧"].max_row == 4
        marked = [c for row in annotated[SHEET].iter_rows() for c in row if c.comment]
        assert {c.coordinate for c in marked} == {"F3", "K2", "G4"}  # stage, date, barrier cells
        assert any("Unknown stage" in c.comment.text for c in marked)
        assert changes(session) == before

    def test_a_municipality_uploads_only_for_itself(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        naha = principal(create_user(session, Role.MUNICIPALITY, "472018"))
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2017,
            deadline=dt.date(2018, 5, 31),
            force=True,
            model_slugs=["open-data"],
        )
        filled = fill(
            write_workbook(session, survey=fy, body_codes=TWO),
            {("011002", "open-data"): {"今回の段階": "実装済"}},
        )
        plan = plan_workbook(session, survey=fy, data=filled, file_name="x.xlsx")
        with pytest.raises(Forbidden):
            apply_workbook(session, survey=fy, plan=plan, principal=naha)
        with pytest.raises(Forbidden):
            survey.open_round(session, principal=naha, fiscal_year=2030, deadline=dt.date(2031, 1, 1))


def fill_figures(data: bytes, figures: dict[tuple[str, str], object]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book[survey_figures.SHEET]
    for row in range(2, sheet.max_row + 1):
        key = (sheet.cell(row, 1).value, sheet.cell(row, 4).value)
        if key in figures:
            sheet.cell(row, 7).value = figures[key]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class TestFigures:
    """The KPI input figures (学校数 …) travel in the same workbook, on a 数値 sheet."""

    def test_the_round_asks_the_figures_of_its_models_and_records_them_once(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        service.record_input(
            session,
            principal=admin,
            body_code="011002",
            input_slug="schools-total",
            fiscal_year=2018,
            value=300,
        )
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2019,
            deadline=dt.date(2020, 5, 31),
            force=True,
            model_slugs=["education-cloud", "open-data"],
        )
        assert fy.input_slugs == ["schools-total", "schools-cloud-ready"]  # from the roadmap data, not code
        blank = write_workbook(session, survey=fy, body_codes=TWO)
        sheet = load_workbook(io.BytesIO(blank))[survey_figures.SHEET]
        assert [c.value for c in sheet[1]] == survey_figures.COLUMNS and sheet.max_row == 1 + 2 * 2
        assert (
            sheet["F2"].value == 300 and sheet["D2"].value == "schools-total"
        )  # last year's figure pre-filled
        filled = fill_figures(
            blank,
            {
                ("011002", "schools-total"): "３，０１２校",
                ("011002", "schools-cloud-ready"): 95,
                ("472018", "schools-total"): "１２０",
            },
        )
        plan = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx")
        assert sorted((f.body_code, f.input_slug, f.value) for f in plan.figures) == [
            ("011002", "schools-cloud-ready", 95.0),
            ("011002", "schools-total", 3012.0),
            ("472018", "schools-total", 120.0),
        ]
        assert plan.body_codes == TWO and apply_workbook(session, survey=fy, plan=plan, principal=admin) == 3
        in_force = service.inputs_of_body(session, "011002")
        assert (
            in_force[("schools-total", 2019)].value == 3012
            and in_force[("schools-total", 2019)].source_ref == "fy2019"
        )
        assert in_force[("schools-total", 2018)].value == 300  # last year's figure is kept
        again = plan_workbook(session, survey=fy, data=filled, file_name="回答.xlsx")
        assert (
            again.figure_change_count == 0
            and apply_workbook(session, survey=fy, plan=again, principal=admin) == 0
        )

    def test_an_unreadable_figure_is_named_and_nothing_is_recorded(self, session: Session) -> None:
        admin = principal(create_user(session, Role.SECRETARIAT))
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2019,
            deadline=dt.date(2020, 5, 31),
            force=True,
            model_slugs=["education-cloud"],
        )
        blank = write_workbook(session, survey=fy, body_codes=TWO)
        bad = fill_figures(
            fill(blank, {("011002", "education-cloud"): {"今回の段階": "実装済"}}),
            {("011002", "schools-total"): "たくさん", ("472018", "schools-cloud-ready"): -3},
        )
        before = changes(session)
        with pytest.raises(WorkbookRefused) as exc:
            plan_workbook(session, survey=fy, data=bad, file_name="bad.xlsx")
        assert [p.location for p in exc.value.problems] == [
            "数値シート 2行目 / sheet 数値, row 2, 今回の値",
            "数値シート 5行目 / sheet 数値, row 5, 今回の値",
        ]
        assert (
            "学校数" in exc.value.problems[0].message_ja
            and "must be 0 or more" in exc.value.problems[1].message_en
        )
        annotated = load_workbook(io.BytesIO(exc.value.annotated))
        assert {
            c.coordinate for row in annotated[survey_figures.SHEET].iter_rows() for c in row if c.comment
        } == {"G2", "G5"}
        assert annotated["エラー一覧"]["A2"].value == survey_figures.SHEET
        assert service.inputs_of_body(session, "011002") == {} and changes(session) == before


def _locked(sheet, row: int, column: int) -> bool:  # type: ignore[no-untyped-def]
    """Whether Excel keeps a cell of a protected sheet closed to input: its own style if it has a cell,
    else its column's (openpyxl does not apply a column's style to a cell it creates on reading)."""
    cell = sheet._cells.get((row, column))
    if cell is not None and cell.has_style:
        return bool(cell.protection.locked)
    return bool(sheet.column_dimensions[get_column_letter(column)].protection.locked)
