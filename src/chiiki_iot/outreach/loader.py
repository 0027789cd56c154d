"""Load the seed's promotion structure and outreach (``data/outreach/*.yaml``) on first start.

The file is validated (Pydantic) before anything is written. Events, organisations and log entries are
added when missing (by date and title, slug, or date and text), never overwritten: once loaded they
belong to the secretariat and the bureaus, who may correct a category or record attendance.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.core import reference_data
from chiiki_iot.outreach.models import Event, Organisation, ThreadLogEntry, ThreadMembership
from chiiki_iot.registry import service as registry

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "outreach"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrganisationSpec(Strict):
    slug: str
    name_ja: str
    name_en: str = ""
    kind: Literal[
        "ministry",
        "local-gov-association",
        "industry-association",
        "regional-council",
        "company",
        "university",
        "npo",
    ]
    block: str | None = None


class MembershipSpec(Strict):
    organisation: str
    role: str
    since: dt.date


class HorizontalSpec(Strict):
    date: dt.date
    organisation: str
    text_ja: str


class CouncilSpec(Strict):
    block: str
    date: dt.date
    kind: Literal["decision", "meeting"]
    text_ja: str
    status: Literal["held", "planned"] = "held"
    precision: Literal["day", "month"] = "day"


class TargetSpec(Strict):
    block: str | None = None
    prefecture: str | None = None


class EventSpec(Strict):
    date: dt.date
    title: str
    category: Literal["block", "six", "local", "other"]
    targets: TargetSpec = TargetSpec()
    organiser: str | None = None
    place: str | None = None


class OutreachSpec(Strict):
    slug: str
    as_of: dt.date
    source_ja: str
    organisations: list[OrganisationSpec]
    threads: dict[Literal["vertical", "horizontal", "diagonal"], list[MembershipSpec]]
    horizontal_log: list[HorizontalSpec]
    council_log: list[CouncilSpec]
    events: list[EventSpec]


def shipped() -> list[OutreachSpec]:
    return [
        OutreachSpec.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
        for p in sorted(DATA_DIR.glob("*.yaml"))
    ]


def load_outreach(session: Session) -> list[str]:
    """Add what the shipped files hold and the database lacks; return the files that changed."""

    def load(session: Session, spec: OutreachSpec) -> dict[str, int]:
        _add_missing(session, spec)
        return {"events": len(spec.events)}

    return reference_data.load_new(session, dataset="outreach", specs=shipped(), load=load)


def _place(session: Session, key: str | None) -> str:
    if not key:
        return ""
    if key.isdigit():
        return registry.get_prefecture(session, key).name
    return registry.get_block(session, key).name_ja


def _add_missing(session: Session, spec: OutreachSpec) -> None:
    known = set(session.scalars(select(Organisation.slug)))
    for org in spec.organisations:
        if org.slug not in known:
            session.add(
                Organisation(
                    slug=org.slug,
                    name_ja=org.name_ja,
                    name_en=org.name_en,
                    kind=org.kind,
                    block_slug=org.block,
                    members=[],
                )
            )
    session.flush()
    members = set(session.execute(select(ThreadMembership.thread, ThreadMembership.organisation_slug)))
    for thread, rows in spec.threads.items():
        for m in rows:
            if (thread, m.organisation) not in members:
                session.add(
                    ThreadMembership(
                        thread=thread, organisation_slug=m.organisation, role=m.role, since=m.since
                    )
                )
    logged = set(session.execute(select(ThreadLogEntry.happened_on, ThreadLogEntry.text_ja)))
    for h in spec.horizontal_log:
        if (h.date, h.text_ja) not in logged:
            session.add(
                ThreadLogEntry(
                    thread="horizontal",
                    organisation_slug=h.organisation,
                    happened_on=h.date,
                    kind="meeting",
                    text_ja=h.text_ja,
                )
            )
    councils = {o.block: o.slug for o in spec.organisations if o.kind == "regional-council" and o.block}
    for c in spec.council_log:
        if (c.date, c.text_ja) not in logged:
            session.add(
                ThreadLogEntry(
                    thread="diagonal",
                    block_slug=c.block,
                    organisation_slug=councils.get(c.block),
                    happened_on=c.date,
                    precision=c.precision,
                    kind=c.kind,
                    status=c.status,
                    text_ja=c.text_ja,
                )
            )
    held = set(session.execute(select(Event.held_on, Event.title)))
    for e in spec.events:
        if (e.date, e.title) in held:
            continue
        prefecture = (
            registry.get_prefecture(session, e.targets.prefecture).code if e.targets.prefecture else None
        )
        session.add(
            Event(
                held_on=e.date,
                title=e.title,
                category=e.category,
                organiser_slug=e.organiser,
                target_block=e.targets.block,
                target_prefecture=prefecture,
                place=_place(session, e.place),
                status="held",
                source=f"seed-{spec.slug}",
            )
        )
