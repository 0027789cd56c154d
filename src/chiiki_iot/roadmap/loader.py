"""Load the roadmap revisions shipped in ``data/roadmap/`` into the database.

A revision is immutable once decided, but its transcription may be corrected: each load records a digest
of every revision's content, and a revision whose file has changed since is replaced on the next start
(``force`` replaces them all). While nothing else refers to roadmap rows this is a plain replacement;
once other tables hold foreign keys to models or KPIs it must become an update in place.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.core.models import ReferenceLoad
from chiiki_iot.roadmap.datafile import NoteSpec, RevisionSpec, shipped_revisions
from chiiki_iot.roadmap.models import Kpi, KpiInput, RoadmapField, RoadmapRevision, SectorModel, YearPlan


def load_roadmap(session: Session, *, force: bool = False) -> list[str]:
    """Load every shipped revision that is new or changed; return the slugs loaded."""
    loaded: list[str] = []
    known = _loaded_digests(session)
    digests = {spec.slug: digest(spec) for spec in shipped_revisions()}
    for spec in shipped_revisions():
        existing = session.scalar(select(RoadmapRevision).where(RoadmapRevision.slug == spec.slug))
        if existing is not None:
            if not force and known.get(spec.slug) == digests[spec.slug]:
                continue
            session.delete(existing)
            session.flush()
        session.add(build_revision(spec))
        loaded.append(spec.slug)
    if loaded:
        session.add(
            ReferenceLoad(
                dataset="roadmap",
                source="chiiki_iot/data/roadmap",
                loaded_at=dt.datetime.now(dt.UTC),
                summary={"revisions": loaded, "digests": digests},
            )
        )
    session.flush()
    return loaded


def digest(spec: RevisionSpec) -> str:
    """A fingerprint of a revision's content (comments in the file do not count)."""
    return hashlib.sha256(spec.model_dump_json().encode("utf-8")).hexdigest()


def _loaded_digests(session: Session) -> dict[str, str]:
    loads = session.scalars(
        select(ReferenceLoad).where(ReferenceLoad.dataset == "roadmap").order_by(ReferenceLoad.id)
    )
    known: dict[str, str] = {}
    for load in loads:
        known.update((load.summary or {}).get("digests", {}))
    return known


def build_revision(spec: RevisionSpec) -> RoadmapRevision:
    """Turn a validated revision file into rows (not yet added to a session)."""
    revision = RoadmapRevision(
        slug=spec.slug,
        title_ja=spec.title_ja,
        title_en=spec.title_en,
        decided_on=spec.decided_on,
        supersedes=spec.supersedes,
        source_ja=spec.source_ja,
        policy_goal_ja=spec.policy_goal_ja,
        policy_goal_en=spec.policy_goal_en,
        notes=_notes(spec.notes),
        loaded_at=dt.datetime.now(dt.UTC),
        spec=spec.model_dump(mode="json"),
    )
    for f_order, f in enumerate(spec.fields):
        field = RoadmapField(
            slug=f.slug,
            name_ja=f.name_ja,
            name_en=f.name_en,
            area_ja=f.area_ja,
            area_en=f.area_en,
            sort_order=f_order,
        )
        revision.fields.append(field)
        for m_order, m in enumerate(f.models):
            model = SectorModel(
                revision=revision,
                slug=m.slug,
                name_ja=m.name_ja,
                name_en=m.name_en,
                short_name_ja=m.short_name_ja,
                in_roadmap_table=m.in_roadmap_table,
                effect_ja=m.effect_ja,
                effect_en=m.effect_en,
                note_ja=m.note_ja,
                note_en=m.note_en,
                notes=_notes(m.notes),
                sort_order=m_order,
            )
            field.models.append(model)
            model.plans = [
                YearPlan(
                    fiscal_year=p.fiscal_year,
                    phase=p.phase.value,
                    plan_ja=p.plan_ja,
                    plan_en=p.plan_en,
                    notes=_notes(p.notes),
                )
                for p in m.plans
            ]
            model.kpis = [
                Kpi(
                    revision=revision,
                    slug=k.slug,
                    name_ja=k.name_ja,
                    name_en=k.name_en,
                    target_kind=k.target.kind.value,
                    target_value=k.target.value,
                    target_qualifier=k.target.qualifier.value,
                    target_text_ja=k.target.text_ja,
                    target_text_en=k.target.text_en,
                    unit_ja=k.unit_ja,
                    unit_en=k.unit_en,
                    counts=k.counts,
                    target_fiscal_year=k.target_fiscal_year,
                    baseline=k.baseline.model_dump() if k.baseline else None,
                    footnotes_ja=list(k.footnotes_ja),
                    footnotes_en=list(k.footnotes_en),
                    sort_order=k_order,
                    measure=k.measure_or_default.model_dump(mode="json"),
                    notes=_notes(k.notes),
                    continues=list(k.continues),
                    inputs=[
                        KpiInput(
                            revision=revision,
                            slug=i.slug,
                            name_ja=i.name_ja,
                            name_en=i.name_en,
                            unit_ja=i.unit_ja,
                            unit_en=i.unit_en,
                            per_inhabitant_max=i.per_inhabitant_max,
                        )
                        for i in k.inputs
                    ],
                )
                for k_order, k in enumerate(m.kpis)
            ]
    return revision


def _notes(notes: list[NoteSpec]) -> list[dict[str, str]]:
    return [n.model_dump() for n in notes]
