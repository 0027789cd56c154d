"""Tables of the Act step of the PDCA cycle: countermeasures (対応策) with their milestones and updates,
opinions (意見) raised in the councils and briefing sessions, and cases (事例) written up for 横展開."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chiiki_iot.core.db import Base


class Countermeasure(Base):
    """対応策: what will be done about a KPI rated 要注意 or 遅延 (or a barrier, a model), by whom and by
    when. A countermeasure may sit under another (``parent_id``): the parent's progress is its children's,
    weighted (``weight``)."""

    __tablename__ = "countermeasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("countermeasures.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_kind: Mapped[str] = mapped_column(String(16), doc="secretariat | bureau | council | prefecture")
    owner_block: Mapped[str] = mapped_column(String(32), default="", doc="the bureau's or council's block")
    owner_prefecture: Mapped[str] = mapped_column(String(6), default="")
    kpi_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_blocks: Mapped[list[str]] = mapped_column(JSON, default=list, doc="[] the whole nation")
    decided_at: Mapped[str] = mapped_column(
        String(255), default="", doc="Where it was decided: a council meeting, the PDCA report of a round."
    )
    status: Mapped[str] = mapped_column(String(16), default="planned")
    progress: Mapped[int] = mapped_column(Integer, default=0, doc="0–100; a parent's is rolled up")
    weight: Mapped[int] = mapped_column(Integer, default=1, doc="its share in its parent's progress")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(254))
    opinion_id: Mapped[int | None] = mapped_column(ForeignKey("opinions.id"), doc="the opinion it answers")
    version: Mapped[int] = mapped_column(Integer, default=1)

    milestones: Mapped[list[Milestone]] = relationship(
        order_by="Milestone.due_on", cascade="all, delete-orphan"
    )
    updates: Mapped[list[CountermeasureUpdate]] = relationship(
        order_by="CountermeasureUpdate.id.desc()", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class Milestone(Base):
    """A dated step of a countermeasure (due, and done once it is)."""

    __tablename__ = "countermeasure_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    countermeasure_id: Mapped[int] = mapped_column(ForeignKey("countermeasures.id"), index=True)
    title: Mapped[str] = mapped_column(String(255))
    due_on: Mapped[dt.date] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)


class CountermeasureUpdate(Base):
    """One entry of a countermeasure's timeline: what happened, and the status and progress it left."""

    __tablename__ = "countermeasure_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    countermeasure_id: Mapped[int] = mapped_column(ForeignKey("countermeasures.id"), index=True)
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    written_by: Mapped[str] = mapped_column(String(254))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    progress: Mapped[int] = mapped_column(Integer)


class Opinion(Base):
    """意見: raised at a meeting of the 横の糸 or 斜めの糸 (a thread-log entry) or at a briefing session (an
    event), and triaged by the secretariat into a countermeasure, a revision proposal, noted or answered."""

    __tablename__ = "opinions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_kind: Mapped[str] = mapped_column(String(8), doc="log | event")
    meeting_id: Mapped[int] = mapped_column(Integer)
    block_slug: Mapped[str] = mapped_column(String(32), default="", doc="the council's block")
    raised_by: Mapped[str] = mapped_column(String(255), default="", doc="who raised it (as minuted)")
    text: Mapped[str] = mapped_column(Text)
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    barriers: Mapped[list[str]] = mapped_column(JSON, default=list)
    triage: Mapped[str] = mapped_column(String(16), default="pending")
    reply: Mapped[str] = mapped_column(Text, default="")
    proposal: Mapped[str] = mapped_column(Text, default="", doc="the revision proposal it became")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(254))
    triaged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    triaged_by: Mapped[str] = mapped_column(String(254), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Case(Base):
    """事例: a body's project written up for 横展開 — the problem, what was built, cost and funding, vendors,
    results with figures, and whom to ask; draft → review (the block's bureau) → published."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    title: Mapped[str] = mapped_column(String(255))
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list)
    kpi_slugs: Mapped[list[str]] = mapped_column(
        JSON, default=list, doc="KPIs counting cases that this case counts towards"
    )
    problem: Mapped[str] = mapped_column(Text, default="")
    built: Mapped[str] = mapped_column(Text, default="")
    cost_yen: Mapped[int | None] = mapped_column(BigInteger)
    funding: Mapped[str] = mapped_column(String(255), default="")
    vendors: Mapped[list[str]] = mapped_column(JSON, default=list)
    results: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact: Mapped[str] = mapped_column(String(255), default="")
    barriers_overcome: Mapped[list[str]] = mapped_column(JSON, default=list)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), doc="the case it copied")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    review_note: Mapped[str] = mapped_column(Text, default="")
    written_by: Mapped[str] = mapped_column(String(254))
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class BlockPriority(Base):
    """重点モデル: the sector models a block council has chosen to push in a fiscal year, in its order."""

    __tablename__ = "block_priorities"
    __table_args__ = (UniqueConstraint("block_slug", "fiscal_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_slug: Mapped[str] = mapped_column(ForeignKey("blocks.slug"))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    model_slugs: Mapped[list[str]] = mapped_column(JSON, default=list, doc="first = highest priority")
    decided_at: Mapped[str] = mapped_column(
        String(255), default="", doc="the council meeting that chose them"
    )
    set_by: Mapped[str] = mapped_column(String(254))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class RevisionDraft(Base):
    """ロードマップ改定案: a whole revision (the roadmap's own file format, ``RevisionSpec``) drafted from the
    one in force, with a log of each change and the proposals and countermeasures behind it; open for
    comments from the bureaux and councils until a date, then published as the new revision."""

    __tablename__ = "revision_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(
        String(16), unique=True, doc="the revision it will become, e.g. 2018-06"
    )
    base_slug: Mapped[str] = mapped_column(String(16), doc="the revision it was drafted from")
    spec: Mapped[dict] = mapped_column(JSON, doc="the whole draft revision, as the roadmap's data file")
    changes: Mapped[list[dict]] = mapped_column(
        JSON, default=list, doc='[{"what_ja": …, "what_en": …, "proposals": [ids], "countermeasures": [ids]}]'
    )
    status: Mapped[str] = mapped_column(String(16), default="draft", doc="draft | published | withdrawn")
    comments_until: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class DraftComment(Base):
    """A bureau's or council's comment on a draft revision, while it is open for comments."""

    __tablename__ = "revision_draft_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("revision_drafts.id"), index=True)
    written_by: Mapped[str] = mapped_column(String(254))
    on_behalf_of: Mapped[str] = mapped_column(String(255), default="", doc="the bureau or council")
    written_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
