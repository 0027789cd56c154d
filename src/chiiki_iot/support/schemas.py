"""Read schemas of the support package's API: measures, budgets, outcomes, applications and dispatches."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from chiiki_iot.support.budgets import BudgetLine
from chiiki_iot.support.models import DispatchRequest, SupportApplication, SupportMeasure
from chiiki_iot.support.outcomes import Outcome
from chiiki_iot.support.plans import Coverage
from chiiki_iot.support.training import Totals


class MeasureRead(BaseModel):
    slug: str
    menu: int
    name_ja: str
    name_en: str
    purpose_ja: str
    barriers: list[str]
    delivery: str
    takes_applications: bool
    eligible_kinds: list[str]
    eligible_stages: list[str]
    eligible_blocks: list[str]
    population_max: int | None
    opens_on: dt.date | None
    closes_on: dt.date | None
    days_per_body_per_year: int | None

    @classmethod
    def of(cls, m: SupportMeasure) -> MeasureRead:
        return cls(
            slug=m.slug, menu=m.menu, name_ja=m.name_ja, name_en=m.name_en, purpose_ja=m.purpose_ja,
            barriers=m.barriers, delivery=m.delivery, takes_applications=m.takes_applications,
            eligible_kinds=m.eligible_kinds, eligible_stages=m.eligible_stages,
            eligible_blocks=m.eligible_blocks, population_max=m.population_max, opens_on=m.opens_on,
            closes_on=m.closes_on, days_per_body_per_year=m.days_per_body_per_year,
        )  # fmt: skip


class BudgetRead(BaseModel):
    measure: str
    fiscal_year: int
    envelope_yen: int
    committed_yen: int
    paid_yen: int
    remaining_yen: int

    @classmethod
    def of(cls, b: BudgetLine) -> BudgetRead:
        return cls(
            measure=b.measure.slug, fiscal_year=b.fiscal_year, envelope_yen=b.envelope_yen,
            committed_yen=b.committed_yen, paid_yen=b.paid_yen, remaining_yen=b.remaining_yen,
        )  # fmt: skip


class OutcomeRead(BaseModel):
    """Observational: supported bodies against matched unsupported ones (see the measure's page)."""

    measure: str
    as_of: dt.date
    supported_units: int
    matched_units: int
    enough_to_say: bool
    supported_share: float | None
    comparison_share: float | None
    difference: float | None
    ci95_low: float | None
    ci95_high: float | None

    @classmethod
    def of(cls, o: Outcome) -> OutcomeRead:
        return cls(
            measure=o.measure_slug, as_of=o.as_of, supported_units=o.units, matched_units=o.matched,
            enough_to_say=o.enough, supported_share=o.supported_share, comparison_share=o.comparison_share,
            difference=o.difference, ci95_low=o.ci_low, ci95_high=o.ci_high,
        )  # fmt: skip


class ApplicationRead(BaseModel):
    id: int
    measure: str
    fiscal_year: int
    lead_body_code: str
    member_codes: list[str]
    title: str
    models: list[str]
    requested_yen: int
    granted_yen: int | None
    status: str
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None

    @classmethod
    def of(cls, a: SupportApplication, measure_slug: str) -> ApplicationRead:
        return cls(
            id=a.id, measure=measure_slug, fiscal_year=a.fiscal_year, lead_body_code=a.lead_body_code,
            member_codes=a.member_codes, title=a.title, models=a.model_slugs, requested_yen=a.requested_yen,
            granted_yen=a.granted_yen, status=a.status, submitted_at=a.submitted_at, decided_at=a.decided_at,
        )  # fmt: skip


class DispatchRead(BaseModel):
    id: int
    measure: str
    body_code: str
    model: str
    mode: str
    days: int
    status: str
    visit_on: dt.date | None
    reported_at: dt.datetime | None

    @classmethod
    def of(cls, d: DispatchRequest, measure_slug: str) -> DispatchRead:
        return cls(
            id=d.id, measure=measure_slug, body_code=d.body_code, model=d.model_slug, mode=d.mode,
            days=d.days, status=d.status, visit_on=d.visit_on, reported_at=d.reported_at,
        )  # fmt: skip


class PlanCoverageRead(BaseModel):
    """Plans in force by scope, beside the share implementing with and without one (observational)."""

    scope: str
    name: str
    bodies: int
    plans_in_force: int
    drafting: int
    share_with_plan: float | None
    implementing_share_with_plan: float | None
    implementing_share_without_plan: float | None

    @classmethod
    def of(cls, c: Coverage) -> PlanCoverageRead:
        return cls(
            scope=c.key, name=c.label_ja, bodies=c.bodies, plans_in_force=c.in_force, drafting=c.drafting,
            share_with_plan=c.share, implementing_share_with_plan=c.implementing_share_with_plan,
            implementing_share_without_plan=c.implementing_share_without_plan,
        )  # fmt: skip


class TrainingRead(BaseModel):
    course_id: int
    course: str
    fiscal_year: int
    sessions: int
    participants: int
    bodies: int
    kpi: str

    @classmethod
    def of(cls, t: Totals) -> TrainingRead:
        return cls(
            course_id=t.course.id, course=t.course.title, fiscal_year=t.fiscal_year, sessions=t.sessions,
            participants=t.people, bodies=t.bodies, kpi=t.course.kpi_slug,
        )  # fmt: skip
