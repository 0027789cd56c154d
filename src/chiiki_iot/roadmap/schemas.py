"""What the roadmap API returns."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class NoteRead(Read):
    """注: a judgement call of the transcription — what it qualifies (``field``) and why. Anything with a
    note is not printed in the seed as shown: it was reconstructed or inferred."""

    field: str
    ja: str
    en: str


class KpiRead(Read):
    """達成すべき指標."""

    slug: str
    model: str
    name_ja: str
    name_en: str
    target_kind: str
    target_value: float | None
    target_qualifier: str
    target_text_ja: str
    target_text_en: str
    unit_ja: str
    unit_en: str
    counts: str
    target_fiscal_year: int
    baseline: dict | None
    footnotes_ja: list[str]
    footnotes_en: list[str]
    inputs: list[str] = []  # slugs of the figures bodies report for this KPI
    notes: list[NoteRead] = []


class YearPlanRead(Read):
    fiscal_year: int
    phase: str
    plan_ja: str
    plan_en: str
    notes: list[NoteRead] = []


class ModelRead(Read):
    """分野別モデル."""

    slug: str
    field: str
    name_ja: str
    name_en: str
    short_name_ja: str | None
    in_roadmap_table: bool
    effect_ja: str
    effect_en: str
    note_ja: str
    note_en: str
    plans: list[YearPlanRead]
    kpis: list[KpiRead]
    notes: list[NoteRead] = []


class FieldRead(Read):
    slug: str
    name_ja: str
    name_en: str
    area_ja: str
    area_en: str
    models: list[str]


class RevisionRead(Read):
    slug: str
    title_ja: str
    title_en: str
    decided_on: dt.date
    supersedes: str | None
    policy_goal_ja: str
    policy_goal_en: str
    notes: list[NoteRead] = []


class ChangeRead(Read):
    slug: str
    name_ja: str
    details: list[str]


class RevisionDiffRead(Read):
    old: str
    new: str
    models_added: list[ChangeRead]
    models_removed: list[ChangeRead]
    models_changed: list[ChangeRead]
    kpis_added: list[ChangeRead]
    kpis_removed: list[ChangeRead]
    kpis_changed: list[ChangeRead]


def kpi_read(kpi) -> KpiRead:
    return KpiRead.model_validate(
        {**_columns(kpi), "model": kpi.model.slug, "inputs": [i.slug for i in kpi.inputs]}
    )


def model_read(model) -> ModelRead:
    return ModelRead.model_validate(
        {
            **_columns(model),
            "field": model.field.slug,
            "plans": [YearPlanRead.model_validate(p) for p in model.plans],
            "kpis": [kpi_read(k) for k in model.kpis],
        }
    )


def field_read(field) -> FieldRead:
    return FieldRead.model_validate({**_columns(field), "models": [m.slug for m in field.models]})


def _columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


KPI_CSV_COLUMNS = list(KpiRead.model_fields)


def notes_text(notes: list[NoteRead]) -> str:
    """Notes as one CSV cell: 「注（field）: text」 joined, Japanese first as the pages are."""
    return " / ".join(f"注（{n.field}）: {n.ja}" for n in notes)
