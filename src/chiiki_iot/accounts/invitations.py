"""Inviting someone: create the invitation (the policy decides who may) and send its link by mail.

The admin page, the account page and the CLI all invite through here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.mail import send_mail
from chiiki_iot.accounts.policy import Principal, Role
from chiiki_iot.core.settings import get_settings


def invite_and_send(
    session: Session, *, principal: Principal, email: str, role: Role, scope: str
) -> tuple[str, str]:
    """Invite and mail the link; return the bilingual notice saying where it went."""
    invitation, token = service.invite(session, principal=principal, email=email, role=role, scope=scope)
    link = f"{get_settings().base_url.rstrip('/')}/invitations/{token}"
    where = send_mail(
        to=invitation.email,
        subject="【地域IoT実装推進プラットフォーム】ご招待 / Invitation",
        body=f"地域IoT実装推進プラットフォームに招待されました。{service.INVITATION_DAYS}日以内に次のリンクから"
        f"アカウントを作成してください。\nYou have been invited; create your account within "
        f"{service.INVITATION_DAYS} days:\n\n{link}\n",
    )
    return (
        f"{invitation.email} に招待を送りました（{where}）。",
        f"Invitation sent to {invitation.email} ({where}).",
    )
