"""The shape of a roadmap revision data file (``src/chiiki_iot/data/roadmap/*.yaml``).

A revision file is a transcription of one version of the 地域IoT実装推進ロードマップ. Validating it with
Pydantic before anything touches the database means a typo in the data is reported with its path in the
file instead of surfacing later as a half-loaded roadmap.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chiiki_iot.core.terms import N_

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
ROADMAP_FISCAL_YEARS = (2016, 2017, 2018, 2019, 2020)


class Phase(StrEnum):
    """実証 (demonstration) or 実装 (implementation) phase of a model in one fiscal year."""

    DEMONSTRATION = "実証"
    IMPLEMENTATION = "実装"


class TargetKind(StrEnum):
    """How a KPI's 2020 target (達成すべき指標) is expressed in the seed."""

    ABSOLUTE = "absolute"  # a count or amount: 1,303 団体, 約3万箇所
    SHARE = "share"  # a percentage of a population: 100% of schools
    MULTIPLE = "multiple"  # relative to a baseline: 3倍
    QUALITATIVE = "qualitative"  # no number: 世界に先駆け5G実現


class Qualifier(StrEnum):
    """The hedge the seed puts on a number (約, 程度, 以上)."""

    EXACT = "exact"
    APPROXIMATELY = "approximately"  # 約 / 程度
    AT_LEAST = "at_least"  # 以上


# What a KPI counts (its ``counts`` slug) → the Japanese label shown on pages; English is in the catalogue.
# A closed list, so a typo in a data file fails validation instead of showing up as a raw slug.
COUNTED_THINGS: dict[str, str] = {
    "schools": N_("学校"),
    "medical-areas": N_("医療圏"),
    "patients": N_("患者"),
    "organisations": N_("団体・機関"),
    "users": N_("利用者"),
    "companies": N_("企業"),
    "workers": N_("労働者"),
    "sites": N_("整備箇所"),
    "jobs": N_("雇用"),
    "prefectures": N_("都道府県"),
    "areas": N_("地域"),
    "municipalities": N_("市区町村"),
    "bodies": N_("地方公共団体"),
    "cases": N_("事例"),
    "rules": N_("ルール"),
    "implementations": N_("実装件数"),
    "trainees": N_("受講者"),
    "testbeds": N_("テストベッド"),
    "outreach": N_("周知活動"),
    "milestone": N_("到達目標"),
    "to-be-decided": N_("未定（検討中）"),
}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# 注: what a transcription note can be about → the label shown when the note is opened. The seed is a PDF
# extraction, so some of what the roadmap shows is not printed there but reconstructed or inferred by us;
# each such judgement is a note in the data (not a YAML comment), loaded with the revision and shown on
# the pages as 「注」 beside the text it qualifies. A closed list per level, so a typo fails validation.
NOTE_FIELDS: dict[str, str] = {
    "decided_on": N_("決定日"),
    "policy_goal": N_("政策目標"),
    "phases": N_("実証・実装のフェーズ"),
    "effects": N_("効果"),
    "translation": N_("英語表記"),
    "name": N_("名称"),
    "field": N_("分野"),
    "effect": N_("効果"),
    "plans": N_("年度の区切りとフェーズ"),
    "phase": N_("フェーズ"),
    "plan": N_("計画"),
    "target": N_("目標"),
    "baseline": N_("基準"),
    "target_fiscal_year": N_("目標年度"),
    "model": N_("掲載位置"),
}
REVISION_NOTE_FIELDS = frozenset({"decided_on", "policy_goal", "phases", "effects", "translation"})
MODEL_NOTE_FIELDS = frozenset({"name", "field", "effect", "plans"})
PLAN_NOTE_FIELDS = frozenset({"phase", "plan"})
KPI_NOTE_FIELDS = frozenset({"name", "target", "baseline", "target_fiscal_year", "model"})


class NoteSpec(Strict):
    """注: a judgement call of the transcription — what it is about and why, in Japanese and English."""

    field: str = Field(description="What the note qualifies: one of NOTE_FIELDS allowed at its level.")
    ja: str = Field(min_length=1)
    en: str = Field(min_length=1)


def _check_notes(notes: list[NoteSpec], allowed: frozenset[str], where: str) -> None:
    wrong = sorted({n.field for n in notes} - allowed)
    if wrong:
        raise ValueError(f"{where}: notes about {wrong} are not allowed here (one of {sorted(allowed)})")


class Baseline(Strict):
    """What a relative target is measured against (the base of 3倍, 10%以上)."""

    description_ja: str
    description_en: str
    fiscal_year: int | None = None
    value: float | None = None


class KpiTarget(Strict):
    kind: TargetKind
    value: float | None = None
    qualifier: Qualifier = Qualifier.EXACT
    text_ja: str = Field(description="The target exactly as the seed prints it, e.g. '1,303' or '約3万箇所'.")
    text_en: str = Field(description="The same target in English, e.g. 'about 30,000 sites'.")

    @model_validator(mode="after")
    def _value_matches_kind(self) -> KpiTarget:
        if (self.kind == TargetKind.QUALITATIVE) != (self.value is None):
            raise ValueError("qualitative targets have no value; every other kind needs one")
        return self


class InputSpec(Strict):
    """A figure each body reports so that a KPI can be measured (e.g. its number of schools)."""

    slug: str = Field(pattern=SLUG_PATTERN)
    name_ja: str
    name_en: str
    unit_ja: str
    unit_en: str
    per_inhabitant_max: float | None = Field(
        default=None,
        gt=0,
        description="The most a body can report per inhabitant (people: 1; schools: 0.05), where its "
        "population is known: a figure beyond it is a typo, refused before it reaches a national sum.",
    )


class MeasureMethod(StrEnum):
    """How a KPI is measured (測定方法) — declared per KPI in the data, never coded per KPI."""

    BODIES_AT_STAGE = (
        "bodies-at-stage"  # count bodies (of some kinds) at or above a stage on any of some models
    )
    INPUT_SUM = "input-sum"  # sum a figure bodies report
    INPUT_RATIO = "input-ratio"  # sum of one figure over the sum of another (×scale, e.g. 100 for %)
    NATIONAL_FIGURE = "national-figure"  # a national figure the secretariat enters with its source and date
    NOT_MEASURED = "not-measured"  # a qualitative target: no number to track


class MeasureSpec(Strict):
    """測定方法 of one KPI. Absent in the data means a national figure (or not measured, if qualitative)."""

    method: MeasureMethod
    models: list[str] = []
    stage: str = "実装済"
    kinds: list[Literal["prefecture", "municipality"]] = ["prefecture", "municipality"]
    input: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0

    @model_validator(mode="after")
    def _complete(self) -> MeasureSpec:
        needs = {
            MeasureMethod.BODIES_AT_STAGE: self.models,
            MeasureMethod.INPUT_SUM: self.input,
            MeasureMethod.INPUT_RATIO: self.numerator and self.denominator,
        }
        if self.method in needs and not needs[self.method]:
            raise ValueError(f"measure {self.method.value} is missing its models or inputs")
        return self


class KpiSpec(Strict):
    """One 達成すべき指標."""

    slug: str = Field(pattern=SLUG_PATTERN)
    name_ja: str
    name_en: str
    target: KpiTarget
    unit_ja: str
    unit_en: str
    counts: str = Field(pattern=SLUG_PATTERN, description="What is counted: one of COUNTED_THINGS.")
    target_fiscal_year: int
    baseline: Baseline | None = None
    footnotes_ja: list[str] = []
    footnotes_en: list[str] = []
    inputs: list[InputSpec] = Field([], description="Figures bodies report for this KPI (survey KPI inputs).")
    measure: MeasureSpec | None = Field(
        None, description="How the KPI is measured; default: a national figure."
    )
    notes: list[NoteSpec] = Field(
        [], description="注: where the name, target or baseline is ours, not the seed's."
    )
    continues: list[str] = Field(
        [],
        description="Slugs of earlier revisions' KPIs this one continues (renamed or split): their "
        "targets and national figures stay its history.",
    )

    @property
    def measure_or_default(self) -> MeasureSpec:
        if self.measure is not None:
            return self.measure
        qualitative = self.target.kind == TargetKind.QUALITATIVE
        return MeasureSpec(
            method=MeasureMethod.NOT_MEASURED if qualitative else MeasureMethod.NATIONAL_FIGURE
        )

    @model_validator(mode="after")
    def _relative_targets_have_baseline(self) -> KpiSpec:
        if self.target.kind == TargetKind.MULTIPLE and self.baseline is None:
            raise ValueError(f"KPI {self.slug}: a multiple target needs a baseline")
        if self.counts not in COUNTED_THINGS:
            raise ValueError(
                f"KPI {self.slug}: counts '{self.counts}' is not one of {sorted(COUNTED_THINGS)}"
            )
        _check_notes(self.notes, KPI_NOTE_FIELDS, f"KPI {self.slug}")
        return self


class YearPlan(Strict):
    """What the roadmap plans for a model in one fiscal year."""

    fiscal_year: int
    phase: Phase
    plan_ja: str
    plan_en: str = ""
    notes: list[NoteSpec] = []

    @model_validator(mode="after")
    def _notes_fit(self) -> YearPlan:
        _check_notes(self.notes, PLAN_NOTE_FIELDS, f"plan of FY{self.fiscal_year}")
        return self


class ModelSpec(Strict):
    """A sector model (分野別モデル) such as 教育クラウド・プラットフォーム."""

    slug: str = Field(pattern=SLUG_PATTERN)
    name_ja: str
    name_en: str
    short_name_ja: str | None = None
    in_roadmap_table: bool = True
    plans: list[YearPlan] = []
    kpis: list[KpiSpec] = []
    effect_ja: str = ""
    effect_en: str = ""
    note_ja: str = ""
    note_en: str = ""
    notes: list[NoteSpec] = Field(
        [], description="注: where the effect, the year split or the phases are ours."
    )

    @model_validator(mode="after")
    def _plans_cover_each_year_once(self) -> ModelSpec:
        years = [p.fiscal_year for p in self.plans]
        if self.in_roadmap_table and sorted(years) != list(ROADMAP_FISCAL_YEARS):
            raise ValueError(
                f"model {self.slug}: plans must cover {ROADMAP_FISCAL_YEARS} once each, got {years}"
            )
        _check_notes(self.notes, MODEL_NOTE_FIELDS, f"model {self.slug}")
        return self


class FieldSpec(Strict):
    """A field (分野) of the roadmap such as 教育 or IoT基盤."""

    slug: str = Field(pattern=SLUG_PATTERN)
    name_ja: str
    name_en: str
    area_ja: str = Field(description="The row group of the table: 地域の生活に身近な分野 or IoT基盤.")
    area_en: str
    models: list[ModelSpec]


class RevisionSpec(Strict):
    """A whole revision of the roadmap."""

    slug: str = Field(pattern=r"^\d{4}-\d{2}$")
    title_ja: str
    title_en: str
    decided_on: dt.date
    supersedes: str | None = None
    source_ja: str
    policy_goal_ja: str
    policy_goal_en: str
    notes: list[NoteSpec] = Field([], description="注: judgement calls about the revision as a whole.")
    fields: list[FieldSpec]

    @model_validator(mode="after")
    def _slugs_unique(self) -> RevisionSpec:
        _check_notes(self.notes, REVISION_NOTE_FIELDS, f"revision {self.slug}")
        models = [m.slug for f in self.fields for m in f.models]
        kpis = [k.slug for f in self.fields for m in f.models for k in m.kpis]
        inputs = [i.slug for f in self.fields for m in f.models for k in m.kpis for i in k.inputs]
        for kind, slugs in (
            ("field", [f.slug for f in self.fields]),
            ("model", models),
            ("KPI", kpis),
            ("KPI input", inputs),
        ):
            dupes = {s for s in slugs if slugs.count(s) > 1}
            if dupes:
                raise ValueError(f"duplicate {kind} slugs: {sorted(dupes)}")
        for kpi in (k for f in self.fields for m in f.models for k in m.kpis):
            spec = kpi.measure_or_default
            unknown = [m for m in spec.models if m not in models] + [
                i for i in (spec.input, spec.numerator, spec.denominator) if i and i not in inputs
            ]
            if unknown:
                raise ValueError(f"KPI {kpi.slug}: its measure names unknown models or inputs {unknown}")
        return self


DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "roadmap"


def read_revision(path: Path) -> RevisionSpec:
    """Parse and validate one revision file."""
    with path.open(encoding="utf-8") as fh:
        return RevisionSpec.model_validate(yaml.safe_load(fh))


def shipped_revisions() -> list[RevisionSpec]:
    """Every revision shipped with the package, oldest first."""
    return sorted((read_revision(p) for p in DATA_DIR.glob("*.yaml")), key=lambda r: r.decided_on)
