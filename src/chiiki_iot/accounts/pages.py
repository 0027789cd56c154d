"""Pages of accounts: sign-in and out, invitations, password reset, the profile with two-factor and API
tokens. Thin: parse the form, call the service, render. Every form post checks the CSRF token."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service
from chiiki_iot.accounts.auth import (
    SESSION_COOKIE,
    PrincipalDep,
    SignedInDep,
    client_ip,
    csrf_protected,
    current_principal,
)
from chiiki_iot.accounts.demo import demo_accounts
from chiiki_iot.accounts.invitations import invite_and_send
from chiiki_iot.accounts.mail import deliver_mail
from chiiki_iot.accounts.models import Invitation
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, Reach, Role, authorize, can, reaches_of
from chiiki_iot.core.errors import UserError
from chiiki_iot.core.settings import get_settings
from chiiki_iot.web.csrf import rotate_csrf
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.forms import form_error
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Csrf = Depends(csrf_protected)


def _session_cookie(response: Response, request: Request, token: str) -> None:
    """The new session's cookie, and a new CSRF token with it (rotated at every sign-in)."""
    rotate_csrf(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=get_settings().session_hours * 3600,
    )


def safe_next(target: str) -> str:
    """Where to go after signing in: a path on this site, or "" if ``target`` could lead elsewhere.

    Only a relative path starting with one "/" is followed; "//host", "/\\host", "https://..." and
    anything with control characters are refused, so a crafted link cannot send a person who just
    signed in to another site (open redirect).
    """
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return ""
    if any(ord(ch) < 0x20 or ch == "\\" for ch in target):
        return ""
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else ""


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    session: SessionDep,
    next: Annotated[str, Query(max_length=2000)] = "",
    changed: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    return render(
        request,
        "accounts/login.html",
        password_changed=changed,
        email="",
        error=None,
        demo_users=_demo_users(session),
        ask_code=False,
        next_path=safe_next(next),
    )


@router.post("/login", response_class=HTMLResponse, dependencies=[Csrf])
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    code: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    result = service.sign_in(session, email=email, password=password, ip=client_ip(request), code=code)
    if result.user is None:
        error = result.error or service.SignInFailed(
            "この利用者は2段階認証を設定しています。認証アプリの確認コードも入力してください。",
            "This account uses two-factor sign-in: enter the code from your authenticator app too.",
        )
        status = 401 if result.needs_code else error.status_code
        return render(
            request,
            "accounts/login.html",
            password_changed=False,
            status_code=status,
            email=email,
            error=error,
            demo_users=_demo_users(session),
            ask_code=result.needs_code,
            next_path=safe_next(next),
        )
    token = service.start_session(session, user=result.user, ip=client_ip(request))
    response = RedirectResponse(safe_next(next) or "/account", status_code=303)
    _session_cookie(response, request, token)
    return response


def _demo_users(session: Session) -> list[tuple[str, str]]:
    if not get_settings().demo_mode:
        return []
    return demo_accounts(session)


@router.post("/logout", dependencies=[Csrf])
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    if token := request.cookies.get(SESSION_COOKIE):
        service.end_session(session, token)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, session: SessionDep, principal: SignedInDep) -> HTMLResponse:
    return _account(request, session, principal)


def _account(
    request: Request, session: Session, principal: PrincipalDep, *, status_code: int = 200, **extra: object
) -> HTMLResponse:
    user = service.get_user(session, principal.user_id or 0)
    context: dict[str, object] = {
        "error": None,
        "notice": None,
        "new_token": None,
        "totp_secret": None,
        "totp_uri": None,
        **extra,
    }
    return render(
        request,
        "accounts/account.html",
        status_code=status_code,
        account=user,
        scope_labels=service.scope_labels(session, [(g.role, g.scope) for g in user.grants]),
        tokens=service.list_api_tokens(session, user=user),
        **_permissions(principal),
        **context,
    )


def _permissions(principal: Principal) -> dict[str, object]:
    """What the account page offers, as the policy answers it: the admin links, and the roles one may
    invite from here — municipalities for a reach over municipalities or a block, prefectures for a block
    (the secretariat invites from /admin/users)."""
    invite = reaches_of(principal, "users.invite")
    roles = [Role.MUNICIPALITY] if invite & {Reach.OWN_MUNICIPALITIES, Reach.OWN_BLOCK} else []
    return {
        "can_manage_users": can(principal, "users.manage"),
        "can_read_audit": can(principal, "audit.read"),
        "invitable_roles": roles + ([Role.PREFECTURE] if Reach.OWN_BLOCK in invite else []),
    }


@router.post("/account/password", response_class=HTMLResponse, dependencies=[Csrf])
def change_password(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    current: Annotated[str, Form(max_length=1024)],
    new: Annotated[str, Form(max_length=1024)],
    stay_signed_in: Annotated[bool, Form()] = False,
) -> Response:
    user = service.get_user(session, principal.user_id or 0)
    this_browser = request.cookies.get(SESSION_COOKIE) if stay_signed_in else None
    try:
        service.change_password(session, user=user, current=current, new=new, keep_session=this_browser)
    except UserError as error:
        return _account(request, session, principal, status_code=error.status_code, error=form_error(error))
    if not stay_signed_in:
        return RedirectResponse("/login?changed=1", status_code=303)
    return _account(
        request,
        session,
        principal,
        notice=(
            "パスワードを変更しました。ほかの端末のサインインとAPIトークンは無効になりました。",
            "Your password was changed. Other devices are signed out and API tokens revoked.",
        ),
    )


@router.post("/account/sign-out-everywhere", dependencies=[Csrf])
def sign_out_everywhere(session: SessionDep, principal: SignedInDep) -> RedirectResponse:
    service.sign_out_everywhere(session, user=service.get_user(session, principal.user_id or 0))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/account/tokens", response_class=HTMLResponse, dependencies=[Csrf])
def create_token(
    request: Request, session: SessionDep, principal: SignedInDep, name: Annotated[str, Form(max_length=128)]
) -> HTMLResponse:
    user = service.get_user(session, principal.user_id or 0)
    _, secret = service.create_api_token(session, user=user, name=name)
    return _account(request, session, principal, new_token=secret)


@router.post("/account/tokens/{token_id}/revoke", dependencies=[Csrf])
def revoke_token(session: SessionDep, principal: SignedInDep, token_id: int) -> RedirectResponse:
    service.revoke_api_token(
        session, user=service.get_user(session, principal.user_id or 0), token_id=token_id
    )
    return RedirectResponse("/account", status_code=303)


@router.post("/account/two-factor", response_class=HTMLResponse, dependencies=[Csrf])
def two_factor(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    secret: Annotated[str, Form(max_length=64)] = "",
    code: Annotated[str, Form(max_length=12)] = "",
    disable: Annotated[str, Form(max_length=8)] = "",
) -> HTMLResponse:
    user = service.get_user(session, principal.user_id or 0)
    if disable:
        try:
            service.disable_two_factor(session, user=user, code=code)
        except UserError as error:
            return _account(
                request, session, principal, status_code=error.status_code, error=form_error(error)
            )
        return _account(
            request, session, principal, notice=("2段階認証を解除しました。", "Two-factor sign-in is off.")
        )
    if not secret:
        new_secret, uri = service.start_two_factor(user)
        return _account(request, session, principal, totp_secret=new_secret, totp_uri=uri)
    try:
        service.confirm_two_factor(session, user=user, secret=secret, code=code)
    except UserError as error:
        return _account(
            request,
            session,
            principal,
            status_code=error.status_code,
            error=form_error(error),
            totp_secret=secret,
            totp_uri="",
        )
    return _account(
        request, session, principal, notice=("2段階認証を設定しました。", "Two-factor sign-in is on.")
    )


@router.get("/invitations/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, session: SessionDep, token: str) -> HTMLResponse:
    return _invitation(request, session, service.open_invitation(session, token), token)


def _invitation(
    request: Request, session: Session, invitation: Invitation, token: str, *, error: UserError | None = None
) -> HTMLResponse:
    where = service.scope_labels(session, [(invitation.role, invitation.scope)])
    return render(
        request,
        "accounts/invitation.html",
        status_code=error.status_code if error else 200,
        invitation=invitation,
        scope_label=where[(invitation.role, invitation.scope)],
        token=token,
        error=form_error(error) if error else None,
    )


@router.post("/invitations/{token}", response_class=HTMLResponse, dependencies=[Csrf])
def accept_invitation(
    request: Request,
    session: SessionDep,
    token: str,
    display_name: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    invitation = service.open_invitation(session, token)
    try:
        user = service.accept_invitation(session, token=token, display_name=display_name, password=password)
    except UserError as error:
        return _invitation(request, session, invitation, token, error=error)
    response = RedirectResponse("/account", status_code=303)
    _session_cookie(response, request, service.start_session(session, user=user, ip=client_ip(request)))
    return response


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_page(request: Request) -> HTMLResponse:
    return render(request, "accounts/forgot.html", sent=False)


@router.post("/password/forgot", response_class=HTMLResponse, dependencies=[Csrf])
def forgot(
    request: Request, session: SessionDep, tasks: BackgroundTasks, email: Annotated[str, Form(max_length=254)]
) -> HTMLResponse:
    found = service.request_password_reset(session, email=email)
    if found is not None:
        user, token = found
        link = f"{get_settings().base_url.rstrip('/')}/password/reset/{token}"
        # Sent after the response, once the reset is committed: a slow or failing mail server neither
        # delays the page nor turns it into a 500 that would tell a registered address from an unknown one.
        tasks.add_task(
            deliver_mail,
            to=user.email,
            subject="【地域IoT実装推進プラットフォーム】パスワードの再設定 / Password reset",
            body=f"次のリンクから{service.RESET_HOURS}時間以内にパスワードを再設定してください。\n"
            f"Reset your password within {service.RESET_HOURS} hours:\n\n{link}\n",
        )
    return render(
        request, "accounts/forgot.html", sent=True
    )  # the same answer for known and unknown addresses


@router.get("/password/reset/{token}", response_class=HTMLResponse)
def reset_page(request: Request, token: str) -> HTMLResponse:
    return render(request, "accounts/reset.html", token=token, error=None)


@router.post("/password/reset/{token}", response_class=HTMLResponse, dependencies=[Csrf])
def reset(
    request: Request, session: SessionDep, token: str, password: Annotated[str, Form(max_length=1024)]
) -> Response:
    try:
        service.reset_password(session, token=token, password=password)
    except UserError as error:
        return render(
            request,
            "accounts/reset.html",
            status_code=error.status_code,
            token=token,
            error=form_error(error),
        )
    return RedirectResponse("/login", status_code=303)


@router.post("/account/invitations", response_class=HTMLResponse, dependencies=[Csrf])
def invite_from_account(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    email: Annotated[str, Form(max_length=254)],
    role: Annotated[Role, Form()],
    scope: Annotated[str, Form(max_length=64)],
) -> HTMLResponse:
    """A prefecture invites its municipalities, a bureau its block's bodies (the policy decides)."""
    authorize(principal, "users.invite", SOMEWHERE)
    try:
        notice = invite_and_send(session, principal=principal, email=email, role=role, scope=scope)
    except UserError as error:
        return _account(request, session, principal, status_code=error.status_code, error=form_error(error))
    return _account(request, session, principal, notice=notice)
