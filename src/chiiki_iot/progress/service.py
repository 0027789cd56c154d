"""The KPI engine (KPIの進捗): every KPI measured as its roadmap data declares, for the nation, a block, a
prefecture (with its municipalities) or any group of bodies, at every 年度末 and as of any date; rated and
forecast by ``kpi.py``. Pages, API, reports and the CLI read progress only through these functions.

Scope targets. A national target is shared out to a scope in proportion to the bodies it could count: a
block with 10% of the eligible bodies carries 10% of a count or sum target (its fair share); a share target
(100% of schools) is the same percentage everywhere. National figures exist for the nation only.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption.ladder import LADDER, Stage
from chiiki_iot.adoption.service import ReportedFigure
from chiiki_iot.core.errors import InvalidInput, NotFound
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.progress import facts as fact_store
from chiiki_iot.progress.facts import Facts as Facts  # the read model reports print from
from chiiki_iot.progress.kpi import FORECAST_LABELS as FORECAST_LABELS
from chiiki_iot.progress.kpi import Forecast, Point, Rating, forecast, rate
from chiiki_iot.progress.models import NationalFigure
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.kinds import BodyKind
from chiiki_iot.registry.service import BodyRef
from chiiki_iot.roadmap import service as roadmap

RANK = {s.value: i for i, s in enumerate(LADDER)} | {Stage.STOPPED.value: -1}
SCOPE_KINDS = ("nation", "block", "prefecture", "group")
METHOD_LABELS = {  # how each KPI is measured (the roadmap data's ``measure.method``), as people read it
    "bodies-at-stage": N_("段階に達した団体の数"),
    "input-sum": N_("各団体が報告する数値の合計"),
    "input-ratio": N_("各団体が報告する数値の合計どうしの比"),
    "national-figure": N_("事務局が出典とともに入力する全国値"),
    "not-measured": N_("定性目標のため数値では測りません"),
}


@dataclass(frozen=True)
class Scope:
    """範囲: the nation, a block, a prefecture with its municipalities, or a named group of bodies."""

    kind: str
    key: str
    label_ja: str
    label_en: str
    codes: frozenset[str] | None  # None: every body

    def holds(self, code: str) -> bool:
        return self.codes is None or code in self.codes


NATION = Scope("nation", "", "全国", "Japan", None)


def scope_of(session: Session, kind: str, key: str = "", *, bodies: list[BodyRef] | None = None) -> Scope:
    """A scope from its kind and key (block slug, prefecture code, or comma-separated body codes).
    ``bodies`` are the counted bodies if the caller has them (the facts do), saving a read of all 1,788."""
    if kind == "nation":
        return NATION
    bodies = bodies if bodies is not None else registry.counted_bodies(session)
    if kind == "block":
        block = registry.get_block(session, key)
        return Scope(
            kind,
            block.slug,
            block.name_ja,
            block.name_en,
            frozenset(b.code for b in bodies if b.block_slug == block.slug),
        )
    if kind == "prefecture":
        pref = registry.get_prefecture(session, key)
        return Scope(
            kind,
            pref.code,
            pref.name,
            pref.name_en or pref.name,
            frozenset(b.code for b in bodies if b.prefecture_code == pref.code),
        )
    if kind == "group":
        codes = [registry.get_body(session, c.strip()).code for c in key.split(",") if c.strip()]
        if not codes:
            raise InvalidInput("団体コードを一つ以上指定してください。", "Name at least one body code.")
        return Scope(kind, ",".join(codes), f"{len(codes)}団体", f"{len(codes)} bodies", frozenset(codes))
    raise InvalidInput(
        f"範囲「{kind}」は {'・'.join(SCOPE_KINDS)} のいずれかです。",
        f"Scope '{kind}' must be one of {', '.join(SCOPE_KINDS)}.",
    )


# ---- measuring ---------------------------------------------------------------------------------------


def _eligible(spec: dict, body: BodyRef) -> bool:
    kinds = spec.get("kinds") or ["prefecture", "municipality"]
    is_pref = body.kind == BodyKind.PREFECTURE
    return ("prefecture" in kinds and is_pref) or ("municipality" in kinds and not is_pref)


def counts_body(spec: dict, stages: dict[tuple[str, str], str], body: BodyRef) -> bool:
    """Whether a body counts toward a bodies-at-stage KPI: eligible, and at or above the stage on a model."""
    least = RANK[spec.get("stage", Stage.IMPLEMENTED.value)]
    return _eligible(spec, body) and any(
        RANK.get(stages.get((body.code, m), ""), 0) >= least for m in spec["models"]
    )


def _counted(spec: dict, facts: Facts, year: int | None) -> frozenset[str]:
    """The bodies a bodies-at-stage KPI counts at a fiscal-year end (None: on the facts' date)."""
    least = RANK[spec.get("stage", Stage.IMPLEMENTED.value)]
    key = ("counted", tuple(spec["models"]), least, tuple(spec.get("kinds") or ()), year)
    if least <= 0:  # a stage every body without a record also has: body by body
        stages = facts.current if year is None else facts.stages[year]
        return facts.remember(
            key, lambda: frozenset(b.code for b in facts.bodies if counts_body(spec, stages, b))
        )
    return facts.remember(
        key, lambda: _eligible_codes(spec, facts).intersection(*[_at_least(facts, spec, least, year)])
    )


def _reporting(spec: dict, facts: Facts, year: int | None) -> frozenset[str]:
    """The eligible bodies with any recorded stage on the KPI's models: those a count can speak for. A body
    with no record is 未報告, not 未着手."""
    key = ("reporting", tuple(spec["models"]), tuple(spec.get("kinds") or ()), year)
    return facts.remember(key, lambda: _eligible_codes(spec, facts) & _at_least(facts, spec, None, year))


def _at_least(facts: Facts, spec: dict, least: int | None, year: int | None) -> frozenset[str]:
    """Bodies at or above rank ``least`` (None: with any record) on any of the KPI's models, from an index of
    the stages by model built once per date: 33 KPIs no longer each walk all 1,788 bodies."""

    def ranks() -> dict[str, dict[str, int]]:
        stages = facts.current if year is None else facts.stages[year]
        out: dict[str, dict[str, int]] = {}
        for (code, model), stage in stages.items():
            out.setdefault(model, {})[code] = RANK.get(stage, 0)
        return out

    by_model = facts.remember(("ranks", year), ranks)
    found: set[str] = set()
    for model in spec["models"]:
        found.update(c for c, r in by_model.get(model, {}).items() if least is None or r >= least)
    return frozenset(found)


def _eligible_codes(spec: dict, facts: Facts) -> frozenset[str]:
    """The counted bodies of the kinds a KPI counts (prefectures, municipalities or both)."""
    kinds = tuple(spec.get("kinds") or ())
    return facts.remember(
        ("eligible", kinds), lambda: frozenset(b.code for b in facts.bodies if _eligible(spec, b))
    )


def _figures_by_input(facts: Facts, year: int) -> dict[str, dict[str, ReportedFigure]]:
    """input slug → body code → the figure in force at the year's end, for counted bodies only (so that the
    prefectures add up to the nation)."""

    def build() -> dict[str, dict[str, ReportedFigure]]:
        counted = facts.remember("codes", lambda: frozenset(b.code for b in facts.bodies))
        out: dict[str, dict[str, ReportedFigure]] = {}
        for (code, slug), figure in facts.figures.get(year, {}).items():
            if code in counted:
                out.setdefault(slug, {})[code] = figure
        return out

    return facts.remember(("figures", year), build)


@dataclass(frozen=True)
class Coverage:
    """報告状況: of the bodies a figure could count, how many it speaks for, and from which fiscal years their
    figures come (a sum carries each body's last figure forward). ``provisional`` figures come from survey
    answers the prefecture has not confirmed yet (暫定)."""

    reported: int
    eligible: int
    first_year: int | None = None
    last_year: int | None = None
    provisional: int = 0

    @property
    def empty(self) -> bool:
        return self.reported == 0


def measure(spec: dict, facts: Facts, scope: Scope, year: int | None) -> tuple[float | None, Coverage | None]:
    """The KPI's value in a scope at a fiscal-year end (for counts, None means the facts' date) with what it
    covers; the value is None when no body in the scope has reported (no data is not zero). The one rule for
    pages, API, workbook and PDF. National figures and qualitative KPIs have no body coverage."""
    if scope.kind == "group":
        return _measure(spec, facts, scope, year)  # any set of bodies can be asked for: not worth keeping
    return facts.remember(
        ("measure", str(spec), scope.kind, scope.key, year), lambda: _measure(spec, facts, scope, year)
    )


def _measure(
    spec: dict, facts: Facts, scope: Scope, year: int | None
) -> tuple[float | None, Coverage | None]:
    method = spec.get("method", "national-figure")
    eligible = _eligible_count(spec, scope, facts) if method != "national-figure" else 0
    if method == "bodies-at-stage":
        reporting = _reporting(spec, facts, year)
        if scope.codes is not None:
            reporting = reporting & scope.codes
        counted = _counted(spec, facts, year)
        value: float | None = float(len(counted) if scope.codes is None else len(counted & scope.codes))
        unapproved = (
            0
            if year is not None or not facts.unapproved
            else sum(any((c, m) in facts.unapproved for m in spec["models"]) for c in reporting)
        )
        return (value if reporting else None), Coverage(len(reporting), eligible, provisional=unapproved)
    if method not in ("input-sum", "input-ratio") or year is None:
        return None, None
    figures = _figures_by_input(facts, year)
    if method == "input-sum":
        used = {c: f for c, f in figures.get(spec["input"], {}).items() if scope.holds(c)}
        value = _finite(sum(f.value for f in used.values())) if used else None
        return value, _coverage_of(list(used.values()), len(used), eligible)
    top, bottom = figures.get(spec["numerator"], {}), figures.get(spec["denominator"], {})
    both = [c for c in top if c in bottom and scope.holds(c)]  # a ratio only over bodies that gave both
    denominator = sum(bottom[c].value for c in both)
    value = (
        _finite(sum(top[c].value for c in both) / denominator * spec.get("scale", 1.0))
        if denominator and math.isfinite(denominator)
        else None
    )
    return value, _coverage_of([f for c in both for f in (top[c], bottom[c])], len(both), eligible)


def _finite(value: float) -> float | None:
    """A sum that overflowed to infinity (or became NaN) is a bug upstream — inputs are bounded — and not a
    figure: it is treated as no data, so it can neither be shown nor rated 達成."""
    return value if math.isfinite(value) else None


def _coverage_of(used: list[ReportedFigure], bodies: int, eligible: int) -> Coverage:
    years = [f.fiscal_year for f in used]
    return Coverage(
        bodies,
        eligible,
        min(years, default=None),
        max(years, default=None),
        len({f.body_code for f in used if f.provisional}),
    )


def _national_series(session: Session, kpi: roadmap.Kpi, as_of: dt.date) -> list[Point]:
    rows = session.scalars(
        select(NationalFigure)
        .where(NationalFigure.kpi_slug == kpi.slug, NationalFigure.observed_on <= as_of)
        .order_by(NationalFigure.fiscal_year, NationalFigure.id)
    )
    latest = {r.fiscal_year: r.value for r in rows}  # the newest record of each year wins
    return [Point(y, v) for y, v in sorted(latest.items())]


def series(session: Session, kpi: roadmap.Kpi, scope: Scope, facts: Facts) -> list[Point]:
    """The KPI's value at each complete fiscal year (年度末 on or before the facts' date) that has data: stages
    at the 年度末; reported figures carried forward to it, in the years someone reported. The year under way
    is not a point: ratings and forecasts read only complete years (the chart marks the as-of value apart)."""
    spec = kpi.measure or {}
    method = spec.get("method", "national-figure")
    if method == "national-figure":
        return _national_series(session, kpi, facts.as_of) if scope.kind == "nation" else []
    points = []
    for year in facts.years:
        value, coverage = measure(spec, facts, scope, year)
        # a year is a point only if someone reported for it: a year of carried figures alone would draw a
        # flat line nobody reported and pull the forecast towards it
        fresh = coverage is None or method == "bodies-at-stage" or coverage.last_year == year
        if value is not None and fresh:
            points.append(Point(year, value))
    return points


def current_measure(
    kpi: roadmap.Kpi,
    scope: Scope,
    facts: Facts,
    points: list[Point],
) -> tuple[float | None, Coverage | None]:
    """The value as of the facts' date with its coverage: today's stages for counts; for reported figures,
    those in force in the fiscal year under way (answers already committed in an open round included, each
    replacing only its own body's figure); else the latest point."""
    spec = kpi.measure or {}
    method = spec.get("method", "national-figure")
    if method == "bodies-at-stage":
        return measure(spec, facts, scope, None)
    if method in ("input-sum", "input-ratio"):
        return measure(spec, facts, scope, max(facts.figures, default=None))
    return (points[-1].value if points else None), None


# ---- targets -----------------------------------------------------------------------------------------


def national_target(session: Session, kpi: roadmap.Kpi) -> float | None:
    """The target as a number: the value itself, or baseline × multiple (3倍) when the baseline is known."""
    if kpi.target_kind == "qualitative" or kpi.target_value is None:
        return None
    if kpi.target_kind != "multiple":
        return kpi.target_value
    declared = kpi.baseline or {}
    baseline = declared.get("value")
    if baseline is None and declared.get("fiscal_year"):
        points = {p.fiscal_year: p.value for p in _national_series(session, kpi, dt.date.max)}
        baseline = points.get(declared["fiscal_year"])
    return baseline * kpi.target_value if baseline is not None else None


def scope_target(session: Session, kpi: roadmap.Kpi, scope: Scope, facts: Facts) -> float | None:
    """The scope's fair share of the national target (see the module docstring)."""
    target = national_target(session, kpi)
    spec = kpi.measure or {}
    if target is None or scope.kind == "nation":
        return target
    if spec.get("method", "national-figure") in ("national-figure", "not-measured"):
        return None  # national figures have no regional breakdown
    if kpi.target_kind == "share":
        return target  # 100% of schools is 100% in every prefecture
    total = _eligible_count(spec, NATION, facts)
    return target * _eligible_count(spec, scope, facts) / total if total else None


def _eligible_count(spec: dict, scope: Scope, facts: Facts) -> int:
    def count() -> int:
        return sum(scope.holds(b.code) and _eligible(spec, b) for b in facts.bodies)

    if scope.kind == "group":
        return count()  # any set of bodies can be asked for: not worth keeping
    return facts.remember(("eligible", tuple(spec.get("kinds") or ()), scope.kind, scope.key), count)


def ceiling(kpi: roadmap.Kpi, scope: Scope, facts: Facts) -> float | None:
    """The most the value can be: every eligible body, or 100% — the saturating curve's ceiling."""
    spec = kpi.measure or {}
    if spec.get("method") == "bodies-at-stage":
        return float(_eligible_count(spec, scope, facts))
    if spec.get("method") == "input-ratio" and spec.get("scale") == 100:
        return 100.0
    return None


# ---- progress ----------------------------------------------------------------------------------------


@dataclass
class KpiProgress:
    """進捗: a KPI in a scope — value, target, share of target, gap, change per round, rating and forecast."""

    kpi: roadmap.Kpi
    scope: Scope
    method: str
    points: list[Point]
    value: float | None
    target: float | None
    rating: Rating
    pace_ratio: float | None
    outlook: Forecast
    change_per_round: float | None = None
    coverage: Coverage | None = None  # None for national figures and qualitative KPIs
    as_of: dt.date | None = None

    @property
    def as_of_position(self) -> float | None:
        """Where the as-of value stands on the 年度末 axis (FY2019's end is 2019.0, so 2020-09-30 is about
        2019.5); None when there is no value or the date is a 年度末 already drawn as a point."""
        if self.value is None or self.as_of is None:
            return None
        year = FiscalYear.of(self.as_of)
        if self.as_of == year.end and any(p.fiscal_year == year.year for p in self.points):
            return None
        last_end = FiscalYear(year.year - 1).end
        return year.year - 1 + (self.as_of - last_end).days / 365

    @property
    def reported(self) -> bool:
        """Whether there is anything to show: a value (no data is 未報告, never a zero)."""
        return self.value is not None

    @property
    def share_of_target(self) -> float | None:
        return self.value / self.target if self.value is not None and self.target else None

    @property
    def gap(self) -> float | None:
        return (
            max(0.0, self.target - self.value) if self.value is not None and self.target is not None else None
        )

    @property
    def forecast_at_target_year(self) -> float | None:
        return self.outlook.at(self.kpi.target_fiscal_year)


def get_kpi(session: Session, slug: str) -> roadmap.Kpi:
    kpi = next((k for k in roadmap.list_kpis(session) if k.slug == slug), None)
    if kpi is None:
        raise NotFound(f"KPI「{slug}」はありません。", f"There is no KPI '{slug}'.")
    return kpi


def kpi_progress(
    session: Session,
    kpi: roadmap.Kpi,
    scope: Scope,
    *,
    as_of: dt.date,
    facts: Facts | None = None,
) -> KpiProgress:
    """The KPI in a scope. Rating and forecast read only complete fiscal years (年度末 points); the value is
    as of the date, with its coverage, and is None where nobody in the scope has reported."""
    known = facts or fact_store.facts(session, as_of)
    method = (kpi.measure or {}).get("method", "national-figure")
    points = series(session, kpi, scope, known)
    value, coverage = current_measure(kpi, scope, known, points)
    target = scope_target(session, kpi, scope, known)
    rating, ratio = (
        rate(points, target, kpi.target_fiscal_year) if value is not None else (Rating.NOT_RATED, None)
    )
    until, top = max(kpi.target_fiscal_year, FiscalYear.of(as_of).year + 3), ceiling(kpi, scope, known)
    outlook = (
        forecast(points, until, ceiling=top)
        if scope.kind == "group"
        else known.remember(
            ("forecast", tuple(points), until, top), lambda: forecast(points, until, ceiling=top)
        )
    )
    change = points[-1].value - points[-2].value if len(points) >= 2 else None
    return KpiProgress(
        kpi, scope, method, points, value, target, rating, ratio, outlook, change, coverage, as_of
    )


def overview(session: Session, scope: Scope, *, as_of: dt.date) -> list[KpiProgress]:
    """Every KPI of the current roadmap in a scope (the dashboard's cards)."""
    known = fact_store.facts(session, as_of)
    return [kpi_progress(session, k, scope, as_of=as_of, facts=known) for k in roadmap.list_kpis(session)]


def breakdown(session: Session, kpi: roadmap.Kpi, level: str, *, as_of: dt.date) -> list[KpiProgress]:
    """The KPI for each block or each prefecture; counts and sums add up to the national figure."""
    if level not in ("block", "prefecture"):
        raise InvalidInput(
            f"内訳「{level}」は block か prefecture です。",
            f"Breakdown '{level}' must be block or prefecture.",
        )
    known = fact_store.facts(session, as_of)
    scopes = known.remember(("scopes", level), lambda: _scopes(session, level, known.bodies))
    return [kpi_progress(session, kpi, s, as_of=as_of, facts=known) for s in scopes]


def _scopes(session: Session, level: str, bodies: list[BodyRef]) -> list[Scope]:
    """Every block's or prefecture's scope, built from one list of bodies (58 reads of all 1,788 bodies
    made up 65 % of a warm dashboard)."""
    if level == "block":
        return [scope_of(session, "block", b.slug, bodies=bodies) for b in registry.list_blocks(session)]
    return [
        scope_of(session, "prefecture", p.code, bodies=bodies) for p in registry.list_prefectures(session)
    ]


def record_national_figure(
    session: Session,
    *,
    principal: Principal,
    kpi_slug: str,
    fiscal_year: int,
    value: float,
    source: str,
    observed_on: dt.date,
) -> NationalFigure:
    """全国値の入力: the secretariat enters a KPI's national figure with where it comes from."""
    authorize(principal, "progress.national_figures")
    return _national_figure(session, get_kpi(session, kpi_slug), fiscal_year, value, source, observed_on,
                            recorded_by=principal.actor)  # fmt: skip


def record_counted_figure(
    session: Session, *, kpi_slug: str, counts: str, fiscal_year: int, value: float, source: str,
    recorded_by: str,
) -> NationalFigure:  # fmt: skip
    """A national figure that another domain counts from its own records, as a rule and not as someone's
    entry: the case library's published cases for a KPI that counts cases (「オープンデータの利活用事例数」).
    Only a KPI declared to count that thing (``counts``) takes it; whoever triggered the count was
    authorised for what they did (publishing a case), and the figure names its source like any other."""
    kpi = get_kpi(session, kpi_slug)
    if kpi.counts != counts:
        raise InvalidInput(
            f"「{kpi.name_ja}」は{counts}を数えるKPIではありません。",
            f"'{kpi.name_en}' does not count {counts}.",
        )
    return _national_figure(
        session, kpi, fiscal_year, value, source, today_in_japan(), recorded_by=recorded_by
    )


def _national_figure(
    session: Session, kpi: roadmap.Kpi, fiscal_year: int, value: float, source: str, observed_on: dt.date,
    *, recorded_by: str,
) -> NationalFigure:  # fmt: skip
    if (kpi.measure or {}).get("method", "national-figure") != "national-figure":
        raise InvalidInput(
            f"「{kpi.name_ja}」は団体の記録から計算するKPIです。全国値は入力できません。",
            f"'{kpi.name_en}' is computed from the bodies' records; it takes no national figure.",
        )
    if not source.strip():
        raise InvalidInput("出典を入力してください。", "Give the source of the figure.")
    if value < 0:
        raise InvalidInput("値は0以上にしてください。", "The value cannot be negative.")
    figure = NationalFigure(
        kpi_slug=kpi.slug,
        fiscal_year=fiscal_year,
        value=value,
        source=source.strip(),
        observed_on=observed_on,
        recorded_at=dt.datetime.now(dt.UTC),
        recorded_by=recorded_by,
    )
    session.add(figure)
    session.flush()
    return figure


@dataclass(frozen=True)
class Contribution:
    """What a body adds to a measured KPI: counted or not (counts), or its figure in force with the fiscal
    year it was reported for and whether it awaits the prefecture's approval (sums and ratios)."""

    kpi: roadmap.Kpi
    state: str  # counted | not-counted | reported | not-reported
    value: float | None = None
    fiscal_year: int | None = None
    provisional: bool = False
    item: roadmap.KpiInput | None = None  # the reported figure the KPI adds up (a ratio's numerator)


def body_contribution(session: Session, body_code: str, *, as_of: dt.date) -> list[Contribution]:
    """The body's part in each measured KPI it is eligible for."""
    body = registry.get_body(session, body_code)
    known = fact_store.facts(session, as_of)
    ref = known.by_code.get(body.code)
    if ref is None:
        return []
    in_force = known.figures.get(max(known.figures, default=0), {})  # carried forward to the year under way
    out: list[Contribution] = []
    for kpi in roadmap.list_kpis(session):
        spec = kpi.measure or {}
        if not _eligible(spec, ref):
            continue
        if spec.get("method") == "bodies-at-stage":
            if not any((body.code, m) in known.current for m in spec["models"]):
                out.append(Contribution(kpi, "not-reported"))
            else:
                pending = any((body.code, m) in known.unapproved for m in spec["models"])
                state = "counted" if counts_body(spec, known.current, ref) else "not-counted"
                out.append(Contribution(kpi, state, provisional=pending))
        elif spec.get("method") in ("input-sum", "input-ratio"):
            item = roadmap.get_kpi_input(session, spec.get("input") or spec["numerator"])
            figure = in_force.get((body.code, item.slug))
            out.append(
                Contribution(kpi, "reported", figure.value, figure.fiscal_year, figure.provisional, item)
                if figure
                else Contribution(kpi, "not-reported", item=item)
            )
    return out


def models_in_action(session: Session, *, as_of: dt.date) -> dict[str, int]:
    """Body code → how many models it stands at 実証中 or beyond on ``as_of`` (outreach plans its visits to
    the prefectures whose bodies have the fewest). Bodies with none are left out."""
    acting = RANK[Stage.DEMONSTRATING.value]
    score: dict[str, int] = {}
    for (code, _model), stage in fact_store.facts(session, as_of).current.items():
        if RANK.get(stage, 0) >= acting:
            score[code] = score.get(code, 0) + 1
    return score


def implementing_bodies(session: Session, *, as_of: dt.date) -> frozenset[str]:
    """Codes of the bodies with at least one model at 実装済 on ``as_of``, from the shared facts: a page
    section that re-read every body's latest status took 1.6 s at 50× history on each render after a write."""
    facts = fact_store.facts(session, as_of)
    implemented = Stage.IMPLEMENTED.value
    return facts.remember(
        ("implementing-bodies",),
        lambda: frozenset(code for (code, _model), stage in facts.current.items() if stage == implemented),
    )


def facts_on(session: Session, as_of: dt.date) -> Facts:
    """Everything the figures on ``as_of`` are built from (statuses, reports, bodies), shared and memoised:
    the PDCA workbook lists its changes and synthetic flag from the same facts the figures used."""
    return fact_store.facts(session, as_of)
