"""Revising the roadmap on the site: the next revision is drafted as a whole data file (``RevisionSpec``)
from the one in force, compared with it, and published as a new revision — the way the May 2017 改定
replaced the first one. Models and KPIs keep their slugs across revisions; a KPI renamed or split names
the slugs it continues, so its history of targets (and national figures) reads across revisions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.roadmap.compare import RevisionDiff as RevisionDiff  # for the domains above
from chiiki_iot.roadmap.compare import diff_revisions
from chiiki_iot.roadmap.datafile import RevisionSpec, shipped_revisions
from chiiki_iot.roadmap.loader import build_revision
from chiiki_iot.roadmap.models import RoadmapRevision
from chiiki_iot.roadmap.service import get_revision, list_revisions


def revision_spec(session: Session, slug: str | None = None) -> RevisionSpec:
    """A revision as its data file (the newest when ``slug`` is None): what a draft starts from."""
    revision = get_revision(session, slug)
    if revision.spec is not None:
        return RevisionSpec.model_validate(revision.spec)
    shipped = {s.slug: s for s in shipped_revisions()}
    if revision.slug not in shipped:
        raise InvalidInput(
            f"版「{revision.slug}」の元データがありません。", f"Revision {revision.slug} has no data file."
        )
    return shipped[revision.slug]


def checked_spec(data: dict) -> RevisionSpec:
    """A revision file (as parsed YAML or JSON) validated as the roadmap's own files are, with every
    problem named in both languages."""
    try:
        return RevisionSpec.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(全体)'}: {e['msg']}" for e in error.errors()[:5]
        )
        raise InvalidInput(
            f"ロードマップのデータに誤りがあります（{problems}）。",
            f"The roadmap data is not valid ({problems}).",
        ) from None


def compare_with(session: Session, *, old: str | None, new: RevisionSpec) -> RevisionDiff:
    """What a draft changes against a revision in force (the same comparison as between two published
    revisions), without storing the draft."""
    return diff_revisions(get_revision(session, old), build_revision(new))


def publish(session: Session, *, principal: Principal, spec: RevisionSpec) -> RoadmapRevision:
    """改定: the draft becomes the newest revision. Its slug must be new and its decision date no earlier
    than the revision in force (pages show the newest by date)."""
    authorize(principal, "roadmap.revise")
    if session.scalar(select(RoadmapRevision.id).where(RoadmapRevision.slug == spec.slug)) is not None:
        raise Conflict(f"版「{spec.slug}」はすでにあります。", f"Revision {spec.slug} already exists.")
    latest = list_revisions(session)[-1]
    if spec.decided_on < latest.decided_on:
        raise InvalidInput(
            f"決定日は現行の版（{latest.slug}、{latest.decided_on:%Y年%m月%d日}）より後にしてください。",
            f"The decision date must not be before the revision in force ({latest.slug}, {latest.decided_on}).",
        )
    revision = build_revision(spec)
    session.add(revision)
    session.flush()
    return revision


@dataclass(frozen=True)
class RevisionTarget:
    """A KPI's target in one revision (the KPI found by its slug or one it continues)."""

    revision: str
    decided_on: dt.date
    kpi_slug: str
    target_value: float | None
    target_text_ja: str
    target_text_en: str
    target_fiscal_year: int


def targets_across(session: Session, kpi_slug: str) -> list[RevisionTarget]:
    """The KPI's target in every revision that has it, oldest first: following the slugs each newer KPI
    continues, so a renamed KPI keeps the targets set under its old name."""
    names = {kpi_slug}
    out: list[RevisionTarget] = []
    for revision in reversed(list_revisions(session)):
        full = get_revision(session, revision.slug)
        found = next((k for f in full.fields for m in f.models for k in m.kpis if k.slug in names), None)
        if found is None:
            continue
        names |= set(found.continues or [])
        out.append(
            RevisionTarget(
                revision.slug,
                revision.decided_on,
                found.slug,
                found.target_value,
                found.target_text_ja,
                found.target_text_en,
                found.target_fiscal_year,
            )
        )
    return out[::-1]
