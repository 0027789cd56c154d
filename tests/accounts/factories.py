"""Small factories for account tests: a user holding one role, and the principal it acts as."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.models import RoleGrant, User
from chiiki_iot.accounts.policy import Principal, Role

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def create_user(session: Session, role: Role | None = None, scope: str = "", **overrides: object) -> User:
    email = str(overrides.pop("email", f"user{next(_counter)}@example.jp"))
    user = service.create_user(
        session,
        email=email,
        display_name=str(overrides.pop("display_name", email)),
        password=str(overrides.pop("password", PASSWORD)),
    )
    if role is not None:
        user.grants.append(
            RoleGrant(
                role=role.value, scope=service.check_scope(session, role, scope), granted_at=service.now()
            )
        )
        session.flush()
    return user


def principal(user: User, *, via: str = "web") -> Principal:
    return service.principal_for(user, via=via)
