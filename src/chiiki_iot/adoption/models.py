"""Tables of adoption: the history of each body's status on each sector model, and reported barriers.

History is append-only: a new status is a new row with the date it took effect, so the status on any
past date is the latest row on or before it. Models are referred to by slug, which is stable across
roadmap revisions.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from chiiki_iot.core.db import Base


class StatusChange(Base):
    """実装状況の変更: a body's stage on one model from a date on, with where it came from."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_model_body_date", "model_slug", "body_code", "effective_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    model_slug: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    source_kind: Mapped[str] = mapped_column(String(16), doc="survey | import | manual | demo")
    source_ref: Mapped[str] = mapped_column(String(255), default="", doc="Round, file name or note.")
    evidence: Mapped[dict] = mapped_column(JSON, default=dict, doc="project, url, documents.")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(254))
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False, doc="Demo data, labelled everywhere.")


class FiscalYearStage(Base):
    """年度ごとの最終段階: the last status change of each body on each model within each fiscal year.

    The figures need the stage at every 年度末, and reading it from the whole history cost time that grew
    with history (seconds at 50 annual rounds). This condensed history has at most one row per body, model
    and fiscal year, whatever the number of rounds: the stage at the end of year Y is the row of the latest
    year up to Y. It is kept by the transaction that appends to the history (``adoption.year_ends``) and can
    be rebuilt from it at any time (``chiiki-iot survey rebuild-figures``)."""

    __tablename__ = "fiscal_year_stages"

    model_slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)
    stage: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    change_id: Mapped[int] = mapped_column(Integer, doc="The status change in force (ties broken by id).")


class BarrierReport(Base):
    """壁: a barrier a body reports for a model on a date (one row per barrier)."""

    __tablename__ = "barrier_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    model_slug: Mapped[str] = mapped_column(String(64), index=True)
    barrier: Mapped[str] = mapped_column(String(32))
    other_text: Mapped[str] = mapped_column(Text, default="")
    reported_on: Mapped[dt.date] = mapped_column(Date)
    source_kind: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(255), default="")
    recorded_by: Mapped[str] = mapped_column(String(254))
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class Indicator(Base):
    """指標（参考）: a per-body time series imported for context, e.g. My Number card issuance."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_ja: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str] = mapped_column(String(128), default="")
    unit: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(255), default="")
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


class IndicatorValue(Base):
    __tablename__ = "indicator_values"
    __table_args__ = (
        Index("uq_indicator_values_point", "indicator_id", "body_code", "observed_on", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)


class SurveyRound(Base):
    """地域IoT実装状況調査の回: one annual survey — which models it asks about, until when, as of which date."""

    __tablename__ = "survey_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(32), unique=True, doc="e.g. fy2017")
    fiscal_year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(255))
    as_of: Mapped[dt.date] = mapped_column(Date, doc="The date the answers describe (usually 年度末).")
    deadline: Mapped[dt.date] = mapped_column(Date)
    model_slugs: Mapped[list[str]] = mapped_column(JSON)
    input_slugs: Mapped[list[str]] = mapped_column(
        JSON, default=list, server_default="[]", doc="The KPI input figures (KPI入力項目) the round asks for."
    )
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    opened_by: Mapped[str] = mapped_column(String(254))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SurveyResponse(Base):
    """回答: a body's answer to a round — submitted (by upload or form), then confirmed or returned."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("uq_survey_responses_round_body", "round_id", "body_code", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_rounds.id", ondelete="CASCADE"))
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # draft | submitted | confirmed | returned
    draft: Mapped[dict | None] = mapped_column(
        JSON, doc="Answers saved but not yet submitted (the online form)."
    )
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_by: Mapped[str] = mapped_column(String(254))
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class PendingUpload(Base):
    """An uploaded workbook waiting for its preview to be confirmed (previews span two requests)."""

    __tablename__ = "pending_uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    round_slug: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(254))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    committed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Project(Base):
    """事業: a body's concrete IoT project — models, dates, budget, funding, vendors, partner bodies, outcome."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    model_slugs: Mapped[list[str]] = mapped_column(JSON)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    budget_yen: Mapped[int | None] = mapped_column(Integer)
    funding: Mapped[str] = mapped_column(String(32), doc="national-subsidy | own | other")
    vendors: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_codes: Mapped[list[str]] = mapped_column(
        JSON, default=list, doc="Other bodies in a joint project."
    )
    outcome: Mapped[str] = mapped_column(Text, default="")
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class InputValue(Base):
    """KPI入力値: a figure a body reported for a fiscal year (the latest record for the year counts)."""

    __tablename__ = "input_values"
    __table_args__ = (Index("ix_input_values_slug_year", "input_slug", "fiscal_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    input_slug: Mapped[str] = mapped_column(String(64))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source_kind: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(255), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(254))
    is_synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
