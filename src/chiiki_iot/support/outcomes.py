"""成果: did the bodies a measure supported move up the ladder more than similar bodies it did not support?

Observational, and labelled so: support is not assigned at random (bodies that ask may be the ones about to
move anyway). What is compared, stated on every page that shows it:

- **Supported units**: each (body, model) a measure supported — every body of an approved application
  (approved, in progress or completed) on each of its models from the decision date; each reported dispatch
  on its model from the visit date.
- **Moved up**: the body's stage on the model at the as-of date is higher than both its stage the day
  before support began and 関心あり (asking for help on a model already shows interest, and a dispatch
  report records at least that; only a move beyond it counts).
- **Comparison**: for each supported unit, the counted bodies of the same kind, the same population band
  and the same block that this measure did not support, over the same dates on the same model (exact
  matching on the three); the unit's comparison value is the share of them that moved up.
- **Difference**: mean over matched units of (moved − comparison), with a 95 % interval (normal
  approximation, ±1.96 standard errors); fewer than ``MIN_UNITS`` matched units is "too few to say".
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage, rank
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.support.menus import get_measure
from chiiki_iot.support.models import DispatchRequest, SupportApplication

MIN_UNITS = 5
SUPPORTED_STATUSES = ("approved", "in-progress", "completed")
JST = dt.timezone(dt.timedelta(hours=9))


@dataclass(frozen=True)
class Unit:
    body_code: str
    model_slug: str
    since: dt.date


@dataclass(frozen=True)
class Outcome:
    measure_slug: str
    as_of: dt.date
    units: int
    matched: int
    supported_share: float | None
    comparison_share: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def enough(self) -> bool:
        return self.matched >= MIN_UNITS


def supported_units(session: Session, measure_id: int) -> list[Unit]:
    units: list[Unit] = []
    for application in session.scalars(
        select(SupportApplication).where(
            SupportApplication.measure_id == measure_id,
            SupportApplication.status.in_(SUPPORTED_STATUSES),
        )
    ):
        assert application.decided_at is not None
        since = application.decided_at.astimezone(JST).date()
        codes = [application.lead_body_code, *application.member_codes]
        units += [Unit(c, m, since) for c in codes for m in application.model_slugs]
    for dispatch in session.scalars(
        select(DispatchRequest).where(
            DispatchRequest.measure_id == measure_id, DispatchRequest.status == "reported"
        )
    ):
        since = dispatch.visit_on or dispatch.requested_at.astimezone(JST).date()
        units.append(Unit(dispatch.body_code, dispatch.model_slug, since))
    return sorted(set(units), key=lambda u: (u.body_code, u.model_slug, u.since))


def moved_up(before: str | None, after: str | None) -> bool:
    """Higher on the ladder than before and than 関心あり (no record counts as 未着手)."""
    was = rank(Stage(before)) if before else 0
    now = rank(Stage(after)) if after else 0
    return now > max(was, rank(Stage.INTERESTED))


def outcome(session: Session, measure_slug: str, *, as_of: dt.date | None = None) -> Outcome:
    day = as_of or today_in_japan()
    measure = get_measure(session, measure_slug)
    units = [u for u in supported_units(session, measure.id) if u.since <= day]
    supported = {u.body_code for u in units}
    bodies = registry.counted_bodies(session)
    band = registry.population_bands(session)
    strata: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for b in bodies:
        if b.code not in supported:
            strata[(b.kind, band.get(b.code, ""), b.block_slug)].append(b.code)
    kinds = {b.code: (b.kind, band.get(b.code, ""), b.block_slug) for b in bodies}
    models = sorted({u.model_slug for u in units})
    stages = _Stages(session, models)
    differences, own, others = [], [], []
    for unit in units:
        peers = strata.get(kinds.get(unit.body_code, ("", "", "")), [])
        if not peers:
            continue
        before, after = stages.on(unit.since - dt.timedelta(days=1)), stages.on(day)
        mine = float(
            moved_up(
                before.get((unit.body_code, unit.model_slug)), after.get((unit.body_code, unit.model_slug))
            )
        )
        theirs = statistics.fmean(
            moved_up(before.get((p, unit.model_slug)), after.get((p, unit.model_slug))) for p in peers
        )
        own.append(mine)
        others.append(theirs)
        differences.append(mine - theirs)
    return _summary(measure.slug, day, len(units), own, others, differences)


def _summary(
    slug: str, day: dt.date, units: int, own: list[float], others: list[float], differences: list[float]
) -> Outcome:
    if not differences:
        return Outcome(slug, day, units, 0, None, None, None, None, None)
    mean = statistics.fmean(differences)
    half = (
        1.96 * statistics.stdev(differences) / math.sqrt(len(differences))
        if len(differences) > 1
        else math.inf
    )
    return Outcome(
        slug, day, units, len(differences), statistics.fmean(own), statistics.fmean(others), mean,
        max(-1.0, mean - half), min(1.0, mean + half),
    )  # fmt: skip


class _Stages:
    """Stages of every counted body on the models concerned, read once per date."""

    def __init__(self, session: Session, models: list[str]) -> None:
        self._session, self._models = session, models
        self._by_day: dict[dt.date, dict[tuple[str, str], str]] = {}

    def on(self, day: dt.date) -> dict[tuple[str, str], str]:
        if day not in self._by_day:
            self._by_day[day] = adoption.stages_on(self._session, day=day, model_slugs=self._models)
        return self._by_day[day]
