"""Who is asking, for every request: a Bearer token (API clients), a session cookie (browsers) or nobody.

Every route depends on ``current_principal`` (routers declare it), so the principal is known before any
service runs and the audit log can name it. Forms are protected against cross-site posting by a
double-submit token: a random cookie that each form must echo.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.audit_recorder import act_as
from chiiki_iot.accounts.policy import ANONYMOUS, Principal, SignInRequired
from chiiki_iot.web.csrf import csrf_protected as csrf_protected  # routes take it from here with auth
from chiiki_iot.web.deps import get_session

SESSION_COOKIE = "chiiki_session"


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


@dataclass(frozen=True)
class SignedInUser:
    email: str
    display_name: str
    is_demo: bool


def current_principal(
    request: Request, session: Annotated[Session, Depends(get_session, scope="function")]
) -> Principal:
    principal = replace(ANONYMOUS, ip=client_ip(request))
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        if not request.url.path.startswith("/api/"):
            # A token is for machines on the API only: on the site's pages it could mint new tokens or
            # switch off two-factor sign-in, beyond the roles the token was limited to.
            raise SignInRequired(
                "API トークンは /api/ でのみ使えます。画面はサインインして使ってください。",
                "API tokens work on /api/ only; sign in to use the site's pages.",
            )
        found = service.principal_of_token(session, header[7:].strip(), ip=client_ip(request))
        if found is None:
            raise SignInRequired(
                "API トークンが無効です（失効・誤り）。", "The API token is not valid (revoked or wrong)."
            )
        principal = found
    elif token := request.cookies.get(SESSION_COOKIE):
        user = service.user_of_session(session, token)
        if user is not None:
            principal = service.principal_for(user, ip=client_ip(request))
            # A plain snapshot for the page header: error pages render after the session has closed.
            request.state.user = SignedInUser(user.email, user.display_name, user.is_demo)
    request.state.principal = principal
    act_as(session, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def signed_in(principal: PrincipalDep) -> Principal:
    if principal.is_anonymous:
        raise SignInRequired("このページを見るにはサインインしてください。", "Sign in to see this page.")
    return principal


SignedInDep = Annotated[Principal, Depends(signed_in)]


def api_writer(principal: PrincipalDep) -> Principal:
    """API writes take a Bearer token: a browser cookie alone never changes data through the API."""
    if principal.via != "api":
        raise SignInRequired(
            "API で変更するには Authorization: Bearer でトークンを送ってください。",
            "To change data through the API, send a token as Authorization: Bearer.",
        )
    return principal


ApiWriterDep = Annotated[Principal, Depends(api_writer)]
