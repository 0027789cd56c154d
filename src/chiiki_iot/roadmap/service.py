"""Reading the roadmap: revisions, fields, models and KPIs, and comparing two revisions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction, selectinload

from chiiki_iot.core import data_versions
from chiiki_iot.core.errors import NotFound
from chiiki_iot.roadmap.compare import RevisionDiff, diff_revisions
from chiiki_iot.roadmap.datafile import SLUG_PATTERN as SLUG_PATTERN  # what a slug may look like
from chiiki_iot.roadmap.models import Kpi, KpiInput, RoadmapField, RoadmapRevision, SectorModel, YearPlan


def list_revisions(session: Session) -> list[RoadmapRevision]:
    return list(session.scalars(select(RoadmapRevision).order_by(RoadmapRevision.decided_on)))


ROADMAP = "roadmap"
"""The data version (``core.data_versions``) of the roadmap's revisions, models, KPIs and targets."""

_ROADMAP_CLASSES = (RoadmapRevision, RoadmapField, SectorModel, YearPlan, Kpi, KpiInput)
data_versions.watch(
    ROADMAP,
    lambda record: isinstance(record, _ROADMAP_CLASSES),
    tables=[c.__tablename__ for c in _ROADMAP_CLASSES],
)


def version(session: Session) -> int:
    """The roadmap's data version: raised by every load or edit of a revision."""
    return data_versions.current(session, ROADMAP)


_REVISIONS = "chiiki_roadmap_revisions"


def get_revision(session: Session, slug: str | None = None) -> RoadmapRevision:
    """A revision with its whole tree loaded; the newest one when ``slug`` is None. Read once per
    transaction and roadmap version (a dashboard asked for it five times, 10 ms each), unless the
    transaction is itself changing the roadmap."""
    if data_versions.pending(session, ROADMAP):
        return _read_revision(session, slug)
    kept = session.info.setdefault(_REVISIONS, {})
    key = (slug, version(session))
    if key not in kept:
        kept[key] = _read_revision(session, slug)
    return kept[key]


@event.listens_for(Session, "after_transaction_end")
def _forget_revisions(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the objects kept belong to the transaction that read them
        session.info.pop(_REVISIONS, None)


def _read_revision(session: Session, slug: str | None) -> RoadmapRevision:
    query = select(RoadmapRevision).options(
        selectinload(RoadmapRevision.fields)
        .selectinload(RoadmapField.models)
        .selectinload(SectorModel.plans),
        selectinload(RoadmapRevision.fields).selectinload(RoadmapField.models).selectinload(SectorModel.kpis),
    )
    if slug:
        revision = session.scalar(query.where(RoadmapRevision.slug == slug))
    else:
        revision = session.scalar(query.order_by(RoadmapRevision.decided_on.desc()).limit(1))
    if revision is None:
        raise NotFound(
            f"ロードマップの版「{slug or '最新'}」はありません。",
            f"There is no roadmap revision '{slug or 'latest'}'.",
        )
    return revision


def get_field(session: Session, slug: str, *, revision: str | None = None) -> RoadmapField:
    rev = get_revision(session, revision)
    for field in rev.fields:
        if field.slug == slug:
            return field
    raise NotFound(f"分野「{slug}」はありません。", f"There is no field '{slug}'.")


def get_model(session: Session, slug: str, *, revision: str | None = None) -> SectorModel:
    rev = get_revision(session, revision)
    for field in rev.fields:
        for model in field.models:
            if model.slug == slug:
                return model
    raise NotFound(f"分野別モデル「{slug}」はありません。", f"There is no sector model '{slug}'.")


def list_models(session: Session, *, revision: str | None = None) -> list[SectorModel]:
    return [m for f in get_revision(session, revision).fields for m in f.models]


def list_kpis(session: Session, *, revision: str | None = None) -> list[Kpi]:
    return [k for m in list_models(session, revision=revision) for k in m.kpis]


def compare(session: Session, *, old: str, new: str) -> RevisionDiff:
    """What changed between two revisions: models and KPIs added, removed or changed."""
    return diff_revisions(get_revision(session, old), get_revision(session, new))


@dataclass(frozen=True)
class PlanSpan:
    """Consecutive fiscal years with the same plan and phase: one arrow of the seed's 工程表."""

    years: tuple[int, ...]
    phase: str
    plan_ja: str
    plan_en: str
    notes: tuple[dict, ...] = ()  # 注 of the span's years, each once


def plan_spans(model: SectorModel) -> list[PlanSpan]:
    """A model's year plans merged into spans, so a five-year plan reads once, as in the seed's figure."""
    spans: list[PlanSpan] = []
    for plan in model.plans:
        last = spans[-1] if spans else None
        notes = tuple(plan.notes or ())
        if last and (last.phase, last.plan_ja) == (plan.phase, plan.plan_ja):
            merged = last.notes + tuple(n for n in notes if n not in last.notes)
            spans[-1] = PlanSpan(
                (*last.years, plan.fiscal_year), last.phase, last.plan_ja, last.plan_en, merged
            )
        else:
            spans.append(PlanSpan((plan.fiscal_year,), plan.phase, plan.plan_ja, plan.plan_en, notes))
    return spans


def notes_about(row: RoadmapRevision | SectorModel | YearPlan | Kpi, *fields: str) -> list[dict[str, str]]:
    """The 注 of a revision, model, year plan or KPI — each ``{field, ja, en}`` — optionally only those about
    some fields. Pages of other domains that show roadmap text call this so the mark travels with the text:
    a page showing a KPI's name shows ``notes_about(kpi, "name")`` beside it (e.g. through the
    ``roadmap/_notes.html`` macro)."""
    return [n for n in (row.notes or []) if not fields or n["field"] in fields]


def list_kpi_inputs(session: Session, *, revision: str | None = None) -> list[KpiInput]:
    """Every figure the current roadmap asks bodies to report (survey KPI inputs)."""
    return [i for k in list_kpis(session, revision=revision) for i in k.inputs]


def get_kpi_input(session: Session, slug: str) -> KpiInput:
    for item in list_kpi_inputs(session):
        if item.slug == slug:
            return item
    raise NotFound(f"KPI入力項目「{slug}」はありません。", f"There is no KPI input '{slug}'.")
