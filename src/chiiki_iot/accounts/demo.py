"""Demo accounts: one clearly marked user per role, so a visitor can try each view (demo mode only)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.models import RoleGrant, User
from chiiki_iot.accounts.policy import ROLE_LABELS, Role

DEMO_PASSWORD = "demo-password-2017"
DEMO_DOMAIN = "demo.chiiki-iot.invalid"  # .invalid never resolves: no demo mail can reach anyone
DEMO_ROLES: list[tuple[Role, str, str]] = [
    (Role.SECRETARIAT, "", "【デモ】事務局"),
    (Role.BUREAU, "hokkaido", "【デモ】北海道総合通信局"),
    (Role.PREFECTURE, "010006", "【デモ】北海道"),
    (Role.MUNICIPALITY, "011002", "【デモ】札幌市"),
    (Role.ORGANISATION, "demo-company", "【デモ】デモ株式会社"),
]


def demo_email(role: Role) -> str:
    return f"demo-{role.value}@{DEMO_DOMAIN}"


def create_demo_users(session: Session) -> list[User]:
    """Create (or keep) the demo users; idempotent."""
    users = []
    for role, scope, name in DEMO_ROLES:
        user = service.find_user(session, demo_email(role)) or service.create_user(
            session, email=demo_email(role), display_name=name, password=DEMO_PASSWORD, is_demo=True
        )
        if not user.grants:
            user.grants.append(
                RoleGrant(
                    role=role.value, scope=service.check_scope(session, role, scope), granted_at=service.now()
                )
            )
        users.append(user)
    session.flush()
    return users


def demo_accounts(session: Session) -> list[tuple[str, str]]:
    """(role label, e-mail) of the demo users that exist, for the sign-in page."""
    emails = {demo_email(role): ROLE_LABELS[role] for role, _, _ in DEMO_ROLES}
    found = session.scalars(
        select(User.email).where(User.email.in_(list(emails)), User.is_demo.is_(True))
    ).all()
    return [(emails[e], e) for e in emails if e in found]
