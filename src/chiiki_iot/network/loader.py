"""The network's reference data: the seed's founders (発起人) as approved members, and the founding meeting
(設立総会) as an event in the outreach calendar. Loaded once per file content, like the other domains'."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.core import reference_data
from chiiki_iot.network.models import NetworkMember
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry

DATA = Path(__file__).resolve().parents[1] / "data" / "network"
LOADER = Principal(actor="seed", grants=(Grant(Role.SECRETARIAT),), via="cli")


class FounderBody(BaseModel):
    code: str
    representative: str


class FounderOrganisation(BaseModel):
    slug: str
    name_ja: str
    name_en: str
    representative: str


class FoundingMeeting(BaseModel):
    held_on: dt.date
    title: str
    place: str
    category: str


class NetworkSpec(BaseModel):
    slug: str
    source_ja: str
    bodies: list[FounderBody]
    organisations: list[FounderOrganisation]
    founding_meeting: FoundingMeeting


@cache
def shipped() -> tuple[NetworkSpec, ...]:
    return tuple(
        NetworkSpec.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(DATA.glob("20*.yaml"))
    )


def load_network(session: Session) -> list[str]:
    """Add the founders and the meeting the database lacks; return the files that were loaded."""

    def load(session: Session, spec: NetworkSpec) -> dict[str, int]:
        _add_missing(session, spec)
        return {"founders": len(spec.bodies) + len(spec.organisations)}

    return reference_data.load_new(session, dataset="network", specs=shipped(), load=load)


def _add_missing(session: Session, spec: NetworkSpec) -> None:
    joined_at = dt.datetime.combine(spec.founding_meeting.held_on, dt.time(4, 0), tzinfo=dt.UTC)  # 13:00 JST
    for org in spec.organisations:
        if not outreach.organisation_exists(session, org.slug):
            outreach.save_organisation(
                session,
                principal=LOADER,
                data=outreach.OrganisationInput(
                    slug=org.slug, name_ja=org.name_ja, name_en=org.name_en, kind="industry-association"
                ),
            )
    founders = [(registry.get_body(session, b.code).code, "", b.representative) for b in spec.bodies]
    founders += [("", o.slug, o.representative) for o in spec.organisations]
    for body_code, slug, representative in founders:
        column = NetworkMember.body_code if body_code else NetworkMember.organisation_slug
        if session.scalar(select(NetworkMember.id).where(column == (body_code or slug))) is not None:
            continue
        session.add(
            NetworkMember(
                body_code=body_code or None,
                organisation_slug=slug or None,
                status="approved",
                founder=True,
                representative=representative,
                source=f"seed-{spec.slug}",
                applied_at=joined_at,
                decided_at=joined_at,
                decided_by="seed",
            )
        )
    meeting = spec.founding_meeting
    if not any(
        e.title == meeting.title
        for e in outreach.list_events(session, since=meeting.held_on, until=meeting.held_on)
    ):
        outreach.add_event(
            session,
            principal=LOADER,
            data=outreach.EventInput(
                held_on=meeting.held_on, title=meeting.title, category=meeting.category, place=meeting.place
            ),
        )
