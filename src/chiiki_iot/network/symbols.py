"""シンボル・プロジェクト and 政策提言: the secretariat opens a call with a scoring sheet; members propose;
at least two reviewers score each proposal after declaring they have no conflict of interest; the
secretariat selects. Policy proposals are a dated log of who proposed what and what became of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize, can
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.network.members import member_target
from chiiki_iot.network.models import PolicyProposal, SymbolCall, SymbolProposal, SymbolReview
from chiiki_iot.roadmap import service as roadmap

MIN_REVIEWS = 2
PROPOSAL_STATUSES = {"submitted": N_("審査中"), "selected": N_("選定"), "not-selected": N_("不選定")}
OUTCOMES = {"open": N_("検討中"), "adopted": N_("施策に反映"), "noted": N_("参考"), "declined": N_("見送り")}
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {"label": "先進性", "max": 5},
    {"label": "横展開の可能性", "max": 5},
    {"label": "実現性", "max": 5},
    {"label": "地域への効果", "max": 5},
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def open_call(
    session: Session,
    *,
    principal: Principal,
    title: str,
    deadline: dt.date,
    description: str = "",
    criteria: list[dict[str, Any]] | None = None,
) -> SymbolCall:
    authorize(principal, "symbol.calls")
    if not title.strip():
        raise InvalidInput("募集の名前を入力してください。", "Give the call a title.")
    if deadline < today_in_japan():
        raise InvalidInput(
            f"締切日 {deadline:%Y年%m月%d日} は過ぎています。今日以降の日付にしてください。",
            f"The deadline {deadline} has passed; give today or a later date.",
        )
    sheet = criteria or DEFAULT_CRITERIA
    if not sheet or not all(isinstance(c.get("label"), str) and int(c.get("max", 0)) > 0 for c in sheet):
        raise InvalidInput(
            "評価項目には名前と1以上の配点が必要です。", "Each criterion needs a label and a maximum ≥ 1."
        )
    call = SymbolCall(
        title=title.strip(),
        description=description.strip(),
        deadline=deadline,
        criteria=[{"label": c["label"], "max": int(c["max"])} for c in sheet],
    )
    session.add(call)
    session.flush()
    return call


def get_call(session: Session, call_id: int) -> SymbolCall:
    call = session.get(SymbolCall, call_id)
    if call is None:
        raise NotFound(f"募集 {call_id} はありません。", f"There is no call {call_id}.")
    return call


def list_calls(session: Session) -> list[SymbolCall]:
    return list(session.scalars(select(SymbolCall).order_by(SymbolCall.deadline.desc())))


def propose(
    session: Session,
    *,
    principal: Principal,
    call_id: int,
    title: str,
    summary: str,
    body_code: str = "",
    organisation_slug: str = "",
    model_slugs: list[str] = (),  # type: ignore[assignment]
) -> SymbolProposal:
    """A member's proposal; the call must still be open (its deadline is the last day, in Japan)."""
    call = get_call(session, call_id)
    if bool(body_code) == bool(organisation_slug):
        raise InvalidInput(
            "応募する団体か企業・団体を一つ指定してください。", "Name one body or one organisation."
        )
    authorize(
        principal,
        "symbol.propose",
        member_target(session, body_code=body_code, organisation_slug=organisation_slug),
    )
    if call.status != "open" or today_in_japan() > call.deadline:
        raise Conflict(
            f"この募集は締め切られました（締切日 {call.deadline:%Y年%m月%d日}）。",
            f"This call closed on {call.deadline}.",
        )
    if not title.strip() or not summary.strip():
        raise InvalidInput("題名と概要を入力してください。", "Give a title and a summary.")
    proposal = SymbolProposal(
        call_id=call.id,
        body_code=body_code or None,
        organisation_slug=organisation_slug or None,
        title=title.strip()[:255],
        summary=summary.strip()[:4000],
        model_slugs=[roadmap.get_model(session, m).slug for m in dict.fromkeys(model_slugs)],
        status="submitted",
        submitted_by=principal.actor,
        submitted_at=_now(),
    )
    session.add(proposal)
    session.flush()
    return proposal


def get_proposal(session: Session, proposal_id: int) -> SymbolProposal:
    proposal = session.get(SymbolProposal, proposal_id)
    if proposal is None:
        raise NotFound(f"応募 {proposal_id} はありません。", f"There is no proposal {proposal_id}.")
    return proposal


def proposals_of_call(session: Session, call_id: int) -> list[SymbolProposal]:
    return list(
        session.scalars(
            select(SymbolProposal).where(SymbolProposal.call_id == call_id).order_by(SymbolProposal.id)
        )
    )


def _proposer_target(session: Session, proposal: SymbolProposal) -> Target:
    return member_target(
        session, body_code=proposal.body_code or "", organisation_slug=proposal.organisation_slug or ""
    )


def review(
    session: Session,
    *,
    principal: Principal,
    proposal_id: int,
    scores: list[int],
    comment: str,
    no_conflict: bool,
) -> SymbolReview:
    """審査: one score per criterion, within its maximum. A reviewer who speaks for the proposing body or
    organisation cannot score it, and everyone must declare they have no conflict of interest first."""
    proposal = get_proposal(session, proposal_id)
    authorize(principal, "symbol.review", _proposer_target(session, proposal))
    if can(principal, "symbol.propose", _proposer_target(session, proposal)):
        raise Conflict(
            "応募した団体・企業の関係者はこの応募を審査できません（利害関係）。",
            "You cannot review a proposal from your own body or organisation (conflict of interest).",
        )
    if not no_conflict:
        raise InvalidInput(
            "利害関係がないことを確認してから審査してください。",
            "Declare that you have no conflict of interest before scoring.",
        )
    if proposal.status != "submitted":
        raise Conflict("この応募は選定済みです。", "This proposal has already been decided.")
    criteria = get_call(session, proposal.call_id).criteria
    if len(scores) != len(criteria) or not all(
        0 <= s <= c["max"] for s, c in zip(scores, criteria, strict=False)
    ):
        ranges = "、".join(f"{c['label']} 0〜{c['max']}" for c in criteria)
        raise InvalidInput(
            f"点数は各項目の範囲で入力してください（{ranges}）。",
            "Give each criterion a score within its range.",
        )
    existing = session.scalar(
        select(SymbolReview).where(
            SymbolReview.proposal_id == proposal.id, SymbolReview.reviewer == principal.actor
        )
    )
    if existing is not None:
        raise Conflict("この応募は既に審査しました。", "You have already reviewed this proposal.")
    row = SymbolReview(
        proposal_id=proposal.id,
        reviewer=principal.actor,
        scores=list(scores),
        total=sum(scores),
        comment=comment.strip()[:4000],
        no_conflict_declared=True,
        at=_now(),
    )
    session.add(row)
    session.flush()
    return row


def reviews_of(session: Session, proposal_id: int) -> list[SymbolReview]:
    return list(
        session.scalars(
            select(SymbolReview).where(SymbolReview.proposal_id == proposal_id).order_by(SymbolReview.id)
        )
    )


@dataclass(frozen=True)
class Standing:
    proposal: SymbolProposal
    reviews: int
    average: float | None


def standings(session: Session, call_id: int) -> list[Standing]:
    """The call's proposals by average total, with how many reviews each has."""
    rows = []
    for p in proposals_of_call(session, call_id):
        totals = [r.total for r in reviews_of(session, p.id)]
        rows.append(Standing(p, len(totals), round(sum(totals) / len(totals), 2) if totals else None))
    return sorted(rows, key=lambda s: (s.average is None, -(s.average or 0), s.proposal.id))


def select_proposal(
    session: Session, *, principal: Principal, proposal_id: int, selected: bool, expected_version: int
) -> SymbolProposal:
    """選定 by the secretariat, only once at least two reviewers have scored the proposal."""
    authorize(principal, "symbol.calls")
    proposal = get_proposal(session, proposal_id)
    if proposal.version != expected_version:
        raise Conflict(
            "この応募は他の人が更新しました。", "Someone changed this proposal since you opened it."
        )
    if proposal.status != "submitted":
        raise Conflict("この応募は選定済みです。", "This proposal has already been decided.")
    if len(reviews_of(session, proposal.id)) < MIN_REVIEWS:
        raise Conflict(
            f"選定には{MIN_REVIEWS}人以上の審査が必要です。",
            f"At least {MIN_REVIEWS} reviews are needed to decide.",
        )
    proposal.status = "selected" if selected else "not-selected"
    proposal.decided_at = _now()
    session.flush()
    return proposal


def record_policy_proposal(
    session: Session, *, principal: Principal, title: str, text: str, proposed_by: str, proposed_on: dt.date
) -> PolicyProposal:
    authorize(principal, "policy.record")
    if not title.strip() or not proposed_by.strip():
        raise InvalidInput("題名と提言者を入力してください。", "Give a title and who proposed it.")
    row = PolicyProposal(
        title=title.strip()[:255],
        text=text.strip(),
        proposed_by=proposed_by.strip()[:255],
        proposed_on=proposed_on,
        recorded_by=principal.actor,
    )
    session.add(row)
    session.flush()
    return row


def record_outcome(
    session: Session,
    *,
    principal: Principal,
    proposal_id: int,
    status: str,
    outcome: str,
    expected_version: int,
) -> PolicyProposal:
    """What became of a policy proposal (施策に反映・参考・見送り), in words the members can read."""
    authorize(principal, "policy.record")
    row = session.get(PolicyProposal, proposal_id)
    if row is None:
        raise NotFound(
            f"政策提言 {proposal_id} はありません。", f"There is no policy proposal {proposal_id}."
        )
    if row.version != expected_version:
        raise Conflict(
            "この政策提言は他の人が更新しました。",
            "Someone changed this policy proposal since you opened it.",
        )
    if status not in OUTCOMES:
        raise InvalidInput(f"結果「{status}」は選択肢にありません。", f"Unknown outcome '{status}'.")
    if status != "open" and not outcome.strip():
        raise InvalidInput("結果の内容を書いてください。", "Say what became of it.")
    row.outcome_status, row.outcome = status, outcome.strip()[:4000]
    session.flush()
    return row


def record_progress(
    session: Session, *, principal: Principal, proposal_id: int, note: str, expected_version: int
) -> SymbolProposal:
    """The state of a selected symbol project, as its proposer or the secretariat reports it over time;
    each report is kept in the audit log, the page shows the latest."""
    proposal = get_proposal(session, proposal_id)
    authorize(principal, "symbol.progress", _proposer_target(session, proposal))
    if proposal.status != "selected":
        raise Conflict(
            "選定されたプロジェクトだけが進み具合を記録します。", "Only a selected project reports progress."
        )
    if proposal.version != expected_version:
        raise Conflict(
            "この応募は他の人が更新しました。", "Someone changed this proposal since you opened it."
        )
    if not note.strip():
        raise InvalidInput("進み具合を書いてください。", "Describe the progress.")
    proposal.progress_note = f"{today_in_japan():%Y-%m-%d}: {note.strip()[:2000]}"
    session.flush()
    return proposal


def list_policy_proposals(session: Session) -> list[PolicyProposal]:
    return list(session.scalars(select(PolicyProposal).order_by(PolicyProposal.proposed_on.desc())))
