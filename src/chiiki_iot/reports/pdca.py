"""The PDCA report (PDCAサイクルの報告): for a date (usually a survey round's 基準日) and a scope, an Excel
workbook — a summary, one sheet per measured KPI with its chart, the status of every body, the changes
since the previous 年度末 — and the same content as a print-ready HTML page (A4).

Every number comes from ``progress.service``, the same functions the dashboard and the API call, so the
workbook's figures are the API's figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from chiiki_iot.core.fiscal import JAPAN, FiscalYear, format_date, today_in_japan
from chiiki_iot.core.spreadsheets import workbook_bytes
from chiiki_iot.improvement import countermeasures, opinions
from chiiki_iot.progress import service
from chiiki_iot.progress.service import FORECAST_LABELS, Facts, KpiProgress, Scope
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support import menus, outcomes, plans

SUMMARY_COLUMNS = [
    "KPI",
    "分野別モデル",
    "測定方法",
    "実績",
    "単位",
    "報告団体数",
    "対象団体数",
    "数値の年度",
    "うち暫定",
    "目標",
    "目標に対する割合",
    "評価",
    "ペース比",
    "目標年度",
    "目標年度の見通し",
    "見通しの方法",
    "前年度からの変化",
]
FORBIDDEN_IN_SHEET_NAMES = str.maketrans({c: "・" for c in "[]:*?/\\"})
Progress = Callable[[str], None]


LAGGING = ("要注意", "遅延")


@dataclass(frozen=True)
class ActRow:
    """Act: a KPI of the report that lags or has countermeasures, with each one's status and progress
    (none: the KPI lags and nothing is being done, which the report says in so many words)."""

    progress: KpiProgress
    countermeasures: list[tuple[countermeasures.Countermeasure, float]]

    @property
    def unanswered(self) -> bool:
        return self.progress.rating.value in LAGGING and not self.countermeasures


@dataclass
class Report:
    """What the workbook and the HTML page both show."""

    scope: Scope
    as_of: dt.date
    facts: Facts
    kpis: list[KpiProgress]
    changes: list[tuple[str, str, str, str, str]]  # body code, body name, model, before, after
    plans: list[plans.Coverage] = field(default_factory=list)  # prefectures in scope
    outcomes: list[tuple[str, str, outcomes.Outcome]] = field(
        default_factory=list
    )  # measure (ja, en), outcome
    act: list[ActRow] = field(default_factory=list)
    opinions: list[opinions.Opinion] = field(default_factory=list)  # triaged since the previous 年度末
    owners: dict[int, str] = field(default_factory=dict)  # countermeasure id → its owner, as named
    block_names: dict[str, str] = field(default_factory=dict)

    @property
    def generated_on(self) -> dt.date:
        return today_in_japan()


def build(session: Session, *, scope: Scope, as_of: dt.date, step: Progress = lambda _: None) -> Report:
    step("facts")
    known = service.facts_on(session, as_of)
    step("kpis")
    kpis = service.overview(session, scope, as_of=as_of)
    step("changes")
    changes = _changes(session, known, scope)
    step("support")
    coverage = [c for c in plans.coverage(session, level="prefecture", as_of=as_of) if scope.holds(c.key)]
    if scope.kind == "nation":
        coverage = plans.coverage(session, level="nation", as_of=as_of) + coverage
    results = [
        (m.name_ja, m.name_en, outcomes.outcome(session, m.slug, as_of=as_of))
        for m in menus.list_measures(session)
    ]
    step("act")
    answered = countermeasures.open_for_kpis(session)
    act = [
        ActRow(p, answered.get(p.kpi.slug, []))
        for p in kpis
        if p.rating.value in LAGGING or answered.get(p.kpi.slug)
    ]
    since = _previous_year_end(known)
    triaged = [
        o for o in opinions.triaged_since(session, since)
        if o.triaged_at is not None and o.triaged_at.astimezone(JAPAN).date() <= as_of
    ]  # fmt: skip
    owners = {cm.id: countermeasures.owner_label(session, cm) for row in act for cm, _ in row.countermeasures}
    blocks = {b.slug: b.name_ja for b in registry.list_blocks(session)}
    return Report(scope, as_of, known, kpis, changes, coverage, results, act, triaged, owners, blocks)


def _previous_year_end(known: Facts) -> dt.datetime | None:
    """The end of the last fiscal year before the report's date (the report covers what came after)."""
    year = _previous_year(known)
    return None if year is None else dt.datetime.combine(FiscalYear(year).end, dt.time.max, tzinfo=JAPAN)


def _previous_year(known: Facts) -> int | None:
    """The last fiscal year ended before the report's date (the changes and the opinions count from it)."""
    ends = [y for y in known.years if FiscalYear(y).end < known.as_of]
    return ends[-1] if ends else None


def _changes(session: Session, known: Facts, scope: Scope) -> list[tuple[str, str, str, str, str]]:
    """Status changes since the previous 年度末: from the last fiscal-year end before the report's date
    to the date itself (which may be a 年度末, then the one before it is the base)."""
    year = _previous_year(known)
    before = known.stages[year] if year is not None else {}
    after = known.current
    names = {b.code: b.full_name for b in known.bodies}
    out = []
    model_names = {m.slug: m.name_ja for m in roadmap.list_models(session)}
    for (code, model), stage in sorted(after.items()):
        old = before.get((code, model), "未報告")
        if stage != old and scope.holds(code) and code in names:
            out.append((code, names[code], model_names.get(model, model), old, stage))
    return out


def summary_rows(report: Report) -> list[list[object]]:
    """One row per KPI, in SUMMARY_COLUMNS order: Japanese names and labels, figures rounded as people read
    them (the API keeps full precision), and what each figure covers."""
    rows: list[list[object]] = []
    for p in report.kpis:
        c = p.coverage
        years = (
            ""
            if c is None or c.first_year is None
            else (
                FiscalYear(c.first_year).label()
                if c.first_year == c.last_year
                else f"{FiscalYear(c.first_year).label()}〜{FiscalYear(c.last_year or c.first_year).label()}"
            )
        )
        rows.append(
            [
                p.kpi.name_ja,
                p.kpi.model.name_ja,
                service.METHOD_LABELS.get(p.method, p.method),
                _for_people(p.value)
                if p.value is not None
                else ("定性目標" if p.method == "not-measured" else "未報告"),
                p.kpi.unit_ja,
                c.reported if c else None,
                c.eligible if c else None,
                years,
                c.provisional if c else None,
                _for_people(p.target),
                round(p.share_of_target, 4) if p.share_of_target is not None else None,
                p.rating.value,
                round(p.pace_ratio, 2) if p.pace_ratio is not None else None,
                FiscalYear(p.kpi.target_fiscal_year).label(),
                _for_people(p.forecast_at_target_year),
                FORECAST_LABELS.get(p.outlook.method, p.outlook.method),
                _for_people(p.change_per_round),
            ]
        )
    return rows


def _for_people(value: float | None) -> float | int | None:
    """A figure as a person reads it: whole numbers as such, others to one decimal place."""
    if value is None:
        return None
    return round(value) if abs(value - round(value)) < 1e-9 or abs(value) >= 1000 else round(value, 1)


def sheet_names(report: Report) -> list[str]:
    """One Japanese sheet name per KPI with a series: numbered, at most 31 characters (Excel's limit), none
    of the characters Excel refuses, and unique (the number makes them so)."""
    return [
        f"{i:02d} {p.kpi.name_ja.translate(FORBIDDEN_IN_SHEET_NAMES)}"[:31]
        for i, p in enumerate((p for p in report.kpis if p.points), start=1)
    ]


def workbook(session: Session, report: Report, *, step: Progress = lambda _: None) -> bytes:
    book = Workbook()
    _summary(book.active, report)
    for name, progress in zip(sheet_names(report), (p for p in report.kpis if p.points), strict=True):
        step(progress.kpi.name_ja)
        _kpi_sheet(book.create_sheet(name), progress)
    step("bodies")
    _status_sheet(book.create_sheet("団体別の状況"), session, report)
    changes = book.create_sheet("前年度からの変更")
    changes.append(["団体コード", "団体名", "分野別モデル", "前年度末", "基準日"])
    for row in report.changes:
        changes.append(list(row))
    _widths(changes, [10, 28, 24, 12, 12])
    _plan_sheet(book.create_sheet("計画策定の状況"), report)
    _outcome_sheet(book.create_sheet("支援の成果"), report)
    _act_sheet(book.create_sheet("改善（Act）"), report)
    _opinion_sheet(book.create_sheet("意見の仕分け"), report)
    return workbook_bytes(book)


ACT_COLUMNS = ["KPI", "評価", "対応策", "担当", "状況", "進捗（%）", "次のマイルストーン", "期限"]
OPINION_COLUMNS = ["意見", "地域ブロック", "発言者", "内容", "仕分け", "回答", "改定の提案", "仕分けた日"]


def _act_sheet(sheet, report: Report) -> None:
    """Act: each lagging KPI (or one with countermeasures) with its countermeasures, or 対応策なし."""
    sheet.append(ACT_COLUMNS)
    for row in report.act:
        name, rating = row.progress.kpi.name_ja, row.progress.rating.value
        if row.unanswered:
            sheet.append([name, rating, "対応策なし"])
        for cm, value in row.countermeasures:
            pending = [m for m in cm.milestones if m.done_on is None]
            sheet.append([
                name, rating, cm.title, report.owners[cm.id],
                countermeasures.STATUSES[cm.status], round(value, 1),
                pending[0].title if pending else "", pending[0].due_on if pending else None,
            ])  # fmt: skip
    sheet.append([])
    sheet.append(
        ["評価が要注意・遅延の KPI と、実施中・未着手の対応策。進捗は下位の対応策の加重平均（中止を除く）。"]
    )
    _widths(sheet, [34, 8, 34, 18, 8, 10, 28, 12])


def _opinion_sheet(sheet, report: Report) -> None:
    """Opinions triaged since the previous 年度末, with the reply the council sees."""
    sheet.append(OPINION_COLUMNS)
    for o in report.opinions:
        sheet.append([o.id, report.block_names.get(o.block_slug, "全国"), o.raised_by, o.text, opinions.TRIAGE[o.triage], o.reply,
                      o.proposal, o.triaged_at.astimezone(JAPAN).date() if o.triaged_at else None])  # fmt: skip
    _widths(sheet, [6, 12, 18, 50, 14, 40, 30, 12])


PLAN_COLUMNS = ["都道府県", "団体数", "計画あり（策定済・改定済）", "策定中", "計画ありの割合",
                "実装済のモデルがある割合（計画あり）", "同（計画なし）"]  # fmt: skip
OUTCOME_COLUMNS = ["支援", "支援した団体×モデル", "比較できた数", "段階が上がった割合（支援あり）",
                   "同（比較対象）", "差", "95%信頼区間（下限）", "95%信頼区間（上限）", "判断"]  # fmt: skip


def _plan_sheet(sheet, report: Report) -> None:
    """計画策定支援: plans in force by prefecture beside implementation (observational)."""
    sheet.append(PLAN_COLUMNS)
    for c in report.plans:
        sheet.append([c.label_ja, c.bodies, c.in_force, c.drafting, c.share,
                      c.implementing_share_with_plan, c.implementing_share_without_plan])  # fmt: skip
    sheet.append([])
    sheet.append(["記録のない団体は計画なしに数える。割合の比較は観察によるもので、因果を示さない。"])
    _widths(sheet, [14, 8, 14, 8, 12, 18, 12])


def _outcome_sheet(sheet, report: Report) -> None:
    """The support package's outcomes per measure, against matched unsupported bodies (observational)."""
    sheet.append(OUTCOME_COLUMNS)
    for name, _, o in report.outcomes:
        verdict = "比較できる数あり" if o.enough else "少なすぎて判断できない"
        sheet.append([name, o.units, o.matched, o.supported_share, o.comparison_share, o.difference,
                      o.ci_low, o.ci_high, verdict])  # fmt: skip
    sheet.append([])
    sheet.append(["比較対象：同じ種類・人口規模・地域ブロックで支援を受けていない団体（完全一致）。"
                  f"比較できた数が{outcomes.MIN_UNITS}未満は判断しない。支援は無作為ではないため差は効果そのものとは限らない。"])  # fmt: skip
    _widths(sheet, [34, 10, 10, 14, 12, 8, 12, 12, 18])


def _summary(sheet, report: Report) -> None:
    sheet.title = "概要"
    sheet.append([f"地域IoT実装 PDCA 報告：{report.scope.label_ja}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(
        [
            "報告した団体の数値だけを数えます（未報告は 0 と数えません）。数値の合計は各団体の最新の報告値を"
            "次の報告まで引き継ぎます。評価と見通しは終わった年度の年度末の値から計算します。"
        ]
    )
    sheet.append(
        [
            f"基準日 {format_date(report.as_of)}　作成日 {format_date(report.generated_on)}　"
            f"{FiscalYear.of(report.as_of).label()}"
        ]
    )
    if report.facts.synthetic:
        sheet.append(
            [
                "【合成データ】この報告の数値にはデモ用の合成データが含まれています。実際の団体の回答ではありません。"
            ]
        )
    sheet.append([])
    sheet.append(SUMMARY_COLUMNS)
    header = sheet.max_row
    for cell in sheet[header]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True)
    for row in summary_rows(report):
        sheet.append(row)
    for cell in sheet["K"][header:]:
        cell.number_format = "0.0%"
    for column in "DJOQ":
        for cell in sheet[column][header:]:
            cell.number_format = "#,##0.#"
    sheet.freeze_panes = sheet.cell(row=header + 1, column=2)
    _widths(sheet, [40, 24, 24, 12, 8, 10, 10, 20, 8, 12, 12, 8, 8, 10, 14, 20, 14])


def _kpi_sheet(sheet, p: KpiProgress) -> None:
    sheet.append([p.kpi.name_ja, p.kpi.target_text_ja, f"評価：{p.rating.value}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(["年度", "実績", "見通し", "見通し（下限）", "見通し（上限）", "目標"])
    target = _for_people(p.target)
    for point in p.points:
        sheet.append([point.fiscal_year, _for_people(point.value), None, None, None, target])
    for point, low, high in zip(p.outlook.points, p.outlook.low, p.outlook.high, strict=True):
        sheet.append(
            [point.fiscal_year, None, _for_people(point.value), _for_people(low), _for_people(high), target]
        )
    for row in sheet.iter_rows(min_row=3, min_col=2, max_col=6):
        for cell in row:
            cell.number_format = "#,##0.#"
    last = sheet.max_row
    chart = LineChart()
    chart.title = p.kpi.name_ja
    chart.y_axis.title = p.kpi.unit_ja
    chart.x_axis.title = "年度"
    chart.add_data(Reference(sheet, min_col=2, max_col=3, min_row=2, max_row=last), titles_from_data=True)
    chart.add_data(Reference(sheet, min_col=6, min_row=2, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(sheet, min_col=1, min_row=3, max_row=last))
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, "H2")
    if p.as_of is not None and p.as_of_position is not None:  # below the table: not a 年度末 point
        sheet.append([])
        sheet.append([f"基準日 {format_date(p.as_of)} の値（年度途中・暫定を含む）", _for_people(p.value)])
    _widths(sheet, [10, 12, 12, 14, 14, 12])


def _status_sheet(sheet, session: Session, report: Report) -> None:
    models = [m.slug for m in roadmap.list_models(session)]
    sheet.append(["団体コード", "団体名", "種類", *[m.name_ja for m in roadmap.list_models(session)]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    current = report.facts.current
    for body in report.facts.bodies:
        if report.scope.holds(body.code):
            sheet.append(
                [
                    body.code,
                    body.full_name,
                    body.kind,
                    *[current.get((body.code, m), "未報告") for m in models],
                ]
            )
    sheet.freeze_panes = "D2"
    _widths(sheet, [10, 28, 10, *[12] * len(models)])


def _widths(sheet, widths: list[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
