"""IoTデザインハブ: rounds, needs (課題), solutions (解決策), proposals (提案) and the interest either side
shows. A need is seen by everyone only once the bureau or the secretariat has published it; a pilot and an
adoption move the body's status through the adoption service, so they count on the ladder like any change.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize, can
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Barrier, Stage, rank
from chiiki_iot.adoption.projects import ProjectInput, add_project
from chiiki_iot.core import data_versions
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.core.text import clean_url
from chiiki_iot.network.models import Conversation, HubRound, Interest, Need, Proposal, Solution
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

HUB = "network.hub"
data_versions.watch(
    HUB, lambda record: isinstance(record, (Need, Proposal)), tables=("hub_needs", "hub_proposals")
)
"""Raised by every change to a need or a proposal: the dashboard's matching figures follow it."""

NEED_STATUSES = {
    "returned": N_("差し戻し"),
    "submitted": N_("確認待ち"),
    "published": N_("公開中"),
    "closed": N_("終了"),
}
PROPOSAL_STATUSES = {
    "submitted": N_("提案"),
    "shortlisted": N_("候補"),
    "piloting": N_("実証中"),
    "adopted": N_("導入"),
    "declined": N_("見送り"),
}
# What the body may do with a proposal, from which states, to which state.
DECISIONS = {
    "shortlist": ({"submitted"}, "shortlisted"),
    "pilot": ({"submitted", "shortlisted"}, "piloting"),
    "adopt": ({"piloting"}, "adopted"),
    "decline": ({"submitted", "shortlisted", "piloting"}, "declined"),
}
MONEY_MAX_YEN = 10**12


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _text(value: str, what_ja: str, what_en: str, *, limit: int) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(f"{what_ja}を入力してください。", f"Give the {what_en}.")
    if len(value) > limit:
        raise InvalidInput(
            f"{what_ja}は{limit}文字以内にしてください。", f"The {what_en} is limited to {limit} characters."
        )
    return value


def _yen(value: int | None, what_ja: str, what_en: str) -> int | None:
    if value is not None and not 0 <= value <= MONEY_MAX_YEN:
        raise InvalidInput(
            f"{what_ja}は0円以上1兆円以下にしてください。", f"The {what_en} must be 0–1 trillion yen."
        )
    return value


def _check_version(
    record: Need | Solution | Proposal | HubRound, expected: int, what_ja: str, what_en: str
) -> None:
    if record.version != expected:
        raise Conflict(
            f"この{what_ja}は、開いた後に他の人が更新しました。最新の内容を確かめてください。",
            f"Someone changed this {what_en} since you opened it; check the latest and try again.",
            extra={"current": {"version": record.version}},
        )


# ---- rounds ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundInput:
    title: str
    needs_open_on: dt.date
    needs_close_on: dt.date
    proposals_close_on: dt.date
    session_event_id: int | None = None
    pilots_until: dt.date | None = None


def add_round(session: Session, *, principal: Principal, data: RoundInput) -> HubRound:
    """募集回 by the secretariat; phases must follow each other."""
    authorize(principal, "hub.rounds")
    if not data.needs_open_on <= data.needs_close_on <= data.proposals_close_on:
        raise InvalidInput(
            "日付は 課題の受付開始 ≤ 受付終了 ≤ 提案締切 の順にしてください。",
            "Dates must run: needs open ≤ needs close ≤ proposals close.",
        )
    if data.pilots_until is not None and data.pilots_until < data.proposals_close_on:
        raise InvalidInput(
            "実証の期限は提案の締切日以降にしてください。", "Pilots cannot end before proposals close."
        )
    if data.session_event_id is not None:
        held_on = outreach.get_event(session, data.session_event_id).held_on
        if held_on < data.needs_close_on:
            raise InvalidInput(
                f"マッチングの場（{held_on:%Y年%m月%d日}）は課題の受付終了日以降の説明会等を選んでください。",
                f"The matching session ({held_on}) must come after needs close.",
            )
    row = HubRound(
        title=_text(data.title, "募集回の名前", "round's title", limit=255),
        needs_open_on=data.needs_open_on,
        needs_close_on=data.needs_close_on,
        proposals_close_on=data.proposals_close_on,
        session_event_id=data.session_event_id,
        pilots_until=data.pilots_until,
    )
    session.add(row)
    session.flush()
    return row


def open_round_id(session: Session) -> int | None:
    """The round taking needs today, if any (the one that closes first)."""
    today = today_in_japan()
    open_now = [r for r in list_rounds(session) if r.needs_open_on <= today <= r.needs_close_on]
    return min(open_now, key=lambda r: r.needs_close_on).id if open_now else None


def list_rounds(session: Session) -> list[HubRound]:
    return list(session.scalars(select(HubRound).order_by(HubRound.needs_open_on.desc(), HubRound.id.desc())))


# ---- needs -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NeedInput:
    body_code: str
    title: str
    description: str
    round_id: int | None = None
    partner_codes: list[str] = field(default_factory=list)
    model_slugs: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    budget_yen: int | None = None
    timing: str = ""
    attachments: list[str] = field(default_factory=list)


def need_target(session: Session, need: Need) -> Target:
    return registry.policy_target(registry.get_body(session, need.body_code))


def _need_fields(session: Session, data: NeedInput, body_code: str) -> dict[str, object]:
    """What a need says, checked: the same rules for a new need and a corrected one."""
    if data.round_id is not None:
        chosen = session.get(HubRound, data.round_id)
        if chosen is None:
            raise NotFound(f"募集回 {data.round_id} はありません。", f"There is no round {data.round_id}.")
        if not chosen.needs_open_on <= today_in_japan() <= chosen.needs_close_on:
            raise InvalidInput(
                f"募集回「{chosen.title}」の課題の受付は {chosen.needs_open_on:%Y年%m月%d日}〜"
                f"{chosen.needs_close_on:%Y年%m月%d日} です。受付中の募集回を選ぶか、募集回なしで投稿してください。",
                f"Round '{chosen.title}' takes needs from {chosen.needs_open_on} to {chosen.needs_close_on}; "
                "choose an open round or none.",
            )
    return {
        "round_id": data.round_id,
        "partner_codes": [registry.get_body(session, c).code for c in data.partner_codes if c != body_code],
        "title": _text(data.title, "課題の題名", "need's title", limit=255),
        "description": _text(data.description, "課題の内容", "need's description", limit=4000),
        "model_slugs": [roadmap.get_model(session, m).slug for m in dict.fromkeys(data.model_slugs)],
        "barriers": [_barrier(b) for b in dict.fromkeys(data.barriers)],
        "budget_yen": _yen(data.budget_yen, "予算", "budget"),
        "timing": data.timing.strip()[:255],
        "attachments": [clean_url(u) for u in data.attachments if u.strip()],
    }


def post_need(session: Session, *, principal: Principal, data: NeedInput) -> Need:
    """課題の投稿: the body (or the secretariat for it) posts; it waits for the bureau's review."""
    body = registry.get_body(session, data.body_code)
    authorize(principal, "needs.post", registry.policy_target(body))
    adoption.check_counted(body)
    need = Need(
        body_code=body.code,
        status="submitted",
        created_by=principal.actor,
        created_at=_now(),
        **_need_fields(session, data, body.code),
    )
    session.add(need)
    session.flush()
    return need


def _barrier(value: str) -> str:
    try:
        return Barrier(value).value
    except ValueError:
        choices = "・".join(b.value for b in Barrier)
        raise InvalidInput(
            f"壁「{value}」は選択肢にありません（{choices}）。", f"Unknown barrier '{value}'."
        ) from None


def publish_need(
    session: Session, *, principal: Principal, need_id: int, expected_version: int, note: str = ""
) -> Need:
    """公開: the block's bureau or the secretariat, never the body itself (a second pair of eyes on what
    the municipality tells every company)."""
    need = _need(session, need_id)
    authorize(principal, "needs.publish", need_target(session, need))
    _check_version(need, expected_version, "課題", "need")
    if need.status != "submitted":
        raise Conflict("この課題は確認待ちではありません。", "This need is not waiting for review.")
    need.status, need.published_at, need.published_by = "published", _now(), principal.actor
    need.review_note = note.strip()
    session.flush()
    return need


def return_need(
    session: Session, *, principal: Principal, need_id: int, expected_version: int, note: str
) -> Need:
    """差し戻し: the reviewer sends a need back to its body with what to change; the body posts it again."""
    need = _need(session, need_id)
    authorize(principal, "needs.publish", need_target(session, need))
    _check_version(need, expected_version, "課題", "need")
    if need.status != "submitted":
        raise Conflict("この課題は確認待ちではありません。", "This need is not waiting for review.")
    if not note.strip():
        raise InvalidInput("差し戻す理由（直してほしい点）を書いてください。", "Say what should be changed.")
    need.status, need.review_note = "returned", note.strip()[:2000]
    session.flush()
    return need


def resubmit_need(
    session: Session, *, principal: Principal, need_id: int, expected_version: int, data: NeedInput
) -> Need:
    """The body corrects a returned need (or one still waiting) and sends it for review again."""
    need = _need(session, need_id)
    authorize(principal, "needs.post", need_target(session, need))
    _check_version(need, expected_version, "課題", "need")
    if need.status not in ("returned", "submitted"):
        raise Conflict("公開後の課題は変更できません。", "A published need cannot be changed.")
    for name, value in _need_fields(session, data, need.body_code).items():
        setattr(need, name, value)
    need.status = "submitted"
    session.flush()
    return need


def _need(session: Session, need_id: int) -> Need:
    need = session.get(Need, need_id)
    if need is None:
        raise NotFound(f"課題 {need_id} はありません。", f"There is no need {need_id}.")
    return need


def can_read_need(session: Session, principal: Principal, need: Need) -> bool:
    return need.status in ("published", "closed") or can(
        principal, "needs.read_unpublished", need_target(session, need)
    )


def get_need(session: Session, principal: Principal, need_id: int) -> Need:
    """A need, if this reader may see it: an unpublished one looks absent to anyone but its body, the
    bureau and the secretariat (a 404, not a 403, so its existence does not leak either)."""
    need = _need(session, need_id)
    if not can_read_need(session, principal, need):
        raise NotFound(f"課題 {need_id} はありません。", f"There is no need {need_id}.")
    return need


def list_needs(session: Session, principal: Principal, *, round_id: int | None = None) -> list[Need]:
    """Published needs, and the unpublished ones this reader may see (their own, their block's)."""
    query = select(Need).order_by(Need.created_at.desc(), Need.id.desc())
    if round_id is not None:
        query = query.where(Need.round_id == round_id)
    return [n for n in session.scalars(query) if can_read_need(session, principal, n)]


# ---- solutions -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolutionInput:
    organisation_slug: str
    title: str
    description: str
    model_slugs: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    price_min_yen: int | None = None
    price_max_yen: int | None = None
    track_record: str = ""
    project_ids: list[int] = field(default_factory=list)


def _checked_regions(session: Session, regions: list[str]) -> list[str]:
    blocks = {b.slug for b in registry.list_blocks(session)}
    return [r if r in blocks else registry.get_body(session, r).code for r in dict.fromkeys(regions) if r]


def save_solution(
    session: Session,
    *,
    principal: Principal,
    data: SolutionInput,
    solution_id: int | None = None,
    expected_version: int | None = None,
) -> Solution:
    """An organisation's catalogue entry; it edits its own only (the secretariat any)."""
    org = outreach.get_organisation(session, data.organisation_slug)
    if solution_id is None:
        solution = Solution(organisation_slug=org.slug, created_by=principal.actor, created_at=_now())
    else:
        solution = get_solution(session, solution_id)
        authorize(principal, "solutions.edit", Target(organisation=solution.organisation_slug))
        _check_version(solution, expected_version or 0, "解決策", "solution")
        if solution.organisation_slug != org.slug:
            raise InvalidInput(
                "解決策の提供者は変えられません。", "A solution cannot move to another organisation."
            )
    authorize(principal, "solutions.edit", Target(organisation=org.slug))
    low, high = (
        _yen(data.price_min_yen, "価格の下限", "lowest price"),
        _yen(data.price_max_yen, "価格の上限", "highest price"),
    )
    if low is not None and high is not None and low > high:
        raise InvalidInput("価格の下限が上限を超えています。", "The lowest price is above the highest.")
    solution.title = _text(data.title, "解決策の名前", "solution's title", limit=255)
    solution.description = _text(data.description, "解決策の説明", "solution's description", limit=4000)
    solution.model_slugs = [roadmap.get_model(session, m).slug for m in dict.fromkeys(data.model_slugs)]
    solution.regions = _checked_regions(session, data.regions)
    solution.price_min_yen, solution.price_max_yen = low, high
    solution.track_record = data.track_record.strip()[:4000]
    solution.project_ids = list(dict.fromkeys(data.project_ids))
    session.add(solution)
    session.flush()
    return solution


def get_solution(session: Session, solution_id: int) -> Solution:
    solution = session.get(Solution, solution_id)
    if solution is None:
        raise NotFound(f"解決策 {solution_id} はありません。", f"There is no solution {solution_id}.")
    return solution


def list_solutions(session: Session, *, organisation: str = "") -> list[Solution]:
    query = select(Solution).where(Solution.active.is_(True)).order_by(Solution.id)
    if organisation:
        query = query.where(Solution.organisation_slug == organisation)
    return list(session.scalars(query))


# ---- proposals -------------------------------------------------------------------------------------------


def propose(
    session: Session, *, principal: Principal, need_id: int, solution_id: int, cost_yen: int | None, plan: str
) -> Proposal:
    """提案: an organisation puts one of its solutions forward for a published need."""
    solution = get_solution(session, solution_id)
    authorize(principal, "proposals.submit", Target(organisation=solution.organisation_slug))
    need = get_need(session, principal, need_id)
    if need.status != "published":
        raise Conflict("この課題は提案を受け付けていません。", "This need is not taking proposals.")
    if session.scalar(
        select(Proposal.id).where(Proposal.need_id == need.id, Proposal.solution_id == solution.id)
    ):
        raise Conflict(
            "この解決策は既にこの課題に提案されています。",
            "This solution has already been proposed for this need.",
        )
    proposal = Proposal(
        need_id=need.id,
        solution_id=solution.id,
        organisation_slug=solution.organisation_slug,
        cost_yen=_yen(cost_yen, "費用", "cost"),
        plan=_text(plan, "提案の内容", "plan", limit=4000),
        status="submitted",
        submitted_by=principal.actor,
        submitted_at=_now(),
    )
    session.add(proposal)
    session.flush()
    return proposal


def proposals_of_need(session: Session, need_id: int) -> list[Proposal]:
    return list(session.scalars(select(Proposal).where(Proposal.need_id == need_id).order_by(Proposal.id)))


def visible_proposals(session: Session, principal: Principal, need: Need) -> list[Proposal]:
    """The proposals this reader may see. A quote is between a company and the body: the body, its bureau
    and the secretariat see every proposal; a company sees its own; anyone else sees none."""
    proposals = proposals_of_need(session, need.id)
    if can(principal, "needs.read_unpublished", need_target(session, need)):
        return proposals
    return [
        p for p in proposals if can(principal, "proposals.submit", Target(organisation=p.organisation_slug))
    ]


def decide_proposal(
    session: Session,
    *,
    principal: Principal,
    proposal_id: int,
    decision: str,
    expected_version: int,
    on: dt.date | None = None,
    note: str = "",
) -> Proposal:
    """The body's decision on a proposal. A pilot (実証) becomes a project on the body's page and moves the
    body's status in the need's models to 実証中; an adoption (導入) moves it to 実装済 — both through the
    adoption service, with the proposal as evidence, so the ladder, the funnel and the KPIs follow."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"提案 {proposal_id} はありません。", f"There is no proposal {proposal_id}.")
    need = _need(session, proposal.need_id)
    authorize(principal, "proposals.decide", need_target(session, need))
    if decision not in DECISIONS:
        raise InvalidInput(f"判断「{decision}」は選べません。", f"Unknown decision '{decision}'.")
    allowed_from, to = DECISIONS[decision]
    _check_version(proposal, expected_version, "提案", "proposal")
    if proposal.status not in allowed_from:
        raise Conflict(
            f"{PROPOSAL_STATUSES[proposal.status]}の提案は「{PROPOSAL_STATUSES[to]}」にできません。",
            f"A proposal that is {proposal.status} cannot become {to}.",
        )
    if decision == "decline" and not note.strip():
        raise InvalidInput(
            "見送る理由を書いてください（提案した企業・団体に伝えます）。",
            "Say why it is declined (the proposer is told).",
        )
    day = on or today_in_japan()
    solution = get_solution(session, proposal.solution_id)
    models = need.model_slugs or solution.model_slugs
    if decision in ("pilot", "adopt") and not models:
        raise InvalidInput(
            "実証・導入には分野別モデルが必要です。課題か解決策に分野別モデルを付けてください。",
            "A pilot or adoption needs a sector model: add one to the need or the solution.",
        )
    if decision == "pilot":
        org = outreach.get_organisation(session, solution.organisation_slug)
        project = add_project(
            session,
            principal=principal,
            body_code=need.body_code,
            project=ProjectInput(
                name=f"{need.title}（実証: {solution.title}）",
                model_slugs=models,
                funding="other",
                starts_on=day,
                budget_yen=proposal.cost_yen if proposal.cost_yen and proposal.cost_yen < 2**31 else None,
                vendors=[org.name_ja],
                partner_codes=list(need.partner_codes),
            ),
        )
        proposal.project_id, proposal.pilot_started_on = project.id, day
    if decision in ("pilot", "adopt"):
        stage = Stage.DEMONSTRATING if decision == "pilot" else Stage.IMPLEMENTED
        current = adoption.stages_of_body(session, need.body_code, as_of=day)
        # A pilot of one more solution never takes back a model the body has already implemented: only a
        # move up the ladder is recorded (the proposal and the project are kept either way).
        for model in [m for m in models if rank(Stage(current.get(m, Stage.NOT_STARTED))) < rank(stage)]:
            adoption.record_status(
                session,
                principal=principal,
                body_code=need.body_code,
                model_slug=model,
                stage=stage,
                effective_on=day,
                source_kind="network",
                source_ref=f"hub-proposal-{proposal.id}",
                evidence=adoption.Evidence(project=f"{need.title} / {solution.title}"),
            )
    proposal.status, proposal.decided_at = to, _now()
    if decision == "decline":
        proposal.decision_note = note.strip()[:2000]
    if decision == "adopt":
        need.status = "closed"  # decided: no more proposals or interest on it
        if proposal.project_id is not None and proposal.project_id not in (solution.project_ids or []):
            # the solution's track record: an implementation in this body's block, for the next needs
            solution.project_ids = [*(solution.project_ids or []), proposal.project_id]
    session.flush()
    return proposal


# ---- interest and conversations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class InterestResult:
    interest: Interest
    conversation: Conversation | None
    """Set when this interest completed the pair: both sides are to be told."""


def show_interest(
    session: Session, *, principal: Principal, need_id: int, solution_id: int
) -> InterestResult:
    """関心表明 by whichever side the person speaks for. When the other side has shown interest too, a
    conversation opens (once) and the caller mails both sides."""
    need = get_need(session, principal, need_id)
    solution = get_solution(session, solution_id)
    if need.status != "published":
        raise Conflict(
            "この課題は公開中ではありません（関心の表明は公開中の課題にだけできます）。",
            "This need is not open.",
        )
    if can(principal, "hub.interest", need_target(session, need)):
        side = "body"
    else:
        authorize(principal, "hub.interest", Target(organisation=solution.organisation_slug))
        side = "organisation"
    interest = session.scalar(
        select(Interest).where(
            Interest.need_id == need.id, Interest.solution_id == solution.id, Interest.side == side
        )
    )
    if interest is None:
        interest = Interest(
            need_id=need.id, solution_id=solution.id, side=side, actor=principal.actor, at=_now()
        )
        session.add(interest)
        session.flush()
    sides = set(
        session.scalars(
            select(Interest.side).where(Interest.need_id == need.id, Interest.solution_id == solution.id)
        )
    )
    existing = session.scalar(
        select(Conversation).where(Conversation.need_id == need.id, Conversation.solution_id == solution.id)
    )
    if sides == {"body", "organisation"} and existing is None:
        conversation = Conversation(need_id=need.id, solution_id=solution.id, opened_at=_now())
        session.add(conversation)
        session.flush()
        return InterestResult(interest, conversation)
    return InterestResult(interest, None)


def interests_of_need(session: Session, need_id: int) -> dict[int, set[str]]:
    rows = session.execute(select(Interest.solution_id, Interest.side).where(Interest.need_id == need_id))
    sides: dict[int, set[str]] = {}
    for solution_id, side in rows:
        sides.setdefault(solution_id, set()).add(side)
    return sides


# ---- statistics ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundStatistics:
    """募集回の実績: what the dashboard shows of the matching cycle."""

    needs_posted: int
    needs_published: int
    proposals: int
    proposals_per_need: float | None
    pilots: int
    adoptions: int
    median_days_to_pilot: float | None


def round_statistics(session: Session, *, round_id: int | None = None) -> RoundStatistics:
    """Figures over one round (or all): a need counts once posted; days run from posting to the pilot."""
    needs = select(Need)
    if round_id is not None:
        needs = needs.where(Need.round_id == round_id)
    need_rows = {n.id: n for n in session.scalars(needs)}
    published = [n for n in need_rows.values() if n.status in ("published", "closed")]
    of_round = (
        select(Proposal)
        if round_id is None
        else select(Proposal).where(Proposal.need_id.in_(list(need_rows)))
    )
    proposals = list(session.scalars(of_round))
    piloted = [p for p in proposals if p.pilot_started_on is not None]
    days = [
        (p.pilot_started_on - need_rows[p.need_id].created_at.date()).days
        for p in piloted
        if p.pilot_started_on
    ]
    return RoundStatistics(
        needs_posted=len(need_rows),
        needs_published=len(published),
        proposals=len(proposals),
        proposals_per_need=round(len(proposals) / len(published), 2) if published else None,
        pilots=len(piloted),
        adoptions=sum(1 for p in proposals if p.status == "adopted"),
        median_days_to_pilot=statistics.median(days) if days else None,
    )
