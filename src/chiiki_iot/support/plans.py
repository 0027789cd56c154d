"""計画策定支援: each body's IoT/DX plan or strategy, and plan coverage by block and prefecture beside the
implementation status — do bodies with an adopted plan implement more? (Observational, like the outcomes.)

A body has at most one plan record, kept current (drafting → adopted → updated); the audit log keeps what
it said before. "No plan" is the absence of a record, never a stored status."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption import service as adoption
from chiiki_iot.core import data_versions
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.core.text import clean_url
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support.models import BodyPlan

PLANS = "support.plans"
data_versions.watch(PLANS, lambda record: isinstance(record, BodyPlan), tables=("support_body_plans",))
"""Raised by every change to a plan: the dashboard's plan coverage follows it."""

STATUSES = {"drafting": N_("策定中"), "adopted": N_("策定済"), "updated": N_("改定済")}
IN_FORCE = frozenset({"adopted", "updated"})


@dataclass(frozen=True)
class PlanInput:
    title: str
    status: str
    period_from: int | None = None
    period_to: int | None = None
    model_slugs: list[str] = field(default_factory=list)
    targets: list[tuple[str, float]] = field(default_factory=list)
    lead_department: str = ""
    external_staff: str = ""
    adopted_on: dt.date | None = None
    url: str = ""


def plan_of(session: Session, body_code: str) -> BodyPlan | None:
    code = registry.get_body(session, body_code).code
    return session.scalar(select(BodyPlan).where(BodyPlan.body_code == code))


def save_plan(
    session: Session, *, principal: Principal, body_code: str, expected_version: int | None, data: PlanInput
) -> BodyPlan:
    """The body (or the secretariat for it) records or updates its plan; a stale form is refused."""
    body = registry.get_body(session, body_code)
    authorize(principal, "plans.record", registry.policy_target(body))
    adoption.check_counted(body)
    plan = plan_of(session, body.code)
    if plan is not None and plan.version != expected_version:
        raise Conflict(
            "この計画は、開いた後に他の人が更新しました。最新の内容を確かめてください。",
            "Someone changed this plan since you opened it; check the latest and try again.",
        )
    values = _checked(session, data)
    if plan is None:
        plan = BodyPlan(body_code=body.code, **values)
        session.add(plan)
    else:
        for name, value in values.items():
            setattr(plan, name, value)
    plan.updated_at, plan.updated_by = dt.datetime.now(dt.UTC), principal.actor
    session.flush()
    return plan


def _checked(session: Session, data: PlanInput) -> dict[str, object]:
    if not data.title.strip():
        raise InvalidInput("計画の名称を入力してください。", "Give the plan's title.")
    if data.status not in STATUSES:
        raise InvalidInput("計画の状況を選んでください。", "Choose the plan's status.")
    for year in (data.period_from, data.period_to):
        if year is not None and not 2000 <= year <= 2100:
            raise InvalidInput(
                "計画期間の年度は2000〜2100にしてください。", "The period's years must be 2000–2100."
            )
    if data.period_from and data.period_to and data.period_to < data.period_from:
        raise InvalidInput(
            "計画期間の終わりは始まりより後にしてください。", "The period must end after it starts."
        )
    if data.status in IN_FORCE and data.adopted_on is None:
        raise InvalidInput(
            "策定（改定）した日を入力してください。", "Give the date it was adopted (or updated)."
        )
    kpis = {k.slug for k in roadmap.list_kpis(session)}
    for slug, _ in data.targets:
        if slug not in kpis:
            raise InvalidInput(
                f"KPI「{slug}」はロードマップにありません。", f"The roadmap has no KPI '{slug}'."
            )
    return {
        "title": data.title.strip()[:255],
        "status": data.status,
        "period_from": data.period_from,
        "period_to": data.period_to,
        "model_slugs": [adoption.check_model(session, m) for m in dict.fromkeys(data.model_slugs)],
        "targets": [{"kpi": slug, "target": target} for slug, target in data.targets],
        "lead_department": data.lead_department.strip()[:255],
        "external_staff": data.external_staff.strip()[:2000],
        "adopted_on": data.adopted_on if data.status in IN_FORCE else None,
        "url": clean_url(data.url.strip()) if data.url.strip() else "",
    }


@dataclass
class Coverage:
    """One scope's plans beside its implementation: how many counted bodies have a plan in force, and the
    share of bodies with at least one model at 実装済 among those with a plan and those without."""

    key: str
    label_ja: str
    label_en: str
    bodies: int = 0
    in_force: int = 0
    drafting: int = 0
    implemented_with_plan: int = 0
    implemented_without_plan: int = 0

    @property
    def share(self) -> float | None:
        return self.in_force / self.bodies if self.bodies else None

    @property
    def implementing_share_with_plan(self) -> float | None:
        return self.implemented_with_plan / self.in_force if self.in_force else None

    @property
    def implementing_share_without_plan(self) -> float | None:
        rest = self.bodies - self.in_force
        return self.implemented_without_plan / rest if rest else None


def coverage(session: Session, *, level: str, as_of: dt.date | None = None) -> list[Coverage]:
    """Plan coverage by ``level`` (nation, block or prefecture), every scope listed (none left out as 0)."""
    day = as_of or today_in_japan()
    if level not in ("nation", "block", "prefecture"):
        raise InvalidInput(
            "集計の単位は nation・block・prefecture です。", "Level is nation, block or prefecture."
        )
    statuses = dict(session.execute(select(BodyPlan.body_code, BodyPlan.status)).all())
    implemented = progress.implementing_bodies(session, as_of=day)
    rows: dict[str, Coverage] = {}
    for key, ja, en in _scopes(session, level):
        rows[key] = Coverage(key, ja, en)
    for body in registry.counted_bodies(session):
        row = rows[_key_of(body, level)]
        status = statuses.get(body.code)
        row.bodies += 1
        row.in_force += status in IN_FORCE
        row.drafting += status == "drafting"
        if body.code in implemented:
            if status in IN_FORCE:
                row.implemented_with_plan += 1
            else:
                row.implemented_without_plan += 1
    return list(rows.values())


def _scopes(session: Session, level: str) -> list[tuple[str, str, str]]:
    if level == "nation":
        return [("", "全国", "Nation")]
    if level == "block":
        return [(b.slug, b.name_ja, b.name_en) for b in registry.list_blocks(session)]
    return [(p.code, p.full_name, p.name_en or p.full_name) for p in registry.list_prefectures(session)]


def _key_of(body: registry.BodyRef, level: str) -> str:
    return {"nation": "", "block": body.block_slug, "prefecture": body.prefecture_code}[level]


def counts_by_status(session: Session) -> dict[str, int]:
    """Plans by status, for the dashboard's one line (bodies with no record are not counted here)."""
    found: dict[str, int] = defaultdict(int)
    for status in session.scalars(select(BodyPlan.status)):
        found[status] += 1
    return dict(found)
