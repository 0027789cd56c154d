"""Tables of outreach: organisations, who takes part in the three threads, the threads' dated logs, and
briefing sessions (説明会等)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chiiki_iot.core.db import Base


class Organisation(Base):
    """団体: a ministry, one of the 地方六団体, an industry association, a regional council, a company,
    a university or an NPO; placed in a block or prefecture where it belongs to one."""

    __tablename__ = "organisations"

    slug: Mapped[str] = mapped_column(String(64), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255), default="")
    kind: Mapped[str] = mapped_column(String(32))
    block_slug: Mapped[str | None] = mapped_column(ForeignKey("blocks.slug"))
    prefecture_code: Mapped[str | None] = mapped_column(ForeignKey("bodies.code"))
    members: Mapped[list[str]] = mapped_column(
        JSON, default=list, doc="Member organisations' slugs or body codes."
    )
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ThreadMembership(Base):
    """糸への参加: an organisation (or body) in the vertical, horizontal or diagonal thread, with role and since."""

    __tablename__ = "thread_memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread: Mapped[str] = mapped_column(String(16), index=True)  # vertical | horizontal | diagonal
    organisation_slug: Mapped[str | None] = mapped_column(ForeignKey("organisations.slug"))
    body_code: Mapped[str | None] = mapped_column(ForeignKey("bodies.code"))
    role: Mapped[str] = mapped_column(String(255), default="")
    since: Mapped[dt.date] = mapped_column(Date)


class ThreadLogEntry(Base):
    """取組状況: a dated decision or meeting of a thread — a block council's (斜め) or with the associations (横)."""

    __tablename__ = "thread_log"
    __table_args__ = (Index("ix_thread_log_block_on", "block_slug", "happened_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread: Mapped[str] = mapped_column(String(16))
    block_slug: Mapped[str | None] = mapped_column(ForeignKey("blocks.slug"))
    organisation_slug: Mapped[str | None] = mapped_column(ForeignKey("organisations.slug"))
    happened_on: Mapped[dt.date] = mapped_column(Date)
    precision: Mapped[str] = mapped_column(
        String(8), default="day", doc="day | month (the seed gave a month)"
    )
    kind: Mapped[str] = mapped_column(String(16))  # decision | meeting
    status: Mapped[str] = mapped_column(String(16), default="held")  # held | planned
    text_ja: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(254), default="seed")


class Event(Base):
    """説明会等: a briefing session — when, what, which category of the seed's legend, whom it served."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_held_on", "held_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(16))  # block | six | local | other
    organiser_slug: Mapped[str | None] = mapped_column(ForeignKey("organisations.slug"))
    target_block: Mapped[str | None] = mapped_column(ForeignKey("blocks.slug"), index=True)
    target_prefecture: Mapped[str | None] = mapped_column(ForeignKey("bodies.code"), index=True)
    place: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default="held")  # planned | held | cancelled
    attendance: Mapped[int | None] = mapped_column(Integer)
    materials_url: Mapped[str | None] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32), default="manual", doc="seed-2017-07 for the seed's table")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
