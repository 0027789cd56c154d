"""Tables of the 地域IoT実装総合支援パッケージ: the measures (支援メニュー) with their budgets per fiscal year,
applications with their reviews, the roster of experts and IoTメンター公務員, and dispatch requests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
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
from sqlalchemy.orm import Mapped, mapped_column

from chiiki_iot.core.db import Base


class SupportMeasure(Base):
    """支援メニューの施策: one measure of the package (menu ①–④), with whom it is for and how it is delivered.
    Loaded from the package's file; the secretariat sets what the seed does not give (eligibility
    thresholds, call window, dispatch-day limit, documents, scoring sheet)."""

    __tablename__ = "support_measures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    menu: Mapped[int] = mapped_column(Integer, doc="①–④ of the package")
    name_ja: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    purpose_ja: Mapped[str] = mapped_column(Text)
    purpose_en: Mapped[str] = mapped_column(Text)
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list, doc="The 壁 it answers.")
    delivery: Mapped[str] = mapped_column(String(16))
    dispatch_roster: Mapped[str] = mapped_column(String(16), default="", doc="expert | mentor | ''")
    takes_applications: Mapped[bool] = mapped_column(Boolean, default=False)
    link: Mapped[str] = mapped_column(
        String(255), default="", doc="Where the measure is delivered on the site."
    )
    eligible_kinds: Mapped[list[str]] = mapped_column(JSON, default=list, doc="[] any kind")
    eligible_stages: Mapped[list[str]] = mapped_column(JSON, default=list, doc="[] any stage")
    eligible_blocks: Mapped[list[str]] = mapped_column(JSON, default=list, doc="[] every block")
    population_max: Mapped[int | None] = mapped_column(Integer)
    fiscal_strength_max: Mapped[float | None] = mapped_column(Float, doc="財政力指数 at most")
    opens_on: Mapped[dt.date | None] = mapped_column(Date)
    closes_on: Mapped[dt.date | None] = mapped_column(Date)
    days_per_body_per_year: Mapped[int | None] = mapped_column(Integer, doc="dispatch days a body may use")
    documents: Mapped[list[str]] = mapped_column(JSON, default=list, doc="Documents an application needs.")
    criteria: Mapped[list[dict]] = mapped_column(JSON, default=list, doc='[{"label": "実現性", "max": 5}, …]')
    source: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SupportBudget(Base):
    """予算: a measure's envelope for one fiscal year, what approvals have committed and what was paid.
    ``committed_yen`` only moves by one guarded UPDATE, so two approvals can never both take the last yen."""

    __tablename__ = "support_budgets"
    __table_args__ = (UniqueConstraint("measure_id", "fiscal_year", name="uq_support_budgets_measure_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("support_measures.id"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    envelope_yen: Mapped[int] = mapped_column(BigInteger)
    committed_yen: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_yen: Mapped[int] = mapped_column(BigInteger, default=0)


class SupportApplication(Base):
    """支援の申請: by one body or a group (広域連携) with a lead body, for one measure and fiscal year."""

    __tablename__ = "support_applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("support_measures.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    lead_body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    member_codes: Mapped[list[str]] = mapped_column(JSON, default=list, doc="The group's other bodies.")
    organisation_slugs: Mapped[list[str]] = mapped_column(
        JSON, default=list, doc="Companies or groups taking part (a reviewer tied to one is conflicted)."
    )
    title: Mapped[str] = mapped_column(String(255))
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    plan: Mapped[str] = mapped_column(Text)
    budget_lines: Mapped[list[dict]] = mapped_column(JSON, default=list, doc='[{"item": "…", "yen": 0}]')
    requested_yen: Mapped[int] = mapped_column(BigInteger, default=0)
    schedule: Mapped[str] = mapped_column(Text, default="")
    kpi_targets: Mapped[list[dict]] = mapped_column(
        JSON, default=list, doc='[{"kpi": slug, "target": number}]: local targets for roadmap KPIs'
    )
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list, doc="Web addresses of documents.")
    status: Mapped[str] = mapped_column(String(16), index=True)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    granted_yen: Mapped[int | None] = mapped_column(BigInteger)
    report: Mapped[str] = mapped_column(Text, default="", doc="実績報告, on completion")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ReviewAssignment(Base):
    """審査の割当: a reviewer assigned to an application, at the bureau stage or the secretariat's."""

    __tablename__ = "support_review_assignments"
    __table_args__ = (UniqueConstraint("application_id", "reviewer", name="uq_support_assignments_reviewer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("support_applications.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(254), doc="the reviewer's e-mail address")
    stage: Mapped[str] = mapped_column(String(16), doc="bureau | secretariat")
    assigned_by: Mapped[str] = mapped_column(String(254))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    scores: Mapped[dict | None] = mapped_column(JSON, doc="criterion label → score, once scored")
    total: Mapped[int | None] = mapped_column(Integer)
    recommendation: Mapped[str] = mapped_column(String(16), default="", doc="approve | reject | return")
    comment: Mapped[str] = mapped_column(Text, default="")
    no_conflict_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    scored_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RosterEntry(Base):
    """専門家・IoTメンター公務員の名簿: an expert (地域情報化アドバイザー等) or a mentor — staff of a body that
    has implemented the models they mentor on — with where and how they can go."""

    __tablename__ = "support_roster"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), doc="expert | mentor")
    name: Mapped[str] = mapped_column(String(255))
    affiliation: Mapped[str] = mapped_column(String(255), default="")
    body_code: Mapped[str | None] = mapped_column(ForeignKey("bodies.code"), doc="a mentor's own body")
    email: Mapped[str] = mapped_column(String(254), doc="they sign in with it to file their reports")
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    blocks: Mapped[list[str]] = mapped_column(JSON, default=list, doc="blocks they go to; [] nationwide")
    online: Mapped[bool] = mapped_column(Boolean, default=True)
    on_site: Mapped[bool] = mapped_column(Boolean, default=True)
    availability: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DispatchRequest(Base):
    """派遣の依頼: a body asks for an expert or a mentor on one model and problem; the bureau arranges one,
    the visit happens, and the expert or mentor reports within 7 days."""

    __tablename__ = "support_dispatches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("support_measures.id"), index=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    model_slug: Mapped[str] = mapped_column(String(64))
    problem: Mapped[str] = mapped_column(Text)
    preferred_dates: Mapped[str] = mapped_column(String(255), default="")
    mode: Mapped[str] = mapped_column(String(16), doc="online | on-site")
    status: Mapped[str] = mapped_column(String(16), index=True)
    roster_id: Mapped[int | None] = mapped_column(ForeignKey("support_roster.id"))
    visit_on: Mapped[dt.date | None] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer, default=1)
    advice: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    status_change_id: Mapped[int | None] = mapped_column(
        ForeignKey("status_changes.id"), doc="the report as evidence on the body's status history"
    )
    requested_by: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    arranged_by: Mapped[str] = mapped_column(String(254), default="")
    arranged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reported_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reported_by: Mapped[str] = mapped_column(String(254), default="")
    followup_helped: Mapped[str] = mapped_column(
        String(8), default="", doc="yes | partly | no, from the survey"
    )
    followup_change: Mapped[str] = mapped_column(Text, default="", doc="what changed, in the body's words")
    followup_round: Mapped[str] = mapped_column(
        String(32), default="", doc="the survey round it was asked in"
    )
    followup_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BodyPlan(Base):
    """IoT・DX推進計画（計画策定支援の対象）: a body's plan or strategy — its period, the models it covers,
    local targets, the 推進体制 behind it, and how far it has come (drafting → adopted → updated)."""

    __tablename__ = "support_body_plans"
    __table_args__ = (UniqueConstraint("body_code", name="uq_support_body_plans_body"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"))
    title: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), index=True, doc="drafting | adopted | updated")
    period_from: Mapped[int | None] = mapped_column(Integer, doc="first fiscal year")
    period_to: Mapped[int | None] = mapped_column(Integer, doc="last fiscal year")
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    targets: Mapped[list[dict]] = mapped_column(JSON, default=list, doc='[{"kpi": slug, "target": number}]')
    lead_department: Mapped[str] = mapped_column(String(255), default="", doc="推進体制: the lead department")
    external_staff: Mapped[str] = mapped_column(Text, default="", doc="推進体制: outside staff (CIO補佐官 …)")
    adopted_on: Mapped[dt.date | None] = mapped_column(Date)
    url: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(254))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class TrainingCourse(Base):
    """研修コース (データ活用スキル / データアカデミー): a course, and the roadmap KPI its participants count
    towards where the roadmap declares one (e.g. 演習受講者数)."""

    __tablename__ = "support_training_courses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    kpi_slug: Mapped[str] = mapped_column(String(64), default="", doc="the KPI it counts towards, or ''")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TrainingSession(Base):
    """研修の開催: one session of a course, on a date, on site or online."""

    __tablename__ = "support_training_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("support_training_courses.id"), index=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(255), default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)


class TrainingAttendance(Base):
    """受講者: how many people of one body and one role attended one session."""

    __tablename__ = "support_training_attendance"
    __table_args__ = (
        UniqueConstraint("session_id", "body_code", "role", name="uq_support_attendance_session_body_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("support_training_sessions.id"), index=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    role: Mapped[str] = mapped_column(String(64), doc="職種: 情報政策担当, 業務担当, 管理職, …")
    count: Mapped[int] = mapped_column(Integer)
