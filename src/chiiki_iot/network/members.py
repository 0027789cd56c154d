"""参加メンバー of the 地域IoT官民ネット: bodies and organisations apply, the secretariat approves or declines
with a reason, and the directory lists the approved ones (founders, 発起人, marked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.terms import N_
from chiiki_iot.network.models import NetworkMember
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

COMMUNITIES = {"design-girl": N_("IoTデザインガール")}
"""The network's communities a member can join (seed: 「IoTデザインガール」(女性活躍プロジェクト))."""
STATUSES = {"applied": N_("申請中"), "approved": N_("参加"), "declined": N_("見送り")}
KINDS = {"municipality": N_("市区町村"), "prefecture": N_("都道府県"), "organisation": N_("企業・団体")}


@dataclass(frozen=True)
class MemberRow:
    """A member as the directory shows it: who, what kind, where, founder or not, models of interest."""

    id: int
    name: str
    kind: str
    block_slug: str
    body_code: str
    organisation_slug: str
    founder: bool
    status: str
    interests: list[str]
    communities: list[str]
    decision_reason: str
    version: int


def _row(session: Session, m: NetworkMember) -> MemberRow:
    if m.body_code:
        body = registry.get_body(session, m.body_code)
        name, kind, block = (
            body.full_name,
            "prefecture" if not body.is_municipality else "municipality",
            body.block_slug,
        )
    else:
        org = outreach.get_organisation(session, m.organisation_slug or "")
        name, kind, block = org.name_ja, "organisation", org.block_slug or ""
    return MemberRow(
        id=m.id,
        name=name,
        kind=kind,
        block_slug=block or "",
        body_code=m.body_code or "",
        organisation_slug=m.organisation_slug or "",
        founder=m.founder,
        status=m.status,
        interests=list(m.interests or []),
        communities=list(m.communities or []),
        decision_reason=m.decision_reason,
        version=m.version,
    )


def member_target(session: Session, *, body_code: str = "", organisation_slug: str = "") -> Target:
    if body_code:
        return registry.policy_target(registry.get_body(session, body_code))
    return Target(organisation=outreach.get_organisation(session, organisation_slug).slug)


def apply(
    session: Session,
    *,
    principal: Principal,
    body_code: str = "",
    organisation_slug: str = "",
    interests: list[str] = (),  # type: ignore[assignment]
    message: str = "",
    communities: list[str] = (),  # type: ignore[assignment]
) -> NetworkMember:
    """参加申請: a body (or an organisation) asks to join; one membership per body or organisation."""
    if bool(body_code) == bool(organisation_slug):
        raise InvalidInput(
            "団体か企業・団体のどちらか一つを指定してください。", "Name one body or one organisation."
        )
    authorize(
        principal,
        "network.apply",
        member_target(session, body_code=body_code, organisation_slug=organisation_slug),
    )
    existing = session.scalar(
        select(NetworkMember).where(
            NetworkMember.body_code == body_code
            if body_code
            else NetworkMember.organisation_slug == organisation_slug
        )
    )
    if existing is not None and existing.status != "declined":
        raise Conflict(
            f"既に{STATUSES[existing.status]}です。",
            f"Already {existing.status}.",
            extra={"member": existing.id},
        )
    models = [roadmap.get_model(session, slug).slug for slug in dict.fromkeys(interests)]
    unknown = [c for c in communities if c not in COMMUNITIES]
    if unknown:
        raise InvalidInput(
            f"コミュニティ「{unknown[0]}」はありません。", f"There is no community '{unknown[0]}'."
        )
    member = existing or NetworkMember(
        body_code=body_code or None, organisation_slug=organisation_slug or None
    )
    member.status, member.interests, member.message = "applied", models, message.strip()[:2000]
    member.communities = list(dict.fromkeys(communities))
    member.decision_reason, member.applied_at, member.source = "", dt.datetime.now(dt.UTC), "application"
    session.add(member)
    session.flush()
    return member


def decide(
    session: Session,
    *,
    principal: Principal,
    member_id: int,
    approve: bool,
    reason: str,
    expected_version: int,
) -> NetworkMember:
    """承認・見送り by the secretariat; declining needs a reason the applicant will read."""
    authorize(principal, "network.members")
    member = session.get(NetworkMember, member_id)
    if member is None:
        raise NotFound(f"参加申請 {member_id} はありません。", f"There is no application {member_id}.")
    if member.version != expected_version:
        raise Conflict(
            "この申請は他の人が更新しました。", "Someone changed this application since you opened it."
        )
    if member.status != "applied":
        raise Conflict("この申請は既に判断済みです。", "This application has already been decided.")
    if not approve and not reason.strip():
        raise InvalidInput("見送る理由を書いてください。", "Give the reason for declining.")
    member.status = "approved" if approve else "declined"
    member.decision_reason = reason.strip()
    member.decided_at, member.decided_by = dt.datetime.now(dt.UTC), principal.actor
    session.flush()
    return member


@dataclass(frozen=True)
class MemberFilter:
    kind: str = ""
    block: str = ""
    model: str = ""
    founders_only: bool = False
    status: str = "approved"
    community: str = ""


def list_members(session: Session, filters: MemberFilter = MemberFilter()) -> list[MemberRow]:
    """The directory: approved members by default, founders first, then by name."""
    query = select(NetworkMember)
    if filters.status:
        query = query.where(NetworkMember.status == filters.status)
    rows = [_row(session, m) for m in session.scalars(query)]
    rows = [
        r
        for r in rows
        if (not filters.kind or r.kind == filters.kind)
        and (not filters.block or r.block_slug == filters.block)
        and (not filters.model or filters.model in r.interests)
        and (not filters.founders_only or r.founder)
        and (not filters.community or filters.community in r.communities)
    ]
    return sorted(rows, key=lambda r: (not r.founder, r.kind, r.body_code or r.organisation_slug))
