"""支援メニュー: the package's measures as data (loaded from ``data/support/<revision>.yaml``, then set by the
secretariat), which 壁 each answers, and the finder — the measures that fit a body, with why.

The barrier → support mapping the dashboard shows is read from here (``measures_for_barrier``), so when the
secretariat adds or changes a measure the dashboard follows without a code change."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import BARRIER_EN, Barrier, Stage
from chiiki_iot.core import data_versions, reference_data
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.kinds import BodyKind
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support.models import SupportMeasure

DATA = Path(__file__).resolve().parents[1] / "data" / "support"
MEASURES = "support.measures"
data_versions.watch(MEASURES, lambda record: isinstance(record, SupportMeasure), tables=("support_measures",))
"""Raised by every change to a measure: the dashboard's barrier → support lists follow it."""
DELIVERIES = ("planning", "dispatch", "exchange", "training", "funding", "rules", "promotion", "matching")
ROSTERS = ("", "expert", "mentor")


class MenuSpec(BaseModel):
    number: int
    name_ja: str
    name_en: str


class MeasureSpec(BaseModel):
    slug: str
    menu: int
    name_ja: str
    name_en: str
    purpose_ja: str
    purpose_en: str
    barriers: list[Barrier]
    delivery: str
    dispatch_roster: str = ""
    applications: bool = False
    link: str = ""


class PackageSpec(BaseModel):
    slug: str
    source_ja: str
    fiscal_year: int
    menus: list[MenuSpec]
    measures: list[MeasureSpec]


@cache
def shipped() -> tuple[PackageSpec, ...]:
    return tuple(
        PackageSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(DATA.glob("20*.yaml"))
    )


def menus() -> dict[int, MenuSpec]:
    """①–④ as the newest shipped package names them."""
    return {m.number: m for m in shipped()[-1].menus}


def load_measures(session: Session) -> list[str]:
    """Add each shipped measure the database lacks (a measure the secretariat has set is never overwritten)."""

    def load(session: Session, spec: PackageSpec) -> dict[str, int]:
        known = set(session.scalars(select(SupportMeasure.slug)))
        added = [m for m in spec.measures if m.slug not in known]
        for m in added:
            session.add(
                SupportMeasure(
                    slug=m.slug,
                    menu=m.menu,
                    name_ja=m.name_ja,
                    name_en=m.name_en,
                    purpose_ja=m.purpose_ja,
                    purpose_en=m.purpose_en,
                    barriers=[b.value for b in m.barriers],
                    delivery=m.delivery,
                    dispatch_roster=m.dispatch_roster,
                    takes_applications=m.applications,
                    link=m.link,
                    source=f"seed-{spec.slug}",
                )
            )
        return {"measures": len(added)}

    return reference_data.load_new(session, dataset="support", specs=shipped(), load=load)


def list_measures(session: Session) -> list[SupportMeasure]:
    return list(session.scalars(select(SupportMeasure).order_by(SupportMeasure.menu, SupportMeasure.id)))


def get_measure(session: Session, slug: str) -> SupportMeasure:
    measure = session.scalar(select(SupportMeasure).where(SupportMeasure.slug == slug))
    if measure is None:
        raise NotFound(f"支援メニュー「{slug}」はありません。", f"There is no support measure '{slug}'.")
    return measure


def measure_by_id(session: Session, measure_id: int) -> SupportMeasure:
    measure = session.get(SupportMeasure, measure_id)
    if measure is None:
        raise NotFound(
            f"支援メニュー {measure_id} はありません。", f"There is no support measure {measure_id}."
        )
    return measure


def measures_for_barrier(session: Session) -> dict[str, list[SupportMeasure]]:
    """壁 → the measures that answer it, for the dashboard (every barrier present, [] when none does)."""
    found: dict[str, list[SupportMeasure]] = {b.value: [] for b in Barrier}
    for measure in list_measures(session):
        for barrier in measure.barriers:
            found.setdefault(barrier, []).append(measure)
    return found


@dataclass(frozen=True)
class MeasureSettings:
    """What the secretariat sets on a measure: who may use it, when, and what an application needs."""

    eligible_kinds: list[str] = field(default_factory=list)
    eligible_stages: list[str] = field(default_factory=list)
    eligible_blocks: list[str] = field(default_factory=list)
    population_max: int | None = None
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    days_per_body_per_year: int | None = None
    documents: list[str] = field(default_factory=list)
    criteria: list[dict] = field(default_factory=list)


def set_measure(
    session: Session, *, principal: Principal, slug: str, expected_version: int, data: MeasureSettings
) -> SupportMeasure:
    """The secretariat sets a measure's eligibility, window, dispatch limit, documents and scoring sheet."""
    authorize(principal, "support.measures")
    measure = get_measure(session, slug)
    if measure.version != expected_version:
        raise Conflict(
            "この支援メニューは、開いた後に他の人が更新しました。最新の内容を確かめてください。",
            "Someone changed this measure since you opened it; check the latest and try again.",
        )
    _check_settings(session, data)
    for name, value in vars(data).items():
        setattr(measure, name, value)
    session.flush()
    return measure


def _check_settings(session: Session, data: MeasureSettings) -> None:
    kinds = {k.value for k in BodyKind}
    stages = {s.value for s in Stage}
    blocks = {b.slug for b in registry.list_blocks(session)}
    for values, known, what_ja, what_en in (
        (data.eligible_kinds, kinds, "団体の種類", "body kind"),
        (data.eligible_stages, stages, "段階", "stage"),
        (data.eligible_blocks, blocks, "地域ブロック", "block"),
    ):
        for value in values:
            if value not in known:
                raise InvalidInput(
                    f"{what_ja}「{value}」は選択肢にありません。", f"Unknown {what_en} '{value}'."
                )
    if data.opens_on and data.closes_on and data.closes_on < data.opens_on:
        raise InvalidInput(
            "受付の終了日は開始日より後にしてください。", "The window must close after it opens."
        )
    for number, what_ja, what_en in (
        (data.population_max, "人口の上限", "population limit"),
        (data.days_per_body_per_year, "派遣日数の上限", "dispatch-day limit"),
    ):
        if number is not None and not 0 < number < 2**31:
            raise InvalidInput(f"{what_ja}は1以上の数にしてください。", f"The {what_en} must be at least 1.")
    for criterion in data.criteria:
        if not str(criterion.get("label", "")).strip() or not 1 <= int(criterion.get("max", 0)) <= 100:
            raise InvalidInput(
                "審査項目は「項目名:満点」の形で、満点は1〜100にしてください。",
                "Each criterion is 'label:maximum' with a maximum of 1–100.",
            )


def window_open(measure: SupportMeasure, day: dt.date) -> bool:
    """Whether the measure takes requests or applications on ``day`` (no window set: always)."""
    return (measure.opens_on is None or measure.opens_on <= day) and (
        measure.closes_on is None or day <= measure.closes_on
    )


# ---- the finder -----------------------------------------------------------------------------------------


@dataclass
class MeasureFit:
    """One measure for one body: whether it may use it, and why (or why not), in both languages."""

    measure: SupportMeasure
    answers: list[str] = field(default_factory=list)  # the body's recent 壁 that the measure answers
    held: list[HeldBackBy] = field(default_factory=list)  # the reports behind them, newest first
    reasons: list[tuple[str, str]] = field(default_factory=list)
    unmet: list[tuple[str, str]] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.unmet

    @property
    def model_slug(self) -> str:
        """The model of the newest report the measure answers ('' when it answers none)."""
        return self.held[0].model_slug if self.held else ""


@dataclass(frozen=True)
class HeldBackBy:
    """A 壁 the body reported recently on a model it has not implemented."""

    barrier: str
    model_slug: str
    model_ja: str
    model_en: str
    reported_on: dt.date


RECENT_YEARS = 2
"""Barriers reported in this and the previous fiscal year count, as on the dashboard."""


def find_for_body(session: Session, body_code: str, *, as_of: dt.date | None = None) -> list[MeasureFit]:
    """The measures for a body: those answering a 壁 it reported recently on a model it has not implemented
    come first (the most recent report first), then the other eligible ones, then those it may not use
    (with what it lacks), so an official sees why each is or is not offered."""
    day = as_of or today_in_japan()
    body = registry.get_body(session, body_code)
    in_force = adoption.stages_of_body(session, body.code, as_of=day)
    held = _held_back(session, body.code, in_force, day)
    stages = set(in_force.values()) or {Stage.NOT_STARTED.value}
    population = registry.latest_populations(session, [body.code]).get(body.code)
    fits = [_fit(m, body, held, stages, population, day) for m in list_measures(session)]
    newest = {f.measure.id: max((h.reported_on for h in f.held), default=dt.date.min) for f in fits}
    return sorted(
        fits,
        key=lambda f: (
            not f.eligible,
            not f.held,
            -newest[f.measure.id].toordinal(),
            f.measure.menu,
            f.measure.id,
        ),
    )


def _held_back(session: Session, code: str, in_force: dict[str, str], day: dt.date) -> list[HeldBackBy]:
    since = FiscalYear(FiscalYear.of(day).year - RECENT_YEARS + 1).start
    names = {m.slug: m for m in roadmap.list_models(session)}
    return [
        HeldBackBy(
            r.barrier, r.model_slug, names[r.model_slug].name_ja, names[r.model_slug].name_en, r.reported_on
        )
        for r in adoption.barriers_of_body(session, code)  # newest first
        if since <= r.reported_on <= day
        and r.model_slug in names
        and in_force.get(r.model_slug) != Stage.IMPLEMENTED.value
    ]


def _fit(
    measure: SupportMeasure,
    body: registry.Body,
    held: list[HeldBackBy],
    stages: set[str],
    population: int | None,
    day: dt.date,
) -> MeasureFit:
    fit = MeasureFit(measure, held=[h for h in held if h.barrier in measure.barriers])
    fit.answers = list(dict.fromkeys(h.barrier for h in fit.held))
    for h in fit.held:
        barrier_en = BARRIER_EN[Barrier(h.barrier)]  # reports hold the ladder's barriers only
        fit.reasons.append(
            (
                f"「{h.model_ja}」で報告された壁「{h.barrier}」に応える（{h.reported_on.isoformat()}）",
                f"answers '{barrier_en}', reported on {h.model_en} ({h.reported_on.isoformat()})",
            )
        )
    if measure.eligible_kinds and body.kind not in measure.eligible_kinds:
        fit.unmet.append(("対象の団体の種類ではない", "not a kind of body it is for"))
    if measure.eligible_blocks and body.block_slug not in measure.eligible_blocks:
        fit.unmet.append(("対象の地域ブロックではない", "not in a block it is for"))
    if measure.eligible_stages:
        if stages & set(measure.eligible_stages):
            fit.reasons.append(("取組の段階が対象に当たる", "the body's stage is one it is for"))
        else:
            fit.unmet.append(("取組の段階が対象に当たらない", "the body's stage is not one it is for"))
    if measure.population_max is not None:
        if population is None:
            fit.reasons.append(
                ("人口は未登録（申請時に確認）", "population not on file (checked on application)")
            )
        elif population > measure.population_max:
            fit.unmet.append(
                (
                    f"人口が上限（{measure.population_max:,}人）を超える",
                    f"population over {measure.population_max:,}",
                )
            )
    if not window_open(measure, day):
        fit.unmet.append(("受付期間外", "outside the call window"))
    return fit
