"""Tables of the 地域IoT官民ネット: members, IoTデザインハブ rounds with needs, solutions and proposals, the
interest either side shows, symbol-project calls with their reviews, and the 政策提言 log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chiiki_iot.core.db import Base


class NetworkMember(Base):
    """参加メンバー: a municipality, a prefecture or an organisation in the network — applied, approved or
    declined (with the secretariat's reason). Founders (発起人) are loaded from the seed."""

    __tablename__ = "network_members"
    __table_args__ = (
        UniqueConstraint("body_code", name="uq_network_members_body"),
        UniqueConstraint("organisation_slug", name="uq_network_members_organisation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str | None] = mapped_column(ForeignKey("bodies.code"))
    organisation_slug: Mapped[str | None] = mapped_column(ForeignKey("organisations.slug"))
    status: Mapped[str] = mapped_column(String(16), index=True)  # applied | approved | declined
    founder: Mapped[bool] = mapped_column(Boolean, default=False, doc="発起人")
    representative: Mapped[str] = mapped_column(
        String(255), default="", doc="The founder's representative, only as the seed prints the name."
    )
    interests: Mapped[list[str]] = mapped_column(JSON, default=list, doc="Sector models of interest.")
    communities: Mapped[list[str]] = mapped_column(
        JSON,
        default=list,
        doc="Communities of the network it takes part in (design-girl: IoTデザインガール).",
    )
    message: Mapped[str] = mapped_column(Text, default="")
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(32), default="application", doc="seed-2017-07 for founders")
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class HubRound(Base):
    """IoTデザインハブの募集回: the matching cycle's phases — needs posted, published, proposals, the matching
    session (an outreach event), pilots until."""

    __tablename__ = "hub_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    needs_open_on: Mapped[dt.date] = mapped_column(Date)
    needs_close_on: Mapped[dt.date] = mapped_column(Date)
    proposals_close_on: Mapped[dt.date] = mapped_column(Date)
    session_event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    pilots_until: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Need(Base):
    """課題: a body's problem in its own words, posted into a round; the bureau or secretariat publishes it."""

    __tablename__ = "hub_needs"
    __table_args__ = (Index("ix_hub_needs_status", "status", "published_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("hub_rounds.id"), index=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    partner_codes: Mapped[list[str]] = mapped_column(JSON, default=list, doc="Other bodies posting with it.")
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    budget_yen: Mapped[int | None] = mapped_column(BigInteger, doc="The most the body can spend.")
    timing: Mapped[str] = mapped_column(String(255), default="")
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list, doc="Web addresses of documents.")
    status: Mapped[str] = mapped_column(String(16))  # draft | submitted | published | closed
    review_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Solution(Base):
    """解決策: an organisation's standing catalogue entry, with the areas it serves and its price range."""

    __tablename__ = "hub_solutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_slug: Mapped[str] = mapped_column(ForeignKey("organisations.slug"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    regions: Mapped[list[str]] = mapped_column(
        JSON, default=list, doc="Block slugs or body codes; [] nationwide."
    )
    price_min_yen: Mapped[int | None] = mapped_column(BigInteger)
    price_max_yen: Mapped[int | None] = mapped_column(BigInteger)
    track_record: Mapped[str] = mapped_column(Text, default="")
    project_ids: Mapped[list[int]] = mapped_column(
        JSON, default=list, doc="Projects in chiiki-iot it served."
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Proposal(Base):
    """提案: a solution put forward for one need, with cost and plan; the body shortlists, pilots, adopts."""

    __tablename__ = "hub_proposals"
    __table_args__ = (UniqueConstraint("need_id", "solution_id", name="uq_hub_proposals_need_solution"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("hub_needs.id"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("hub_solutions.id"), index=True)
    organisation_slug: Mapped[str] = mapped_column(ForeignKey("organisations.slug"), index=True)
    cost_yen: Mapped[int | None] = mapped_column(BigInteger)
    plan: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # submitted | shortlisted | piloting | adopted | declined
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    submitted_by: Mapped[str] = mapped_column(String(254))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    pilot_started_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_note: Mapped[str] = mapped_column(Text, default="", doc="Why it was declined, for the proposer.")
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Interest(Base):
    """関心表明: one side (the body or the organisation) says it wants to talk about a need × solution pair.
    When both sides have, a conversation opens (``opened_at``) and both are mailed."""

    __tablename__ = "hub_interests"
    __table_args__ = (UniqueConstraint("need_id", "solution_id", "side", name="uq_hub_interests_pair_side"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("hub_needs.id"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("hub_solutions.id"))
    side: Mapped[str] = mapped_column(String(16))  # body | organisation
    actor: Mapped[str] = mapped_column(String(254))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Conversation(Base):
    """商談: opened when both sides showed interest; a record both can see, with its notes."""

    __tablename__ = "hub_conversations"
    __table_args__ = (UniqueConstraint("need_id", "solution_id", name="uq_hub_conversations_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("hub_needs.id"), index=True)
    solution_id: Mapped[int] = mapped_column(ForeignKey("hub_solutions.id"))
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SymbolCall(Base):
    """シンボル・プロジェクトの募集: a call with a deadline and a scoring sheet (criteria and their maxima)."""

    __tablename__ = "symbol_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[dt.date] = mapped_column(Date)
    criteria: Mapped[list[dict]] = mapped_column(JSON, doc='[{"label": "先進性", "max": 5}, …]')
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | decided
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SymbolProposal(Base):
    """シンボル・プロジェクトの提案: a member's proposal to a call; selected or not after review."""

    __tablename__ = "symbol_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("symbol_calls.id"), index=True)
    body_code: Mapped[str | None] = mapped_column(ForeignKey("bodies.code"))
    organisation_slug: Mapped[str | None] = mapped_column(ForeignKey("organisations.slug"))
    title: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))  # submitted | selected | not-selected
    progress_note: Mapped[str] = mapped_column(
        Text, default="", doc="The selected project's status over time."
    )
    submitted_by: Mapped[str] = mapped_column(String(254))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SymbolReview(Base):
    """審査: one reviewer's scores for one proposal, after declaring no conflict of interest (利害関係)."""

    __tablename__ = "symbol_reviews"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer", name="uq_symbol_reviews_reviewer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("symbol_proposals.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(254))
    scores: Mapped[list[int]] = mapped_column(JSON)
    total: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    no_conflict_declared: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PolicyProposal(Base):
    """政策提言: who proposed what and when, and what became of it."""

    __tablename__ = "policy_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    proposed_by: Mapped[str] = mapped_column(String(255))
    proposed_on: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_status: Mapped[str] = mapped_column(
        String(16), default="open"
    )  # open | adopted | noted | declined
    recorded_by: Mapped[str] = mapped_column(String(254))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
