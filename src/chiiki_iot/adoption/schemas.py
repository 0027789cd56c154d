"""What adoption's JSON API reads and writes: statuses, KPI input figures, barriers, projects, indicators.

The names predate DESIGN's ``<Entity>Create/Read`` rule in places (``ProjectBody``); they stay, because they
are the component names of the published OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chiiki_iot.adoption.ladder import Barrier, Stage
from chiiki_iot.adoption.models import BarrierReport, InputValue, StatusChange
from chiiki_iot.adoption.projects import BUDGET_MAX_YEN
from chiiki_iot.adoption.service import INPUT_VALUE_MAX

# Items of the lists a client sends, bounded like the strings: a list without limits was stored whole (and
# copied into the audit log) however long it was.
ModelSlug = Annotated[str, StringConstraints(max_length=64)]
VendorName = Annotated[str, StringConstraints(max_length=255)]
BodyCode = Annotated[str, StringConstraints(max_length=16)]


class StatusRead(BaseModel):
    """実装状況: a body's stage on a model, from a date, with its source. ``synthetic`` marks demo data."""

    body_code: str
    model: str
    stage: str
    effective_on: dt.date
    source_kind: str
    source_ref: str
    evidence: dict
    recorded_by: str
    synthetic: bool

    @classmethod
    def of(cls, c: StatusChange) -> StatusRead:
        return cls(
            body_code=c.body_code,
            model=c.model_slug,
            stage=c.stage,
            effective_on=c.effective_on,
            source_kind=c.source_kind,
            source_ref=c.source_ref,
            evidence=c.evidence or {},
            recorded_by=c.recorded_by,
            synthetic=c.is_synthetic,
        )


class StatusCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(max_length=64, description="分野別モデルの識別子 / model slug")
    stage: Stage
    effective_on: dt.date
    project: str = Field("", max_length=255)
    url: str = Field("", max_length=255)


class IndicatorRead(BaseModel):
    slug: str
    name_ja: str
    name_en: str
    unit: str
    source: str
    synthetic: bool


class IndicatorValueRead(BaseModel):
    indicator: str
    body_code: str
    observed_on: dt.date
    value: float


class ProjectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=255)
    models: list[ModelSlug] = Field(
        min_length=1, max_length=50, description="分野別モデルの識別子 / model slugs"
    )
    funding: Literal["national-subsidy", "own", "other"] = Field(
        description="国の補助事業 / 単独事業 / その他"
    )
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    budget_yen: int | None = Field(None, ge=0, le=BUDGET_MAX_YEN)
    vendors: list[VendorName] = Field([], max_length=50)
    partners: list[BodyCode] = Field(
        [], max_length=200, description="共同事業の相手団体のコード / partner body codes"
    )
    outcome: str = Field("", max_length=4000)


class ProjectRead(ProjectBody):
    id: int
    body_code: str
    synthetic: bool


class InputRead(BaseModel):
    """KPI入力値: a figure a body reported for a fiscal year."""

    body_code: str
    input: str
    fiscal_year: int
    value: float
    source_kind: str
    source_ref: str = Field(description="出典（調査の回など） / e.g. the survey round")
    recorded_by: str
    synthetic: bool

    @classmethod
    def of(cls, v: InputValue) -> InputRead:
        return cls(
            body_code=v.body_code,
            input=v.input_slug,
            fiscal_year=v.fiscal_year,
            value=v.value,
            source_kind=v.source_kind,
            source_ref=v.source_ref,
            recorded_by=v.recorded_by,
            synthetic=v.is_synthetic,
        )


class InputCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: str = Field(
        max_length=64, description="KPI入力項目の識別子 / KPI input slug (see /api/v1/roadmap/kpis)"
    )
    fiscal_year: int = Field(ge=2016, le=2100)
    value: float = Field(
        ge=0,
        le=INPUT_VALUE_MAX,
        allow_inf_nan=False,
        description="0以上。上限は単位による（件数は10億、%は100、円は10兆） / "
        "0 or more; the upper bound depends on the unit (counts 10^9, % 100, yen 10^13)",
    )


class BarrierRead(BaseModel):
    """壁: a barrier a body reported for a model on a date."""

    body_code: str
    model: str
    barrier: str
    other_text: str
    reported_on: dt.date
    source_kind: str
    source_ref: str
    synthetic: bool

    @classmethod
    def of(cls, r: BarrierReport) -> BarrierRead:
        return cls(
            body_code=r.body_code,
            model=r.model_slug,
            barrier=r.barrier,
            other_text=r.other_text,
            reported_on=r.reported_on,
            source_kind=r.source_kind,
            source_ref=r.source_ref,
            synthetic=r.is_synthetic,
        )


class BarrierCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(max_length=64, description="分野別モデルの識別子 / model slug")
    barrier: Barrier
    other_text: str = Field(
        "", max_length=500, description="「その他」の内容 / what 'other' is (required then)"
    )
    reported_on: dt.date
