"""Mail from the IoTデザインハブ, sent after the response (the mail outbox when no SMTP is set): the block's
bureau when a need waits for review, the body when its need is published or receives a proposal, and both
sides when a conversation opens."""

from __future__ import annotations

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.mail import deliver_mail
from chiiki_iot.accounts.policy import Role
from chiiki_iot.network.models import Conversation, Need, Solution
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry


def _body_addresses(session: Session, code: str) -> list[str]:
    body = registry.get_body(session, code)
    return accounts.emails_of_scope(
        session, Role.MUNICIPALITY if body.is_municipality else Role.PREFECTURE, code
    )


def _queue(background: BackgroundTasks, addresses: list[str], subject: str, text: str) -> int:
    unique = list(dict.fromkeys(addresses))
    for address in unique:
        background.add_task(deliver_mail, to=address, subject=subject, body=text)
    return len(unique)


def need_posted(session: Session, background: BackgroundTasks, need: Need, *, base_url: str) -> int:
    """The block's bureau reviews and publishes a new need."""
    body = registry.get_body(session, need.body_code)
    link = f"{base_url.rstrip('/')}/network/needs/{need.id}"
    return _queue(
        background,
        accounts.emails_of_scope(session, Role.BUREAU, body.block_slug),
        f"【地域IoT官民ネット】課題の確認をお願いします: {need.title}",
        f"{body.full_name}が課題「{need.title}」を投稿しました。内容を確認して公開してください。\n{link}\n\n"
        f"{body.full_name} posted a need ({need.title}); please review and publish it.\n{link}\n",
    )


def need_published(session: Session, background: BackgroundTasks, need: Need, *, base_url: str) -> int:
    body = registry.get_body(session, need.body_code)
    link = f"{base_url.rstrip('/')}/network/needs/{need.id}"
    return _queue(
        background,
        _body_addresses(session, need.body_code),
        f"【地域IoT官民ネット】課題を公開しました: {need.title}",
        f"{body.full_name}の課題「{need.title}」を公開しました。企業・団体からの提案を受け付けます。\n{link}\n\n"
        f"Your need ({need.title}) is published; organisations can now propose.\n{link}\n",
    )


def proposal_received(session: Session, background: BackgroundTasks, need: Need, *, base_url: str) -> int:
    body = registry.get_body(session, need.body_code)
    link = f"{base_url.rstrip('/')}/network/needs/{need.id}#proposals"
    return _queue(
        background,
        _body_addresses(session, need.body_code),
        f"【地域IoT官民ネット】提案が届きました: {need.title}",
        f"{body.full_name}の課題「{need.title}」に新しい提案が届きました。\n{link}\n\n"
        f"A new proposal arrived for your need ({need.title}).\n{link}\n",
    )


def conversation_opened(
    session: Session, background: BackgroundTasks, conversation: Conversation, *, base_url: str
) -> int:
    """Queue one message per address; returns how many were queued."""
    need = session.get(Need, conversation.need_id)
    solution = session.get(Solution, conversation.solution_id)
    if need is None or solution is None:
        return 0
    body = registry.get_body(session, need.body_code)
    org = outreach.get_organisation(session, solution.organisation_slug)
    addresses = _body_addresses(session, body.code) + accounts.emails_of_scope(
        session, Role.ORGANISATION, org.slug
    )
    link = f"{base_url.rstrip('/')}/network/needs/{need.id}"
    subject = f"【地域IoT官民ネット】商談が始まりました: {need.title}"
    text = (
        f"{body.full_name}の課題「{need.title}」と、{org.name_ja}の解決策「{solution.title}」について、\n"
        "双方が関心を表明したため、商談の記録を開きました。\n\n"
        f"課題のページ: {link}\n\n"
        f"A conversation has opened between {body.full_name} (need: {need.title}) and {org.name_en or org.name_ja} "
        f"(solution: {solution.title}): both sides showed interest.\n{link}\n"
    )
    return _queue(background, addresses, subject, text)
