"""Compare two roadmap revisions. Pure: works on loaded revision objects, no database access.

Models and KPIs are matched by slug, which is why slugs are stable across revisions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chiiki_iot.roadmap.models import Kpi, RoadmapRevision, SectorModel


@dataclass
class Change:
    slug: str
    name_ja: str
    details: list[str] = field(default_factory=list)


@dataclass
class RevisionDiff:
    old: str
    new: str
    models_added: list[Change] = field(default_factory=list)
    models_removed: list[Change] = field(default_factory=list)
    models_changed: list[Change] = field(default_factory=list)
    kpis_added: list[Change] = field(default_factory=list)
    kpis_removed: list[Change] = field(default_factory=list)
    kpis_changed: list[Change] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.models_added,
                self.models_removed,
                self.models_changed,
                self.kpis_added,
                self.kpis_removed,
                self.kpis_changed,
            )
        )


def _models(rev: RoadmapRevision) -> dict[str, SectorModel]:
    return {m.slug: m for f in rev.fields for m in f.models}


def _kpis(rev: RoadmapRevision) -> dict[str, Kpi]:
    return {k.slug: k for m in _models(rev).values() for k in m.kpis}


def _model_details(old: SectorModel, new: SectorModel) -> list[str]:
    details = []
    if old.name_ja != new.name_ja:
        details.append(f"名称: {old.name_ja} → {new.name_ja}")
    if old.field.slug != new.field.slug:
        details.append(f"分野: {old.field.name_ja} → {new.field.name_ja}")
    old_plans = {p.fiscal_year: (p.phase, p.plan_ja) for p in old.plans}
    for plan in new.plans:
        before = old_plans.get(plan.fiscal_year)
        if before != (plan.phase, plan.plan_ja):
            details.append(f"{plan.fiscal_year}年度: {before[1] if before else '（なし）'} → {plan.plan_ja}")
    return details


def _kpi_details(old: Kpi, new: Kpi) -> list[str]:
    details = []
    for attr, label, shown in (
        ("name_ja", "名称", str),
        ("target_text_ja", "目標", str),
        ("target_value", "目標値", _number),
        ("target_fiscal_year", "目標年度", lambda year: f"{year}年度"),
        ("unit_ja", "単位", str),
    ):
        if getattr(old, attr) != getattr(new, attr):
            details.append(f"{label}: {shown(getattr(old, attr))} → {shown(getattr(new, attr))}")
    return details


def _number(value: float | None) -> str:
    """1000.0 as 1,000 (a target as people read it); none as （なし）."""
    return "（なし）" if value is None else f"{value:,g}" if value < 1e6 else f"{value:,.0f}"


def diff_revisions(old: RoadmapRevision, new: RoadmapRevision) -> RevisionDiff:
    diff = RevisionDiff(old=old.slug, new=new.slug)
    _diff_items(
        _models(old),
        _models(new),
        _model_details,
        diff.models_added,
        diff.models_removed,
        diff.models_changed,
    )
    _diff_items(_kpis(old), _kpis(new), _kpi_details, diff.kpis_added, diff.kpis_removed, diff.kpis_changed)
    return diff


def _diff_items(old, new, details_of, added, removed, changed) -> None:
    for slug, item in new.items():
        if slug not in old:
            added.append(Change(slug, item.name_ja))
        elif details := details_of(old[slug], item):
            changed.append(Change(slug, item.name_ja, details))
    removed.extend(Change(slug, item.name_ja) for slug, item in old.items() if slug not in new)
