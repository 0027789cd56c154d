"""Mail when a conversation opens in the IoTデザインハブ: both sides showed interest, so the people who speak
for the body and for the organisation are told, through the mail outbox (after the response is sent)."""

from __future__ import annotations

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.mail import deliver_mail
from chiiki_iot.accounts.policy import Role
from chiiki_iot.network.models import Conversation, Need, Solution
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry


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
    role = Role.PREFECTURE if not body.is_municipality else Role.MUNICIPALITY
    addresses = accounts.emails_of_scope(session, role, body.code)
    addresses += accounts.emails_of_scope(session, Role.ORGANISATION, org.slug)
    link = f"{base_url.rstrip('/')}/network/needs/{need.id}"
    subject = f"【地域IoT官民ネット】商談が始まりました: {need.title}"
    text = (
        f"{body.full_name}の課題「{need.title}」と、{org.name_ja}の解決策「{solution.title}」について、\n"
        "双方が関心を表明したため、商談の記録を開きました。\n\n"
        f"課題のページ: {link}\n\n"
        f"A conversation has opened between {body.full_name} (need: {need.title}) and {org.name_en or org.name_ja} "
        f"(solution: {solution.title}): both sides showed interest.\n{link}\n"
    )
    for address in dict.fromkeys(addresses):
        background.add_task(deliver_mail, to=address, subject=subject, body=text)
    return len(set(addresses))
