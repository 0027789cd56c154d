"""Tables of the roadmap (地域IoT実装推進ロードマップ). Every row belongs to one revision, so a later
revision can be loaded beside an earlier one and compared."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chiiki_iot.core.db import Base


class RoadmapRevision(Base):
    """改定: one version of the roadmap (策定 2016-12, 改定 2017-05, ...)."""

    __tablename__ = "roadmap_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(16), unique=True)
    title_ja: Mapped[str] = mapped_column(String(128))
    title_en: Mapped[str] = mapped_column(String(128))
    decided_on: Mapped[dt.date] = mapped_column(Date)
    supersedes: Mapped[str | None] = mapped_column(String(16))
    source_ja: Mapped[str] = mapped_column(Text)
    policy_goal_ja: Mapped[str] = mapped_column(Text)
    policy_goal_en: Mapped[str] = mapped_column(Text)
    notes: Mapped[list[dict]] = mapped_column(
        JSON,
        default=list,
        server_default="[]",
        doc="注: transcription judgement calls, each {field, ja, en}.",
    )
    spec: Mapped[dict | None] = mapped_column(
        JSON,
        deferred=True,  # read only when a draft starts from it: pages read the revision on every request
        doc="The revision as its data file (RevisionSpec): drafts of the next revision start from it.",
    )
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    fields: Mapped[list[RoadmapField]] = relationship(
        back_populates="revision", order_by="RoadmapField.sort_order", cascade="all, delete-orphan"
    )


class RoadmapField(Base):
    """分野: 教育, 医療・介護・健康, ... IoT基盤."""

    __tablename__ = "roadmap_fields"
    __table_args__ = (UniqueConstraint("revision_id", "slug", name="uq_roadmap_fields_revision_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_revisions.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(64))
    name_ja: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    area_ja: Mapped[str] = mapped_column(String(64))
    area_en: Mapped[str] = mapped_column(String(128), default="")
    sort_order: Mapped[int] = mapped_column(Integer)

    revision: Mapped[RoadmapRevision] = relationship(back_populates="fields")
    models: Mapped[list[SectorModel]] = relationship(
        back_populates="field", order_by="SectorModel.sort_order", cascade="all, delete-orphan"
    )


class SectorModel(Base):
    """分野別モデル: a model of IoT use to be rolled out nationally, e.g. Lアラート or オープンデータ利活用."""

    __tablename__ = "sector_models"
    __table_args__ = (UniqueConstraint("revision_id", "slug", name="uq_sector_models_revision_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_revisions.id", ondelete="CASCADE"), index=True
    )
    field_id: Mapped[int] = mapped_column(ForeignKey("roadmap_fields.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name_ja: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128))
    short_name_ja: Mapped[str | None] = mapped_column(String(64))
    in_roadmap_table: Mapped[bool] = mapped_column(Boolean)
    effect_ja: Mapped[str] = mapped_column(Text)
    effect_en: Mapped[str] = mapped_column(Text)
    note_ja: Mapped[str] = mapped_column(Text)
    note_en: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[list[dict]] = mapped_column(
        JSON,
        default=list,
        server_default="[]",
        doc="注: transcription judgement calls, each {field, ja, en}.",
    )
    sort_order: Mapped[int] = mapped_column(Integer)

    revision: Mapped[RoadmapRevision] = relationship()
    field: Mapped[RoadmapField] = relationship(back_populates="models")
    plans: Mapped[list[YearPlan]] = relationship(
        back_populates="model", order_by="YearPlan.fiscal_year", cascade="all, delete-orphan"
    )
    kpis: Mapped[list[Kpi]] = relationship(
        back_populates="model", order_by="Kpi.sort_order", cascade="all, delete-orphan"
    )


class YearPlan(Base):
    """年度別計画: what a model is to do in one fiscal year, and whether that year is 実証 or 実装."""

    __tablename__ = "roadmap_year_plans"
    __table_args__ = (UniqueConstraint("model_id", "fiscal_year", name="uq_roadmap_year_plans_model_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("sector_models.id", ondelete="CASCADE"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(8))
    plan_ja: Mapped[str] = mapped_column(Text)
    plan_en: Mapped[str] = mapped_column(Text)
    notes: Mapped[list[dict]] = mapped_column(
        JSON,
        default=list,
        server_default="[]",
        doc="注: transcription judgement calls, each {field, ja, en}.",
    )

    model: Mapped[SectorModel] = relationship(back_populates="plans")


class Kpi(Base):
    """達成すべき指標: a target with its number exactly as the roadmap states it."""

    __tablename__ = "kpis"
    __table_args__ = (UniqueConstraint("revision_id", "slug", name="uq_kpis_revision_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_revisions.id", ondelete="CASCADE"), index=True
    )
    model_id: Mapped[int] = mapped_column(ForeignKey("sector_models.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name_ja: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_value: Mapped[float | None] = mapped_column(Float)
    target_qualifier: Mapped[str] = mapped_column(String(16))
    target_text_ja: Mapped[str] = mapped_column(String(255))
    target_text_en: Mapped[str] = mapped_column(String(255), default="")
    unit_ja: Mapped[str] = mapped_column(String(32))
    unit_en: Mapped[str] = mapped_column(String(64))
    counts: Mapped[str] = mapped_column(String(64))
    target_fiscal_year: Mapped[int] = mapped_column(Integer)
    baseline: Mapped[dict | None] = mapped_column(JSON)
    footnotes_ja: Mapped[list[str]] = mapped_column(JSON)
    footnotes_en: Mapped[list[str]] = mapped_column(JSON)
    measure: Mapped[dict] = mapped_column(
        JSON,
        default=dict,
        server_default="{}",
        doc="測定方法: how progress is measured (roadmap data's MeasureSpec).",
    )
    notes: Mapped[list[dict]] = mapped_column(
        JSON,
        default=list,
        server_default="[]",
        doc="注: transcription judgement calls, each {field, ja, en}.",
    )
    continues: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]", doc="earlier revisions' KPI slugs this one continues"
    )
    sort_order: Mapped[int] = mapped_column(Integer)

    revision: Mapped[RoadmapRevision] = relationship()
    model: Mapped[SectorModel] = relationship(back_populates="kpis")
    inputs: Mapped[list[KpiInput]] = relationship(
        back_populates="kpi", cascade="all, delete-orphan", order_by="KpiInput.id"
    )


class KpiInput(Base):
    """KPI入力項目: a figure each body reports so that a KPI can be measured; defined by the roadmap data."""

    __tablename__ = "kpi_inputs"
    __table_args__ = (UniqueConstraint("revision_id", "slug", name="uq_kpi_inputs_revision_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("roadmap_revisions.id", ondelete="CASCADE"), index=True
    )
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(64))
    name_ja: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    unit_ja: Mapped[str] = mapped_column(String(32))
    unit_en: Mapped[str] = mapped_column(String(64))
    # The most a body may report per inhabitant (None: bounded by the unit only); see roadmap.datafile.
    per_inhabitant_max: Mapped[float | None] = mapped_column(Float, nullable=True)

    revision: Mapped[RoadmapRevision] = relationship()
    kpi: Mapped[Kpi] = relationship(back_populates="inputs")
