"""The survey's figures sheet (数値): the KPI input figures a round asks each body for.

Which figures there are follows from the roadmap data (KPI入力項目); a round lists the ones it asks.
The sheet goes out with last fiscal year's figure beside an empty cell for this year's, and comes back
through the same preview and all-or-nothing commit as the stages. Figures arrive as people type them:
full-width digits, thousands separators, the unit written after the number (「1,234校」).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from openpyxl.styles import Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from chiiki_iot.adoption import service
from chiiki_iot.adoption.models import InputValue, SurveyRound
from chiiki_iot.core import spreadsheets
from chiiki_iot.core.errors import InvalidInput, Problem, UserError
from chiiki_iot.core.fiscal import FiscalYear
from chiiki_iot.core.text import normalize
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

SHEET = "数値"
# The answer stays in column G, where workbooks already sent out have it; the year of the last figure follows.
COLUMNS = ["団体コード", "団体名", "項目", "項目識別子", "単位", "前回の値", "今回の値", "前回の値の年度"]
ANSWER_COLUMN = "今回の値"


@dataclass
class FigureRow:
    """One reported figure: a body's value of a KPI input for the round's fiscal year."""

    sheet_row: int
    body_code: str
    body_name: str
    input_slug: str
    input_name: str
    value: float
    previous: float | None

    @property
    def changes(self) -> bool:
        return self.previous is None or not math.isclose(self.previous, self.value)


def asked_inputs(session: Session, survey: SurveyRound) -> list[roadmap.KpiInput]:
    """The KPI inputs of this round, in roadmap order."""
    return [i for i in roadmap.list_kpi_inputs(session) if i.slug in (survey.input_slugs or [])]


def write_sheet(book, session: Session, survey: SurveyRound, bodies: list[registry.Body]) -> None:
    """Add the figures sheet, each body's last reported figures (and their year) pre-filled; nothing when the
    round asks none."""
    items = asked_inputs(session, survey)
    if not items:
        return
    sheet = book.create_sheet(SHEET)  # streamed (``adoption.workbooks.write_workbook``): layout first
    for letter, width in zip("ABCDEFGH", (10, 24, 40, 24, 8, 12, 12, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    # The item's identifier is how the sheet is read back, not something a person reads: hidden, kept.
    sheet.column_dimensions[get_column_letter(COLUMNS.index("項目識別子") + 1)].hidden = True
    answer = get_column_letter(COLUMNS.index(ANSWER_COLUMN) + 1)
    sheet.column_dimensions[answer].protection = Protection(locked=False)  # open for input, as a column
    sheet.freeze_panes = "C2"
    sheet.protection.sheet = True
    bold = spreadsheets.styled_cell(sheet, font=Font(bold=True))
    sheet.append(spreadsheets.data_row(sheet, COLUMNS, dict.fromkeys(range(len(COLUMNS)), bold)))
    last = service.latest_figures_before(
        session,
        fiscal_year=survey.fiscal_year,
        body_codes=None if len(bodies) > 500 else [b.code for b in bodies],
    )
    for body in bodies:
        for item in items:
            value, year = last.get((body.code, item.slug), (None, None))
            shown = for_people(value)
            figure = spreadsheets.styled_cell(sheet, number_format=number_format(shown))
            figure.value = shown
            year_label = FiscalYear(year).label() if year is not None else None
            values = [
                body.code,
                body.full_name,
                item.name_ja,
                item.slug,
                item.unit_ja,
                figure,
                None,
                year_label,
            ]
            sheet.append(spreadsheets.data_row(sheet, values))


def for_people(value: float | None) -> float | None:
    """A figure as a person reads it: whole numbers as integers, others to one decimal place (a ratio
    computed upstream can be 30201.3422818792; nobody reads or types that back)."""
    if value is None:
        return None
    rounded = round(value, 1)
    return int(rounded) if rounded.is_integer() else rounded


def number_format(value: float | None) -> str:
    """Thousands separators, and one decimal place only where the figure has one."""
    return "#,##0.0" if isinstance(value, float) else "#,##0"


def parse_figure(raw: object, item: roadmap.KpiInput, *, population: int | None = None) -> float:
    """「１，２３４」「1,234校」「12.5」 → a number; anything else is refused with the unit named, and so
    is a number beyond the unit's range or, given the body's ``population``, beyond its size."""
    if isinstance(raw, bool):
        raise _unreadable(raw, item)
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = normalize(str(raw)).replace(",", "").replace(" ", "")
        if item.unit_ja and text.endswith(normalize(item.unit_ja)):
            text = text[: -len(normalize(item.unit_ja))]
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise _unreadable(raw, item)
        value = float(text)
    service.check_input_value(item, value, population=population)
    return value


def _unreadable(raw: object, item: roadmap.KpiInput) -> InvalidInput:
    return InvalidInput(
        f"「{raw}」は数として読めません（{item.name_ja}、単位：{item.unit_ja}）",
        f"'{raw}' is not a number ({item.name_en}, in {item.unit_en})",
    )


def header_columns(sheet: Worksheet) -> dict[str, int]:
    """Column name → index, from the first row."""
    header = [
        normalize(str(v)) if v is not None else ""
        for v in next(sheet.iter_rows(max_row=1, values_only=True), ())
    ]
    return {name: header.index(normalize(name)) for name in COLUMNS if normalize(name) in header}


def read_sheet(
    sheet: Worksheet, session: Session, survey: SurveyRound, bodies: dict[str, registry.Body], resolve_body
) -> tuple[list[FigureRow], list[tuple[int, str, Problem]]]:
    """Every filled-in figure of the sheet, or the problems found, each with its row and column."""
    items = {i.slug: i for i in asked_inputs(session, survey)}
    by_name = {normalize(i.name_ja): i for i in items.values()}
    columns = header_columns(sheet)
    if ANSWER_COLUMN not in columns:
        return [], [
            (
                1,
                ANSWER_COLUMN,
                Problem(
                    f"{SHEET}シートに「{ANSWER_COLUMN}」の見出しがありません",
                    f"sheet {SHEET} has no '{ANSWER_COLUMN}' header",
                    f"{SHEET}シート 1行目",
                ),
            )
        ]
    rows: list[FigureRow] = []
    problems: list[tuple[int, str, Problem]] = []
    in_force = service.inputs_in_force(session, body_codes=None, fiscal_year=survey.fiscal_year)
    populations = registry.latest_populations(session)
    for number, cells in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        values = {name: cells[i] if i < len(cells) else None for name, i in columns.items()}
        raw = values.get(ANSWER_COLUMN)
        if raw is None or normalize(str(raw)) == "":
            continue
        fail = _reporter(problems, number)
        body = resolve_body(values, fail)
        item = items.get(normalize(str(values.get("項目識別子") or ""))) or by_name.get(
            normalize(str(values.get("項目") or ""))
        )
        if item is None:
            fail(
                "項目",
                None,
                f"項目「{values.get('項目')}」はこの調査で尋ねていません",
                f"'{values.get('項目')}' is not a figure this survey asks for",
            )
            continue
        try:
            value = parse_figure(raw, item, population=populations.get(body.code) if body else None)
        except UserError as error:
            fail(ANSWER_COLUMN, error)
            continue
        if body is not None:
            rows.append(
                FigureRow(
                    number,
                    body.code,
                    body.full_name,
                    item.slug,
                    item.name_ja,
                    value,
                    in_force.get((body.code, item.slug)),
                )
            )
    return rows, problems


def read_form(
    session: Session, survey: SurveyRound, body: registry.Body, figures: dict[str, str]
) -> tuple[list[FigureRow], list[Problem]]:
    """The online form's figures, checked by the same rule as the sheet's."""
    in_force = service.inputs_in_force(session, body_codes=[body.code], fiscal_year=survey.fiscal_year)
    population = registry.latest_populations(session, [body.code]).get(body.code)
    rows: list[FigureRow] = []
    problems: list[Problem] = []
    for number, item in enumerate(asked_inputs(session, survey), start=1):
        raw = normalize(figures.get(item.slug, ""))
        if not raw:
            continue
        try:
            rows.append(
                FigureRow(
                    number,
                    body.code,
                    body.full_name,
                    item.slug,
                    item.name_ja,
                    parse_figure(raw, item, population=population),
                    in_force.get((body.code, item.slug)),
                )
            )
        except UserError as error:
            problems.append(Problem(error.message_ja, error.message_en, f"{item.name_ja} / {item.name_en}"))
    return rows, problems


def _reporter(problems: list[tuple[int, str, Problem]], number: int):
    """A ``fail(column, error | None, ja, en)`` that files a problem against one row of the sheet."""

    def fail(column: str, error: UserError | None, ja: str = "", en: str = "") -> None:
        where = f"{SHEET}シート {number}行目 / sheet {SHEET}, row {number}, {column}"
        problems.append(
            (
                number,
                column,
                Problem(error.message_ja if error else ja, error.message_en if error else en, where),
            )
        )

    return fail


def record(session: Session, *, survey: SurveyRound, rows: list[FigureRow], actor: str) -> int:
    """Record every changed figure for the round's fiscal year (the caller has authorised the bodies)."""
    now, changed = dt.datetime.now(dt.UTC), 0
    for row in rows:
        if row.changes:
            session.add(
                InputValue(
                    body_code=row.body_code,
                    input_slug=row.input_slug,
                    fiscal_year=survey.fiscal_year,
                    value=row.value,
                    source_kind="survey",
                    source_ref=survey.slug,
                    recorded_at=now,
                    recorded_by=actor,
                )
            )
            changed += 1
    return changed
