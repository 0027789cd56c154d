"""Mail from the IoTデザインハブ, sent after the response (the mail outbox when no SMTP is set), so no step
waits on someone noticing a page: the block's bureau when a need waits for review (new or corrected), the
body when its need is published, returned or receives a proposal, the company when the body decides on its
proposal, and both sides — with each other's addresses — when a conversation opens.

Links use the site's configured address (``base_url``), never the request's Host header, which a client
chooses."""

from __future__ import annotations

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.mail import queue_notices
from chiiki_iot.accounts.policy import Role
from chiiki_iot.network.models import Conversation, Need, Proposal, Solution
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry

SUBJECT = "【地域IoT官民ネット】"
DECISIONS_JA = {
    "shortlisted": "候補に選ばれました",
    "piloting": "実証が決まりました",
    "adopted": "導入が決まりました",
    "declined": "見送られました",
}


def _body_addresses(session: Session, code: str) -> list[str]:
    body = registry.get_body(session, code)
    return accounts.emails_of_scope(
        session, Role.MUNICIPALITY if body.is_municipality else Role.PREFECTURE, code
    )


def _queue(
    background: BackgroundTasks, addresses: list[str], subject: str, ja: str, en: str, link: str
) -> int:
    return queue_notices(background, addresses, subject=f"{SUBJECT}{subject}", ja=ja, en=en, path=link)


def need_waiting(
    session: Session, background: BackgroundTasks, need: Need, *, corrected: bool = False
) -> int:
    """The block's bureau reviews a new need, or one the body corrected after a return."""
    body = registry.get_body(session, need.body_code)
    what_ja, what_en = ("直して再提出", "corrected and resent") if corrected else ("投稿", "posted")
    return _queue(
        background,
        accounts.emails_of_scope(session, Role.BUREAU, body.block_slug),
        f"課題の確認をお願いします: {need.title}",
        f"{body.full_name}が課題「{need.title}」を{what_ja}しました。内容を確認して、公開するか差し戻してください。",
        f"{body.full_name} {what_en} a need ({need.title}); please review it and publish or return it.",
        f"/network/needs/{need.id}#review",
    )


def need_published(session: Session, background: BackgroundTasks, need: Need) -> int:
    return _queue(
        background,
        _body_addresses(session, need.body_code),
        f"課題を公開しました: {need.title}",
        f"課題「{need.title}」を公開しました。企業・団体からの提案を受け付けます。",
        f"Your need ({need.title}) is published; organisations can now propose.",
        f"/network/needs/{need.id}",
    )


def need_returned(session: Session, background: BackgroundTasks, need: Need) -> int:
    return _queue(
        background,
        _body_addresses(session, need.body_code),
        f"課題が差し戻されました: {need.title}",
        f"課題「{need.title}」が差し戻されました。理由：{need.review_note}\n直して確認に出してください。",
        f"Your need ({need.title}) was returned: {need.review_note}. Correct it and send it for review again.",
        f"/network/needs/{need.id}",
    )


def proposal_received(session: Session, background: BackgroundTasks, need: Need) -> int:
    return _queue(
        background,
        _body_addresses(session, need.body_code),
        f"提案が届きました: {need.title}",
        f"課題「{need.title}」に新しい提案が届きました。",
        f"A new proposal arrived for your need ({need.title}).",
        f"/network/needs/{need.id}#proposals",
    )


def proposal_decided(session: Session, background: BackgroundTasks, proposal: Proposal, need: Need) -> int:
    """The company hears what the body decided on its proposal."""
    body = registry.get_body(session, need.body_code)
    return _queue(
        background,
        accounts.emails_of_scope(session, Role.ORGANISATION, proposal.organisation_slug),
        f"提案が{DECISIONS_JA.get(proposal.status, proposal.status)}: {need.title}",
        f"{body.full_name}の課題「{need.title}」へのご提案が{DECISIONS_JA.get(proposal.status, proposal.status)}。"
        + (f"\n理由：{proposal.decision_note}" if proposal.decision_note else ""),
        f"{body.full_name} decided on your proposal for {need.title}: {proposal.status}."
        + (f" Reason: {proposal.decision_note}" if proposal.decision_note else ""),
        f"/network/needs/{need.id}#proposals",
    )


def conversation_opened(session: Session, background: BackgroundTasks, conversation: Conversation) -> int:
    """Both sides showed interest: each is given the other's addresses to start talking."""
    need = session.get(Need, conversation.need_id)
    solution = session.get(Solution, conversation.solution_id)
    if need is None or solution is None:
        return 0
    body = registry.get_body(session, need.body_code)
    org = outreach.get_organisation(session, solution.organisation_slug)
    body_side = _body_addresses(session, body.code)
    org_side = accounts.emails_of_scope(session, Role.ORGANISATION, org.slug)
    link = f"/network/needs/{need.id}"
    sent = 0
    for addresses, other_name, other in (
        (body_side, org.name_ja, org_side),
        (org_side, body.full_name, body_side),
    ):
        contacts = "、".join(other) or "（登録された利用者なし / no registered users）"
        sent += _queue(
            background,
            addresses,
            f"商談が始まりました: {need.title}",
            f"{body.full_name}の課題「{need.title}」と{org.name_ja}の解決策「{solution.title}」について、"
            f"双方が関心を表明しました。{other_name}の連絡先：{contacts}",
            f"Both sides showed interest in {need.title} × {solution.title}. Contact {other_name}: {contacts}",
            link,
        )
    return sent
