"""The survey's Excel round trip: a workbook goes out pre-filled, comes back filled in, is previewed,
then committed all or nothing — or refused with every bad cell named, also as an annotated workbook.

What comes back is what people really send: full-width digits, 「実装済み」, 和暦 dates (令和2年4月1日,
R2.4.1), trailing blank rows, a header split over merged cells, a body named instead of coded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Font, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts import audit_recorder
from chiiki_iot.accounts.policy import Principal, authorize, can
from chiiki_iot.adoption import service, survey_figures, year_ends
from chiiki_iot.adoption.ladder import BARRIER_EN, Barrier, Stage, parse_stage
from chiiki_iot.adoption.models import BarrierReport, StatusChange, SurveyRound
from chiiki_iot.adoption.survey import answer_seen, claim_submission, mark_answered
from chiiki_iot.core import bulk, spreadsheets, workbook_values
from chiiki_iot.core.errors import InvalidInput, Problem, UserError
from chiiki_iot.core.fiscal import parse_date, today_in_japan
from chiiki_iot.core.text import clean_url, normalize, search_key
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.codes import normalize_code
from chiiki_iot.roadmap import service as roadmap

SHEET = "回答"
COLUMNS = [
    "団体コード",
    "団体名",
    "分野別モデル",
    "モデル識別子",
    "前回の段階",
    "今回の段階",
    "主な壁",
    "壁（その他の内容）",
    "事業名",
    "URL",
    "時点",
]
COLUMNS_EN = {
    "団体コード": "body code",
    "団体名": "body",
    "分野別モデル": "model",
    "今回の段階": "stage",
    "主な壁": "main barrier",
    "壁（その他の内容）": "barrier (other)",
    "事業名": "project",
    "URL": "URL",
    "時点": "date",
}
# A header as read is NFKC-normalised (「（」 becomes 「(」), so headers are matched on their normalised form.
_BY_NORMALISED = {normalize(name): name for name in COLUMNS}
ROUND_SHEET = "調査の回"  # very hidden: which round the workbook was written for
ROUND_PROPERTY = "chiiki-iot-round"  # the same, as a custom document property
INPUT_COLUMNS = {"今回の段階", "主な壁", "壁（その他の内容）", "事業名", "URL", "時点"}
MAX_ERRORS_SHOWN = 200


# ---- writing ------------------------------------------------------------------------------------------


def write_workbook(session: Session, *, survey: SurveyRound, body_codes: list[str] | None = None) -> bytes:
    """The survey workbook for some bodies (or all prefectures and municipalities), last answers pre-filled.

    Streamed (openpyxl's write-only mode): the national workbook's 41,124 rows go to the file as they are
    made instead of being kept as half a million cell objects first, so a sheet's layout (widths, frozen
    panes, protection) is set before its first row."""
    bodies = _bodies(session, body_codes)
    models = {m.slug: m for m in roadmap.list_models(session) if m.slug in survey.model_slugs}
    previous = survey.as_of - dt.timedelta(days=365)
    book = Workbook(write_only=True)
    _instructions(book.create_sheet("記入方法"), survey)
    sheet = book.create_sheet(SHEET)
    for index, name in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 14 if name not in ("団体名", "分野別モデル") else 28
        # The identifier is how the workbook is read back, not something a person reads: hidden, kept.
        sheet.column_dimensions[letter].hidden = name == "モデル識別子"
        if name in INPUT_COLUMNS:  # open for input as a column (Excel's way): no empty cell is written
            sheet.column_dimensions[letter].protection = Protection(locked=False)
    sheet.freeze_panes = "C2"
    sheet.protection.sheet = True  # codes, names and headers stay as sent; answer columns are open
    _validation(sheet, len(bodies) * len(models) + 1)
    bold = spreadsheets.styled_cell(sheet, font=Font(bold=True), protection=Protection(locked=True))
    sheet.append(spreadsheets.data_row(sheet, COLUMNS, dict.fromkeys(range(len(COLUMNS)), bold)))
    last = _stages_on(session, list(models), previous)
    for body in bodies:
        for slug, model in models.items():
            values = [body.code, body.full_name, model.name_ja, slug, last[slug].get(body.code, "")]
            sheet.append(spreadsheets.data_row(sheet, values))  # the answer columns follow, empty
    survey_figures.write_sheet(book, session, survey, bodies)
    _mark_round(book, survey)
    return spreadsheets.workbook_bytes(book)


def _mark_round(book: Workbook, survey: SurveyRound) -> None:
    """Write the round into the workbook twice (a very hidden sheet and a custom property), so a workbook
    sent back on another round's page is recognised even if one of the two was lost on the way."""
    sheet = book.create_sheet(ROUND_SHEET)
    for row in (
        ["回 / round", survey.slug],
        ["年度 / fiscal year", survey.fiscal_year],
        ["調査 / survey", survey.title],
    ):
        sheet.append(spreadsheets.data_row(sheet, row))
    sheet.sheet_state = "veryHidden"
    book.custom_doc_props.append(StringProperty(name=ROUND_PROPERTY, value=survey.slug))


def _round_of(book: workbook_values.WorkbookValues) -> str | None:
    """The round a workbook was written for, or None for workbooks older than the mark."""
    if ROUND_SHEET in book.sheetnames and (written := book[ROUND_SHEET]["B1"].value):
        return str(written).strip()
    return book.properties.get(ROUND_PROPERTY, "").strip() or None


def _check_round(
    session: Session, book: workbook_values.WorkbookValues, survey: SurveyRound, file_name: str
) -> list[Problem]:
    """Refuse a workbook of another round; an unmarked (older) workbook is read with a warning."""
    written_for = _round_of(book)
    if written_for is None:
        return [
            Problem(
                f"「{file_name}」にはどの回のブックかの記録がありません（以前の様式です）。{survey.title}の回答として読みました。"
                "内容が今回の回答で間違いないか確かめてください。",
                f"'{file_name}' does not say which round it was written for (an older workbook); it was read "
                f"as an answer to {survey.title}. Check that it really is this round's answer.",
            )
        ]
    if written_for != survey.slug:
        other = session.scalar(select(SurveyRound).where(SurveyRound.slug == written_for))
        other_ja = other.title if other else written_for
        raise WorkbookRefused(
            f"「{file_name}」は{other_ja}の回答用ブックです。{survey.title}には取り込めません。"
            f"{other_ja}のページから提出するか、{survey.title}のブックをダウンロードし直してください。",
            f"'{file_name}' is the workbook of {other_ja} ({written_for}); it cannot be imported into "
            f"{survey.title} ({survey.slug}). Submit it on that round's page or download this round's workbook.",
        )
    return []


def _stages_on(session: Session, model_slugs: list[str], day: dt.date) -> dict[str, dict[str, str]]:
    """model → body code → stage in force on ``day``, from one index seek per body and model
    (``service.stages_on``): loading every model's adoption as ORM objects took 3.3 s of a national import."""
    by_model: dict[str, dict[str, str]] = {slug: {} for slug in model_slugs}
    for (code, slug), stage in service.stages_on(session, day=day, model_slugs=model_slugs).items():
        by_model[slug][code] = stage
    return by_model


def _bodies(session: Session, codes: list[str] | None) -> list[registry.Body]:
    if codes:
        return [registry.get_body(session, c) for c in codes]
    return registry.counted_body_records(session)


def _instructions(sheet, survey: SurveyRound) -> None:
    sheet.title = "記入方法"
    lines = [
        survey.title,
        f"回答期限：{survey.deadline:%Y年%m月%d日}　回答の基準日：{survey.as_of:%Y年%m月%d日}",
        "",
        "1. 「回答」シートの「今回の段階」を一覧から選んでください（未着手・関心あり・検討中・実証中・実装済・中止・休止）。",
        "2. 取組の妨げになっていることがあれば「主な壁」を選び、「その他」のときは内容を書いてください。",
        "3. 事業名と URL は根拠として役立ちます。分かる範囲で書いてください。",
        (
            "4. 「時点」は段階になった日です。空欄なら提出した日（基準日が先ならその基準日）として扱います。"
            "未来の日付は使えません。和暦（令和2年4月1日、R2.4.1）も使えます。"
        ),
        "5. 団体コード・団体名・分野別モデルの列は変更しないでください（保護されています）。",
        (
            "6. 「数値」シートがあれば、今年度の値（学校数、拠点数など）を「今回の値」に数字で書いてください。"
            "前回の値（その年度は右の列）は参考です。分からない項目は空欄のままで構いません。"
        ),
        "7. 記入後、このファイルをそのまま提出してください。取り込み前に変更点の一覧を確認できます。",
        "",
        (
            "English: choose each model's stage in the '回答' sheet; barriers, project, URL and date are optional. "
            "Write this year's figures, if asked, in the '数値' sheet."
        ),
    ]
    sheet.column_dimensions["A"].width = 110
    title = spreadsheets.styled_cell(sheet, font=Font(bold=True, size=14))
    sheet.append(spreadsheets.data_row(sheet, lines[:1], {0: title}))
    for line in lines[1:]:
        sheet.append(spreadsheets.data_row(sheet, [line]))


def _validation(sheet, last_row: int) -> None:
    stages = DataValidation(
        type="list",
        formula1='"' + ",".join(s.value for s in Stage) + '"',
        allow_blank=True,
        errorTitle="段階",
        error="一覧から選んでください。",
    )
    barriers = DataValidation(
        type="list",
        formula1='"' + ",".join(b.value for b in Barrier) + '"',
        allow_blank=True,
        errorTitle="壁",
        error="一覧から選んでください。",
    )
    sheet.data_validations.append(
        stages
    )  # (a streamed sheet has no add_data_validation; the list is the same)
    sheet.data_validations.append(barriers)
    stages.add(f"F2:F{max(last_row, 2)}")
    barriers.add(f"G2:G{max(last_row, 2)}")


# ---- reading ------------------------------------------------------------------------------------------


@dataclass
class AnswerRow:
    sheet_row: int
    body_code: str
    body_name: str
    model_slug: str
    stage: Stage
    previous: str | None
    effective_on: dt.date
    barrier: Barrier | None
    barrier_text: str
    project: str
    url: str

    @property
    def changes(self) -> bool:
        return self.previous != self.stage.value


@dataclass
class WorkbookPlan:
    """What a workbook (or the form) would record. ``received_on`` is the day it was sent: an undated answer
    takes it (never a day after it), and a typed date after it is refused. ``principal``, when given, is the
    sender: rows for bodies outside their scope are errors of the preview, not a refusal at commit."""

    round_slug: str
    file_name: str
    rows: list[AnswerRow] = field(default_factory=list)
    figures: list[survey_figures.FigureRow] = field(default_factory=list)
    unanswered: int = 0
    received_on: dt.date = field(default_factory=today_in_japan)
    principal: Principal | None = field(default=None, repr=False)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def change_count(self) -> int:
        return sum(r.changes for r in self.rows)

    @property
    def figure_change_count(self) -> int:
        return sum(f.changes for f in self.figures)

    @property
    def body_codes(self) -> list[str]:
        return sorted({r.body_code for r in self.rows} | {f.body_code for f in self.figures})


class WorkbookRefused(InvalidInput):
    """Problems found in a workbook; ``annotated`` is the same workbook with each bad cell marked and
    ``cells`` the same problems as (sheet, row, column, problem) for the page's list."""

    annotated: bytes = b""
    cells: list[tuple[str, int, str, Problem]] = []  # noqa: RUF012 - replaced per instance, never mutated


def plan_workbook(
    session: Session,
    *,
    survey: SurveyRound,
    data: bytes | None = None,
    values: workbook_values.WorkbookValues | None = None,
    file_name: str,
    received_on: dt.date | None = None,
    principal: Principal | None = None,
    annotate: bool = True,
) -> WorkbookPlan:
    """Read a filled-in workbook into a plan, or refuse it with every bad cell named (and, where
    ``annotate``, a copy of the workbook with them marked). Give the file's ``data``, or its ``values``
    read earlier by ``read_values`` (so that a commit reads the file before it takes the write lock).
    ``received_on`` is the upload date (today by default); ``principal`` the uploader, whose scope limits
    the rows."""
    if values is None:
        assert data is not None, "plan_workbook needs the file or its values"
        values = read_values(session, survey=survey, data=data, file_name=file_name)
    plan, marks, problems = _plan(session, survey, values, file_name, received_on, principal)
    if problems:
        error = WorkbookRefused(
            f"「{file_name}」に {len(problems)} 件の誤りがあるため、取り込みませんでした。注記付きのブックで場所を確認できます。",
            f"'{file_name}' has {len(problems)} problem(s); nothing was imported. The annotated workbook marks each.",
            problems=[p for _, _, p in problems[:MAX_ERRORS_SHOWN]],
        )
        error.cells = [
            (title, number, column, p) for title, _, found in marks for number, column, p in found
        ][:MAX_ERRORS_SHOWN]
        if annotate and data is not None and _annotatable(data, file_name, session, survey):
            error.annotated = workbook_values.annotated_copy(data, name=file_name, marks=_cell_marks(marks))
        raise error
    return plan


def read_values(
    session: Session, *, survey: SurveyRound, data: bytes, file_name: str
) -> workbook_values.WorkbookValues:
    """The workbook's cell values, read in an isolated process within the upload limits; each sheet may
    hold at most ``upload_row_limit`` rows. Holds no lock: call it before a write transaction begins."""
    return workbook_values.read_workbook(data, name=file_name, max_rows=upload_row_limit(session, survey))


def upload_row_limit(session: Session, survey: SurveyRound) -> int:
    """The most rows a sheet of this round's workbook can need: every counted body × the round's models (or
    figures), with room for headers, notes and a tenth more. A used range beyond it is refused unread."""
    per_body = max(len(survey.model_slugs), len(survey.input_slugs or []), 1)
    return registry.count_counted(session) * per_body * 11 // 10 + _ROW_MARGIN


_ROW_MARGIN = 1000
ANNOTATE_MAX_CELLS = 2_000_000
"""An annotated copy needs the whole workbook in memory (openpyxl's editable mode); the national workbook
has about 800,000 cells. Beyond this the problems are listed on the page without a copy."""


def check_upload(session: Session, *, survey: SurveyRound, data: bytes, file_name: str) -> None:
    """The checks that cost nothing (size, zip directory, declared sheet sizes), for refusing an upload
    before it is stored; ``plan_workbook`` repeats them."""
    spreadsheets.check_xlsx(data, name=file_name, max_rows=upload_row_limit(session, survey))


Marks = list[tuple[str, dict[str, int], list[tuple[int, str, Problem]]]]
"""Per sheet: its title, its named columns and the problems found in it (row, column name, problem)."""


def _plan(
    session: Session,
    survey: SurveyRound,
    book: workbook_values.WorkbookValues,
    file_name: str,
    received_on: dt.date | None,
    principal: Principal | None,
) -> tuple[WorkbookPlan, Marks, list[tuple[int, str, Problem]]]:
    """``plan_workbook`` on the values read: the plan, where to mark each problem, and the problems."""
    sheet = (
        book[SHEET]
        if SHEET in book.sheetnames
        else next(
            (ws for ws in book.worksheets if ws.title not in ("記入方法", survey_figures.SHEET, ROUND_SHEET)),
            book.worksheets[-1] if book.worksheets else None,
        )
    )
    if sheet is None:
        raise InvalidInput(
            f"「{file_name}」に「{SHEET}」シートがありません。", f"'{file_name}' has no '{SHEET}' sheet."
        )
    warnings = _check_round(session, book, survey, file_name)
    header_row, columns = _header(sheet)
    if "今回の段階" not in columns or ("団体コード" not in columns and "団体名" not in columns):
        raise InvalidInput(
            f"「{file_name}」の「{sheet.title}」シートに「団体コード」「今回の段階」の見出しがありません。",
            f"Sheet '{sheet.title}' of '{file_name}' has no '団体コード'/'今回の段階' headers.",
        )
    plan = WorkbookPlan(
        survey.slug,
        file_name,
        received_on=received_on or today_in_japan(),
        principal=principal,
        warnings=warnings,
    )
    problems: list[tuple[int, str, Problem]] = []
    models = {m.slug: m for m in roadmap.list_models(session)}
    by_name = {search_key(m.name_ja): m.slug for m in models.values()}
    on_as_of = _stages_on(session, list(survey.model_slugs), survey.as_of)
    current: dict[tuple[str, str, dt.date], str | None] = {}
    bodies = registry.bodies_by_code(session)
    for number, cells in enumerate(
        sheet.iter_rows(min_row=header_row + 1, max_col=max(columns.values()) + 1), start=header_row + 1
    ):
        values = {name: cells[i] for name, i in columns.items()}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue  # blank rows, trailing or not
        row_problems = _read_row(session, survey, number, values, by_name, (on_as_of, current), bodies, plan)
        problems.extend((number, column, p) for column, p in row_problems)
    problems.extend(_duplicate_rows(plan.rows))
    marks: Marks = [(sheet.title, columns, problems)]
    if survey_figures.SHEET in book.sheetnames:
        figures_sheet = book[survey_figures.SHEET]
        plan.figures, figure_problems = survey_figures.read_sheet(
            figures_sheet,
            session,
            survey,
            bodies,
            lambda values, fail: _body(session, values, fail, bodies, principal),
        )
        marks.append((figures_sheet.title, survey_figures.header_columns(figures_sheet), figure_problems))
        problems = problems + figure_problems
    return plan, marks, problems


def _duplicate_rows(rows: list[AnswerRow]) -> list[tuple[int, str, Problem]]:
    """Two rows for one body and model in one file would record two contradictory stages on one day:
    each later row is an error that names the first, so the sender can see which to keep."""
    first: dict[tuple[str, str], int] = {}
    problems: list[tuple[int, str, Problem]] = []
    for row in rows:
        key = (row.body_code, row.model_slug)
        if key not in first:
            first[key] = row.sheet_row
            continue
        problems.append(
            (
                row.sheet_row,
                "団体コード",
                Problem(
                    f"{row.body_name}の{row.model_slug}が {first[key]}行目と {row.sheet_row}行目の二度あります。"
                    "どちらか一方にしてください",
                    f"{row.body_name} / {row.model_slug} appears twice, in rows {first[key]} and {row.sheet_row}; "
                    "keep one of them",
                    f"{SHEET}シート {row.sheet_row}行目 / sheet {SHEET}, row {row.sheet_row}, 団体コード",
                ),
            )
        )
    return problems


def _header(sheet) -> tuple[int, dict[str, int]]:
    """The header row among the first rows, reading a name from the row above where cells were merged."""
    rows = list(sheet.iter_rows(min_row=1, max_row=8, values_only=True))
    for r, cells in enumerate(rows):
        names: dict[str, int] = {}
        for c, value in enumerate(cells):
            text = normalize(str(value)) if value is not None else ""
            if not text and r > 0 and c < len(rows[r - 1]) and rows[r - 1][c] is not None:
                text = normalize(str(rows[r - 1][c]))
            if text in _BY_NORMALISED:
                names.setdefault(_BY_NORMALISED[text], c)
        if "今回の段階" in names:
            return r + 1, names
    return 1, {}


def _read_row(
    session: Session,
    survey: SurveyRound,
    number: int,
    values: dict[str, object],
    by_name: dict[str, str],
    known: tuple[dict[str, dict[str, str]], dict[tuple[str, str, dt.date], str | None]],
    bodies: dict[str, registry.Body],
    plan: WorkbookPlan,
) -> list[tuple[str, Problem]]:
    where = f"{SHEET}シート {number}行目 / sheet {SHEET}, row {number}"
    problems: list[tuple[str, Problem]] = []

    def fail(column: str, error: UserError | None, ja: str = "", en: str = "") -> None:
        problems.append(
            (
                column,
                Problem(
                    error.message_ja if error else ja, error.message_en if error else en, f"{where}, {column}"
                ),
            )
        )

    stage_text = _text(values.get("今回の段階"))
    if not stage_text:
        plan.unanswered += 1
        return []
    body = _body(session, values, fail, bodies, plan.principal)
    model = _text(values.get("モデル識別子")) or by_name.get(
        search_key(_text(values.get("分野別モデル"))), ""
    )
    if model not in survey.model_slugs:
        fail(
            "分野別モデル",
            None,
            f"分野別モデル「{model or values.get('分野別モデル')}」はこの調査の対象ではありません",
            f"model '{model}' is not part of this survey",
        )
    try:
        stage = parse_stage(stage_text)
    except UserError as error:
        fail("今回の段階", error)
        stage = None
    day = min(
        survey.as_of, plan.received_on
    )  # undated: the 基準日, or the day it was sent if that is earlier
    if _text(values.get("時点")):
        try:
            day = parse_date(values.get("時点"))
        except ValueError:
            fail(
                "時点",
                None,
                f"日付「{values.get('時点')}」が読めません（例 2020-04-01、令和2年4月1日、R2.4.1）",
                f"cannot read the date '{values.get('時点')}' (e.g. 2020-04-01, R2.4.1)",
            )
        if day > plan.received_on:
            fail(
                "時点",
                None,
                f"日付 {day:%Y年%m月%d日} は未来です（提出日 {plan.received_on:%Y年%m月%d日} より後）。"
                "段階になった日を書いてください",
                f"the date {day} is in the future (after the day it was sent, "
                f"{plan.received_on}); write the day the stage was reached",
            )
        else:
            try:  # the one rule for every way of recording a status: not before the programme, not ahead
                service.check_effective_on(day)
            except UserError as error:
                fail("時点", error)
    barrier = None
    if _text(values.get("主な壁")):
        barrier = next(
            (b for b in Barrier if search_key(b.value) == search_key(_text(values.get("主な壁")))), None
        )
        if barrier is None:
            fail(
                "主な壁",
                None,
                f"壁「{values.get('主な壁')}」は一覧にありません",
                f"barrier '{values.get('主な壁')}' is not one of {', '.join(BARRIER_EN.values())}",
            )
        else:
            try:
                service.check_barrier(barrier, _text(values.get("壁（その他の内容）")))
            except UserError as error:
                fail("壁（その他の内容）", error)
    try:
        clean_url(_text(values.get("URL")))
    except UserError as error:
        fail("URL", error)
    if problems or body is None or stage is None:
        return problems
    plan.rows.append(
        AnswerRow(
            number,
            body.code,
            body.full_name,
            model,
            stage,
            _previous(session, known, body.code, model, day, survey),
            day,
            barrier,
            _text(values.get("壁（その他の内容）")),
            _text(values.get("事業名")),
            _text(values.get("URL")),
        )
    )
    return problems


def _previous(
    session: Session,
    known: tuple[dict[str, dict[str, str]], dict[tuple[str, str, dt.date], str | None]],
    code: str,
    model: str,
    day: dt.date,
    survey: SurveyRound,
) -> str | None:
    """The stage in force for (body, model) on ``day``: preloaded for the round's date, else looked up once."""
    on_as_of, others = known
    if day == survey.as_of:
        return on_as_of.get(model, {}).get(code)
    if (code, model, day) not in others:
        status = service.status_of_body(session, code, as_of=day)
        for slug in survey.model_slugs:
            others[(code, slug, day)] = status[slug].stage if slug in status else None
    return others.get((code, model, day))


def _text(value: object) -> str:
    return "" if value is None else normalize(str(value))


def _body(
    session: Session,
    values: dict[str, object],
    fail,
    bodies: dict[str, registry.Body],
    principal: Principal | None = None,
) -> registry.Body | None:
    """The row's body, or None with the problem filed; a body outside the sender's scope is a problem here,
    in the preview, rather than a refusal of the whole file at commit."""
    body = _find_body(session, values, fail, bodies)
    if (
        body is not None
        and principal is not None
        and not can(principal, "status.record", registry.policy_target(body))
    ):
        column = (
            "団体コード"
            if values.get("団体コード") is not None and _text(values.get("団体コード"))
            else "団体名"
        )
        fail(
            column,
            None,
            f"{body.full_name}（{body.code}）はあなたの担当外です。担当する団体の行だけを提出してください",
            f"{body.full_name} ({body.code}) is outside your scope; submit rows for your own bodies only",
        )
        return None
    return body


def _find_body(
    session: Session, values: dict[str, object], fail, bodies: dict[str, registry.Body]
) -> registry.Body | None:
    raw = values.get("団体コード")
    if raw is not None and _text(raw):
        try:
            code = normalize_code(str(raw))
        except UserError as error:
            fail("団体コード", error)
            return None
        if code not in bodies:
            fail(
                "団体コード",
                None,
                f"団体コード {code} は登録されていない団体です",
                f"code {code} is not a registered body",
            )
            return None
        try:
            service.check_counted(bodies[code])
        except UserError as error:
            fail("団体コード", error)
            return None
        return bodies[code]
    name = _text(values.get("団体名"))
    found = [
        b
        for b in registry.search_bodies(session, name, limit=5)
        if search_key(b.full_name) == search_key(name) or search_key(b.name) == search_key(name)
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        fail("団体名", None, f"団体名「{name}」に当たる団体がありません", f"no body is named '{name}'")
    else:
        fail(
            "団体名",
            None,
            f"団体名「{name}」に当たる団体が複数あります（{'、'.join(b.full_name for b in found)}）。"
            "都道府県名から書くか団体コードを入れてください",
            f"'{name}' matches several bodies; add the prefecture or code",
        )
    return None


def _column_of(columns: dict[str, int], column: str) -> int:
    """Where to mark a problem: its own column, or — when the sheet lacks it — the column it depends on."""
    for name in (column, *_FALLBACK.get(column, ())):
        if name in columns:
            return columns[name]
    return 0


_FALLBACK = {"壁（その他の内容）": ("主な壁",), "モデル識別子": ("分野別モデル",), "団体名": ("団体コード",)}


def _annotatable(data: bytes, file_name: str, session: Session, survey: SurveyRound) -> bool:
    """Whether the whole workbook may be loaded for an annotated copy: every sheet declares its size and
    all of them together stay within ``ANNOTATE_MAX_CELLS``."""
    declared = spreadsheets.check_xlsx(data, name=file_name, max_rows=upload_row_limit(session, survey))
    if any(s.rows is None or s.columns is None for s in declared):
        return False
    return sum((s.rows or 0) * (s.columns or 0) for s in declared) <= ANNOTATE_MAX_CELLS


def _cell_marks(marks: Marks) -> list[workbook_values.CellMark]:
    return [
        workbook_values.CellMark(
            title, number, _column_of(columns, column) + 1, column, problem.message_ja, problem.message_en
        )
        for title, columns, problems in marks
        for number, column, problem in problems
    ]


# ---- committing ---------------------------------------------------------------------------------------


def apply_workbook(session: Session, *, survey: SurveyRound, plan: WorkbookPlan, principal: Principal) -> int:
    """Record every changed answer and every reported barrier; mark the bodies as answered. All or nothing
    (the caller's transaction); a workbook whose answers are already in force changes nothing."""
    if survey.state != "open":
        raise InvalidInput(f"{survey.title} は締め切られています。", f"{survey.title} is closed.")
    now = dt.datetime.now(dt.UTC)
    bodies = registry.bodies_by_code(session, plan.body_codes)
    for code in plan.body_codes:
        authorize(principal, "status.record", registry.policy_target(bodies[code]))
    known_barriers = _barriers_of_round(session, survey, plan.body_codes)
    changes = [
        {
            "body_code": row.body_code,
            "model_slug": row.model_slug,
            "stage": row.stage.value,
            "effective_on": row.effective_on,
            "source_kind": "survey",
            "source_ref": survey.slug,
            "evidence": {k: v for k, v in (("project", row.project), ("url", row.url)) if v},
            "recorded_at": now,
            "recorded_by": principal.actor,
        }
        for row in plan.rows
        if row.changes
    ]
    _insert_audited(session, StatusChange, changes)
    changed = len(changes)
    for row in plan.rows:
        if row.barrier and (row.body_code, row.model_slug, row.barrier.value) not in known_barriers:
            session.add(
                BarrierReport(
                    body_code=row.body_code,
                    model_slug=row.model_slug,
                    barrier=row.barrier.value,
                    other_text=row.barrier_text,
                    reported_on=row.effective_on,
                    source_kind="survey",
                    source_ref=survey.slug,
                    recorded_by=principal.actor,
                )
            )
    changed += survey_figures.record(session, survey=survey, rows=plan.figures, actor=principal.actor)
    mark_answered(session, survey=survey, body_codes=plan.body_codes, actor=principal.actor)
    session.flush()
    return changed


def _insert_audited(session: Session, table: type[StatusChange], rows: list[dict[str, Any]]) -> None:
    """Insert many rows in one statement (a national workbook is 41,124 status changes: one ORM object each
    took most of a commit's time) with the audit entries the flush hook would have written for them."""
    if not rows:
        return
    keys = bulk.insert_rows(session, table, rows, ids=True)
    audit_recorder.record_bulk_creation(session, entity=table.__tablename__, rows=rows, keys=keys)
    year_ends.note_inserted(session, keys, rows)


def _barriers_of_round(
    session: Session, survey: SurveyRound, body_codes: list[str]
) -> set[tuple[str, str, str]]:
    """Barriers already reported in this round by these bodies, so that an unchanged re-upload adds none
    (one body's online answer reads that body's reports only)."""
    query = select(BarrierReport.body_code, BarrierReport.model_slug, BarrierReport.barrier).where(
        BarrierReport.source_ref == survey.slug, BarrierReport.source_kind == "survey"
    )
    if len(body_codes) <= _FEW_BODIES:
        query = query.where(BarrierReport.body_code.in_(body_codes))
    rows = session.execute(query)
    return {(c, m, b) for c, m, b in rows}


_FEW_BODIES = 200  # up to this many bodies, a read names them; a national workbook reads the whole round once
FORM_FIGURES = "_figures"  # the key of the form's figures among its answers (model slugs never start with _)


def plan_from_form(
    session: Session,
    *,
    survey: SurveyRound,
    body_code: str,
    answers: dict[str, dict[str, str]],
    received_on: dt.date | None = None,
) -> WorkbookPlan:
    """The online form's answers read exactly as workbook rows are, so one set of rules checks both; the
    form has no date, so its answers take the day it was sent (or the round's 基準日 if that is earlier)."""
    body = registry.get_body(session, body_code)
    models = {m.slug: m for m in roadmap.list_models(session)}
    plan = WorkbookPlan(survey.slug, "form", received_on=received_on or today_in_japan())
    problems: list[tuple[int, str, Problem]] = []
    # Only this body's rows: the form answers for one body, so it must not read every body's status.
    in_force = service.stages_of_body(session, body.code, as_of=survey.as_of)
    on_as_of = {slug: {body.code: in_force[slug]} for slug in survey.model_slugs if slug in in_force}
    for number, slug in enumerate(survey.model_slugs, start=1):
        answer = answers.get(slug, {})
        values: dict[str, object] = {
            "団体コード": body.code,
            "モデル識別子": slug,
            "分野別モデル": models[slug].name_ja,
            "今回の段階": answer.get("stage", ""),
            "主な壁": answer.get("barrier", ""),
            "壁（その他の内容）": answer.get("barrier_text", ""),
            "事業名": answer.get("project", ""),
            "URL": answer.get("url", ""),
        }
        row_problems = _read_row(session, survey, number, values, {}, (on_as_of, {}), {body.code: body}, plan)
        model = models[slug]
        problems.extend(
            (
                number,
                c,
                Problem(
                    p.message_ja,
                    p.message_en,
                    f"{model.name_ja}「{c}」 / {model.name_en}, {COLUMNS_EN.get(c, c)}",
                ),
            )
            for c, p in row_problems
        )
    plan.figures, figure_problems = survey_figures.read_form(
        session, survey, body, answers.get(FORM_FIGURES, {})
    )
    if problems or figure_problems:
        raise InvalidInput(
            "回答に誤りがあります。",
            "Some answers are not valid.",
            problems=[p for _, _, p in problems] + figure_problems,
        )
    return plan


def submit_form(
    session: Session,
    *,
    survey: SurveyRound,
    body_code: str,
    answers: dict[str, dict[str, str]],
    principal: Principal,
) -> int:
    """提出 of the online form: read the body's response, plan the answers, win the submission (or 409), then
    record — so two simultaneous submits of one body's answer record it once. Touches only that body's rows."""
    body = registry.get_body(session, body_code)
    authorize(principal, "status.record", registry.policy_target(body))
    seen = answer_seen(session, survey=survey, body_code=body.code)
    plan = plan_from_form(session, survey=survey, body_code=body.code, answers=answers)
    if survey.state != "open":
        raise InvalidInput(f"{survey.title} は締め切られています。", f"{survey.title} is closed.")
    # Claim and record as one savepoint: a refusal while recording undoes the claim too, even when the page
    # catches the error to show the form again and the request then commits.
    with session.begin_nested():
        claim_submission(session, survey=survey, body_code=body.code, seen=seen, actor=principal.actor)
        return apply_workbook(session, survey=survey, plan=plan, principal=principal)
