"""意見: what the 横の糸 (associations) and 斜めの糸 (block councils) say in their meetings and what briefing
sessions hear, recorded against the meeting and triaged by the secretariat — into a countermeasure, a
proposal for the next roadmap revision, 「承知した」 (noted) or an answer — each with a reply the council
sees. The seed asks for exactly this loop: 意見交換 in the councils, 既存施策の見直し at the centre."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize
from chiiki_iot.adoption.ladder import Barrier
from chiiki_iot.core import data_versions
from chiiki_iot.core.errors import InvalidInput, NotFound
from chiiki_iot.core.terms import N_
from chiiki_iot.improvement import countermeasures
from chiiki_iot.improvement.models import Opinion
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

OPINIONS = "improvement.opinions"
data_versions.watch(OPINIONS, lambda record: isinstance(record, Opinion), tables=("opinions",))

TRIAGE = {
    "pending": N_("未対応"),
    "countermeasure": N_("対応策にした"),
    "proposal": N_("改定の提案にした"),
    "noted": N_("承知した"),
    "answered": N_("回答した"),
}


@dataclass(frozen=True)
class Meeting:
    """A meeting an opinion can be recorded against: a thread-log meeting or a briefing session."""

    kind: str  # log | event
    id: int
    held_on: dt.date
    block_slug: str
    title: str

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.id}"


@dataclass(frozen=True)
class OpinionInput:
    meeting: str  # "log-12" or "event-3"
    text: str
    raised_by: str = ""
    model_slugs: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)


def meetings(session: Session, *, block: str | None = None) -> list[Meeting]:
    """The meetings opinions are recorded against, newest first: the councils' and associations'
    meetings (the thread log), and briefing sessions held."""
    found = [
        Meeting("log", e.id, e.happened_on, e.block_slug or "", e.text_ja[:80])
        for e in outreach.thread_log(session, block=block)
        if e.kind == "meeting" and e.status == "held"
    ]
    found += [
        Meeting("event", e.id, e.held_on, e.target_block or "", e.title)
        for e in outreach.list_events(session)
        if e.status == "held" and (block is None or e.target_block == block)
    ]
    return sorted(found, key=lambda m: (m.held_on, m.key), reverse=True)


def meeting_of(session: Session, key: str) -> Meeting:
    kind, _, number = key.partition("-")
    if kind not in ("log", "event") or not number.isdigit():
        raise InvalidInput("会合を選んでください。", "Choose the meeting.")
    if kind == "event":
        event = outreach.get_event(session, int(number))
        return Meeting("event", event.id, event.held_on, event.target_block or "", event.title)
    found = next((m for m in meetings(session) if m.key == key), None)
    if found is None:
        raise NotFound("その会合はありません。", "No such meeting.")
    return found


def record(session: Session, *, principal: Principal, data: OpinionInput) -> Opinion:
    """意見を記録する: the bureau of the meeting's block (or the secretariat)."""
    meeting = meeting_of(session, data.meeting)
    authorize(
        principal,
        "opinions.record",
        Target(block_slug=meeting.block_slug) if meeting.block_slug else Target(),
    )
    if not data.text.strip():
        raise InvalidInput("意見の内容を入力してください。", "Give the opinion's text.")
    models = {m.slug for m in roadmap.list_models(session)}
    unknown = [m for m in data.model_slugs if m not in models]
    unknown += [b for b in data.barriers if b not in {x.value for x in Barrier}]
    if unknown:
        raise InvalidInput(
            f"選べない項目があります：{'、'.join(unknown)}", f"Unknown choices: {', '.join(unknown)}"
        )
    opinion = Opinion(
        meeting_kind=meeting.kind,
        meeting_id=meeting.id,
        block_slug=meeting.block_slug,
        raised_by=data.raised_by.strip()[:255],
        text=data.text.strip(),
        model_slugs=list(dict.fromkeys(data.model_slugs)),
        barriers=list(dict.fromkeys(data.barriers)),
        recorded_at=dt.datetime.now(dt.UTC),
        recorded_by=principal.actor,
    )
    session.add(opinion)
    session.flush()
    return opinion


def triage(
    session: Session,
    *,
    principal: Principal,
    opinion_id: int,
    expected_version: int,
    outcome: str,
    reply: str,
    proposal: str = "",
    countermeasure_title: str = "",
) -> Opinion:
    """仕分け: the secretariat decides what becomes of an opinion and replies. Into a countermeasure: one is
    opened, owned by the block's bureau (the secretariat's where the meeting had no block), answering the
    opinion's models and barriers. Into a proposal: its text waits for the next revision's draft."""
    authorize(principal, "opinions.triage")
    opinion = get(session, opinion_id)
    if opinion.version != expected_version:
        raise countermeasures.stale("この意見", "this opinion")
    if outcome not in TRIAGE or outcome == "pending":
        raise InvalidInput("仕分けの結果を選んでください。", "Choose what becomes of the opinion.")
    if not reply.strip():
        raise InvalidInput("協議会に返す回答を入力してください。", "Write the reply the council will see.")
    if outcome == "proposal" and not proposal.strip():
        raise InvalidInput("改定の提案の内容を入力してください。", "Write the revision proposal.")
    if outcome == "countermeasure":
        countermeasures.create(
            session,
            principal=principal,
            data=countermeasures.CountermeasureInput(
                title=countermeasure_title or opinion.text[:80],
                owner_kind="bureau" if opinion.block_slug else "secretariat",
                owner_block=opinion.block_slug,
                model_slugs=opinion.model_slugs,
                barriers=opinion.barriers,
                scope_blocks=[opinion.block_slug] if opinion.block_slug else [],
                decided_at=f"意見の仕分け（意見 {opinion.id}）",
                opinion_id=opinion.id,
            ),
        )
    opinion.triage = outcome
    opinion.reply = reply.strip()
    opinion.proposal = proposal.strip() if outcome == "proposal" else ""
    opinion.triaged_at = dt.datetime.now(dt.UTC)
    opinion.triaged_by = principal.actor
    session.flush()
    return opinion


def get(session: Session, opinion_id: int) -> Opinion:
    found = session.get(Opinion, opinion_id) if 0 < opinion_id < 2**31 else None
    if found is None:
        raise NotFound(f"意見 {opinion_id} はありません。", f"No opinion {opinion_id}.")
    return found


def list_opinions(session: Session, *, block: str | None = None, triage: str | None = None) -> list[Opinion]:
    query = select(Opinion).order_by(Opinion.recorded_at.desc(), Opinion.id.desc())
    if block:
        query = query.where(Opinion.block_slug == registry.get_block(session, block).slug)
    if triage:
        query = query.where(Opinion.triage == triage)
    return list(session.scalars(query))


def proposals(session: Session) -> list[Opinion]:
    """Opinions triaged into revision proposals: what a draft revision can cite as its reason."""
    return list_opinions(session, triage="proposal")


def triaged_since(session: Session, since: dt.datetime | None) -> list[Opinion]:
    """Opinions triaged after ``since`` (all, when None): the PDCA report lists them."""
    query = select(Opinion).where(Opinion.triaged_at.is_not(None)).order_by(Opinion.triaged_at)
    if since is not None:
        query = query.where(Opinion.triaged_at > since)
    return list(session.scalars(query))
