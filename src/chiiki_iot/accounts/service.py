"""Accounts: creating users and granting roles, signing in (with back-off), sessions, API tokens,
invitations and password resets. Pages, API and CLI call these; none of them touches the tables."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from chiiki_iot.accounts import credentials as sec
from chiiki_iot.accounts import places
from chiiki_iot.accounts.audit_recorder import act_as, principal_of, record_event
from chiiki_iot.accounts.models import (
    ApiToken,
    Invitation,
    LoginAttempt,
    PasswordReset,
    RoleGrant,
    User,
    UserSession,
)
from chiiki_iot.accounts.policy import (
    MINISTRY_ROLES,
    Forbidden,
    Grant,
    Principal,
    Role,
    Target,
    authorize,
    can,
)
from chiiki_iot.core.errors import InvalidInput, NotFound, UserError
from chiiki_iot.core.i18n import current_language
from chiiki_iot.core.settings import get_settings

# Sign-in throttling, all counted over the last LOCK_MINUTES from the attempts table, for known and unknown
# addresses alike (the answer never tells whether an account exists):
MAX_FAILURES = 5  # per e-mail address *and* network address: guessing one password from one place
LOCK_MINUTES = 15
# Per e-mail address from everywhere: a spread-out guess. It refuses new places only; an address from which
# the account signed in during the last KNOWN_PLACE_DAYS still gets in, so strangers cannot lock the owner out.
MAX_FAILURES_PER_ACCOUNT = 30
KNOWN_PLACE_DAYS = 30
# Per network address across accounts. High, because many staff share one exit address (a prefecture's
# network, LGWAN).
MAX_FAILURES_PER_IP = 100
MAX_RESETS_PER_HOUR = 3  # reset mails to one account
INVITATION_DAYS = 7
RESET_HOURS = 2


class TooManyAttempts(UserError):
    status_code = 429
    type_slug = "too-many-attempts"
    title_en = "Too many attempts"


class SignInFailed(UserError):
    status_code = 401
    type_slug = "sign-in-failed"
    title_en = "Sign-in failed"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes for timezone columns; they were stored as UTC."""
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)


def normalise_email(email: str) -> str:
    """One plain address (no display name, no list, no path characters), lower-cased."""
    text = email.strip().lower()
    if len(text) > 254 or not _EMAIL.match(text):
        raise InvalidInput(
            f"メールアドレス「{email}」の形式が正しくありません。", f"'{email}' is not an e-mail address."
        )
    return text


# ---- users and roles ---------------------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id, options=[selectinload(User.grants)])
    if user is None:
        raise NotFound(f"利用者 {user_id} はいません。", f"There is no user {user_id}.")
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def list_users(session: Session, *, principal: Principal) -> list[User]:
    authorize(principal, "users.manage")
    return list(session.scalars(select(User).options(selectinload(User.grants)).order_by(User.email)))


def create_user(
    session: Session, *, email: str, display_name: str, password: str | None = None, is_demo: bool = False
) -> User:
    address = normalise_email(email)
    if find_user(session, address) is not None:
        raise InvalidInput(f"{address} は既に登録されています。", f"{address} is already registered.")
    if password is not None:
        sec.check_password_rules(password, email=address)
    user = User(
        email=address,
        display_name=display_name.strip() or address,
        is_demo=is_demo,
        created_at=now(),
        password_hash=sec.hash_password(password) if password is not None else None,
        is_active=True,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    return user


def place_of_grant(session: Session, role: Role, scope: str) -> places.Place:
    """The scope a role needs, validated and normalised (a block slug, a prefecture or municipality code,
    an organisation's slug), with the target an invitation or a grant of it is judged on."""
    if role == Role.SECRETARIAT:
        return places.Place("", Target())
    if role == Role.ORGANISATION:
        if not scope.strip():
            raise InvalidInput("企業・団体の識別子を指定してください。", "Name the organisation (its slug).")
        return places.Place(scope.strip(), Target(organisation=scope.strip()))
    return places.place_of_role(session, role, scope)


def scope_labels(session: Session, grants: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """How each (role, scope) is shown to people: the place's name, with its code for a body — 札幌市（011002）
    — not the bare code a new user could not place; a block by its name alone (its key is a slug, which no
    Japanese screen shows). A scope the registry no longer knows is shown as stored."""
    english = current_language.get() == "en"
    labels: dict[tuple[str, str], str] = {}
    for role, scope in set(grants):
        try:
            place = place_of_grant(session, Role(role), scope)
        except (UserError, ValueError):
            place = places.Place(scope, Target())
        name = place.name_en if english else place.name_ja
        if not name or not place.target.body_code:
            labels[(role, scope)] = name or scope
        else:
            labels[(role, scope)] = f"{name} ({scope})" if english else f"{name}（{scope}）"
    return labels


def check_scope(session: Session, role: Role, scope: str) -> str:
    """The scope a role needs, validated and normalised."""
    return place_of_grant(session, role, scope).scope


def grant_role(session: Session, *, principal: Principal, user: User, role: Role, scope: str) -> RoleGrant:
    authorize(principal, "users.manage")
    scope = check_scope(session, role, scope)
    existing = next((g for g in user.grants if g.role == role and g.scope == scope), None)
    if existing:
        return existing
    grant = RoleGrant(role=role.value, scope=scope, granted_at=now())
    user.grants.append(grant)
    session.flush()
    return grant


def revoke_role(session: Session, *, principal: Principal, user: User, grant_id: int) -> None:
    authorize(principal, "users.manage")
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound("その役割はありません。", "There is no such role grant.")
    user.grants.remove(grant)
    session.flush()


def principal_for(
    user: User,
    *,
    ip: str = "",
    via: str = "web",
    grant_ids: list[int] | None = None,
    grant_roles: list[list[str]] | None = None,
) -> Principal:
    """Who the user acts as: all their current grants, or (for a token) only those it names — by id and,
    when given, by role and scope as well, so a token never picks up a role its user was given later."""
    carried = None if grant_roles is None else {(role, scope) for role, scope in grant_roles}
    grants = tuple(
        Grant(Role(g.role), g.scope)
        for g in user.grants
        if (grant_ids is None or g.id in grant_ids) and (carried is None or (g.role, g.scope) in carried)
    )
    return Principal(actor=user.email, grants=grants, user_id=user.id, ip=ip, via=via)


# ---- signing in --------------------------------------------------------------------------------------


@dataclass
class SignInResult:
    """The outcome of a sign-in. Failures are returned, not raised, so the attempt is still committed."""

    user: User | None = None
    error: UserError | None = None
    needs_code: bool = False


def _recent_failures(session: Session, *conditions: Any, since: dt.datetime | None = None) -> int:
    """Failures within the window (and after ``since``, when given)."""
    start = now() - dt.timedelta(minutes=LOCK_MINUTES)
    if since is not None and since > start:
        start = since
    query = select(func.count()).select_from(LoginAttempt)
    return (
        session.scalar(query.where(LoginAttempt.success.is_(False), LoginAttempt.at > start, *conditions))
        or 0
    )


def _last_success(session: Session, address: str, ip: str) -> dt.datetime | None:
    succeeded = select(func.max(LoginAttempt.at)).where(
        LoginAttempt.email == address, LoginAttempt.ip == ip, LoginAttempt.success.is_(True)
    )
    return _aware(session.scalar(succeeded))


def _is_known_place(session: Session, address: str, ip: str) -> bool:
    since = now() - dt.timedelta(days=KNOWN_PLACE_DAYS)
    succeeded = select(LoginAttempt.id).where(
        LoginAttempt.email == address,
        LoginAttempt.ip == ip,
        LoginAttempt.success.is_(True),
        LoginAttempt.at >= since,
    )
    return session.scalar(succeeded.limit(1)) is not None


def is_throttled(session: Session, *, address: str, ip: str) -> bool:
    """Whether sign-in from ``ip`` as ``address`` waits: too many failures for this pair since its last
    success; or, from a place the account has not signed in from lately, too many from this network address
    (a colleague's script on a shared prefecture network must not lock everyone out) or for this account
    everywhere."""
    pair = (LoginAttempt.email == address, LoginAttempt.ip == ip)
    if _recent_failures(session, *pair, since=_last_success(session, address, ip)) >= MAX_FAILURES:
        return True
    if _is_known_place(session, address, ip):
        return False
    if _recent_failures(session, LoginAttempt.ip == ip) >= MAX_FAILURES_PER_IP:
        return True
    return _recent_failures(session, LoginAttempt.email == address) >= MAX_FAILURES_PER_ACCOUNT


def sign_in(session: Session, *, email: str, password: str, ip: str, code: str = "") -> SignInResult:
    address = email.strip().lower()
    user = session.scalar(select(User).options(selectinload(User.grants)).where(User.email == address))
    if is_throttled(session, address=address, ip=ip):
        # Not recorded as a new failure: retrying during a lock must not extend it for everyone.
        return SignInResult(
            error=TooManyAttempts(
                f"サインインの失敗が続いたため、{LOCK_MINUTES} 分間サインインできません。時間をおいてやり直してください。",
                f"Too many failed sign-ins: try again in {LOCK_MINUTES} minutes.",
            )
        )
    ok = sec.verify_password(user.password_hash if user else None, password) and bool(user and user.is_active)
    if ok and user and user.is_demo and not get_settings().demo_mode:
        ok = False  # demo accounts have a published password: they work only on a demo site
    if ok and user and user.totp_secret:
        if not code:
            return SignInResult(needs_code=True)
        ok = use_totp_code(user, code)
    session.add(LoginAttempt(email=address, ip=ip, at=now(), success=ok))
    if not ok:
        return SignInResult(
            error=SignInFailed(
                "メールアドレス、パスワードまたは確認コードが正しくありません。",
                "The e-mail address, password or code is not correct.",
            )
        )
    assert user is not None
    return SignInResult(user=user)


def start_session(session: Session, *, user: User, ip: str) -> str:
    """A new signed-in session; returns the cookie value (shown once, stored hashed)."""
    token = sec.new_token()
    session.add(
        UserSession(
            token_hash=sec.token_hash(token),
            user_id=user.id,
            created_at=now(),
            ip=ip,
            expires_at=now() + dt.timedelta(hours=get_settings().session_hours),
        )
    )
    record_event(
        session,
        action="sign-in",
        entity="users",
        entity_key=str(user.id),
        principal=principal_for(user, ip=ip),
    )
    return token


def user_of_session(session: Session, token: str) -> User | None:
    """The active user a browser's session token stands for, with their roles, or None. One statement: it
    runs on every signed-in request, and reading the session, the user and the roles in turn was a fifth
    of the work of serving a page kept in memory."""
    found = (
        session.execute(
            select(User, UserSession.expires_at, UserSession.revoked_at)
            .join(UserSession, UserSession.user_id == User.id)
            .where(UserSession.token_hash == sec.token_hash(token))
            .options(joinedload(User.grants))
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    user, expires_at, revoked_at = found
    expires = _aware(expires_at)
    if revoked_at is not None or expires is None or expires <= now() or not user.is_active:
        return None
    return user


def end_session(session: Session, token: str) -> None:
    row = session.scalar(select(UserSession).where(UserSession.token_hash == sec.token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = now()
        user = session.get(User, row.user_id, options=[selectinload(User.grants)])
        record_event(
            session,
            action="sign-out",
            entity="users",
            entity_key=str(row.user_id),
            principal=principal_for(user) if user else None,
        )


def sign_out_everywhere(session: Session, *, user: User) -> int:
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now())
    )
    record_event(session, action="sign-out-all", entity="users", entity_key=str(user.id))
    return result.rowcount or 0  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult


def change_password(
    session: Session, *, user: User, current: str, new: str, keep_session: str | None = None
) -> None:
    """A new password ends every other way in: all sessions but the one whose token is ``keep_session``
    (the browser that changed it, if its owner chose to stay signed in) and every API token — whoever knew
    the old password may have used it to open them."""
    if not sec.verify_password(user.password_hash, current):
        raise InvalidInput("現在のパスワードが正しくありません。", "The current password is not correct.")
    sec.check_password_rules(new, email=user.email)
    user.password_hash = sec.hash_password(new)
    kept = sec.token_hash(keep_session) if keep_session else ""
    session.execute(
        update(UserSession)
        .where(
            UserSession.user_id == user.id, UserSession.revoked_at.is_(None), UserSession.token_hash != kept
        )
        .values(revoked_at=now())
    )
    for api_token in list_api_tokens(session, user=user):
        api_token.revoked_at = api_token.revoked_at or now()
    record_event(session, action="password-change", entity="users", entity_key=str(user.id))
    session.flush()


# ---- two-factor --------------------------------------------------------------------------------------


def start_two_factor(user: User) -> tuple[str, str]:
    """A new TOTP secret and its otpauth URI for an authenticator app (not saved until confirmed)."""
    secret = pyotp.random_base32()
    return secret, pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name="chiiki-iot")


def use_totp_code(user: User, code: str, *, secret: str | None = None) -> bool:
    """Accept a code from this or the neighbouring 30-second step, once: a code already used (or older than
    the last one used) is refused, so a code seen over someone's shoulder cannot be replayed."""
    totp = pyotp.TOTP(secret or user.totp_secret or "")
    current = int(now().timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if sec.same(totp.generate_otp(step), code.strip()) and (user.totp_last_step or 0) < step:
            user.totp_last_step = step
            return True
    return False


def confirm_two_factor(session: Session, *, user: User, secret: str, code: str) -> None:
    if not use_totp_code(user, code, secret=secret):
        raise InvalidInput(
            "確認コードが正しくありません。アプリに表示された6桁を入力してください。",
            "The code is not correct; enter the 6 digits your app shows.",
        )
    user.totp_secret = secret
    session.flush()


def disable_two_factor(session: Session, *, user: User, code: str) -> None:
    """Turning two-factor off needs a current code, so a stolen session alone cannot remove it."""
    if not user.totp_secret or not use_totp_code(user, code):
        raise InvalidInput(
            "確認コードが正しくありません。解除するには認証アプリの6桁を入力してください。",
            "The code is not correct; enter the 6 digits from your app to turn it off.",
        )
    user.totp_secret, user.totp_last_step = None, None
    session.flush()


# ---- API tokens --------------------------------------------------------------------------------------


def create_api_token(
    session: Session, *, user: User, name: str, grant_ids: list[int] | None = None
) -> tuple[ApiToken, str]:
    """A token limited to some of the user's role grants (all when None). The secret is returned once."""
    own = {g.id for g in user.grants}
    chosen = sorted(own if grant_ids is None else set(grant_ids))
    if not set(chosen) <= own:
        raise InvalidInput(
            "自分の役割以外をトークンに付けることはできません。", "A token can only carry your own roles."
        )
    secret = "ciot_" + sec.new_token()
    token = ApiToken(
        user_id=user.id,
        name=name.strip() or "token",
        prefix=secret[:12],
        token_hash=sec.token_hash(secret),
        grant_ids=chosen,
        grant_roles=[[g.role, g.scope] for g in user.grants if g.id in chosen],
        created_at=now(),
    )
    session.add(token)
    session.flush()
    return token, secret


def list_api_tokens(session: Session, *, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_api_token(session: Session, *, user: User, token_id: int) -> None:
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("そのトークンはありません。", "There is no such token.")
    if token.revoked_at is None:
        token.revoked_at = now()
    session.flush()


def principal_of_token(session: Session, secret: str, *, ip: str) -> Principal | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == sec.token_hash(secret)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id, options=[selectinload(User.grants)])
    if user is None or not user.is_active:
        return None
    return principal_for(
        user, ip=ip, via="api", grant_ids=list(token.grant_ids), grant_roles=list(token.grant_roles)
    )


# ---- invitations and password resets -----------------------------------------------------------------


def invite(
    session: Session, *, principal: Principal, email: str, role: Role, scope: str
) -> tuple[Invitation, str]:
    """An invitation link for one role; the inviter must be allowed to give that role over that scope."""
    address = normalise_email(email)
    place = place_of_grant(session, role, scope)
    scope = place.scope
    authorize(principal, "users.invite", place.target)
    if find_user(session, address) is not None:
        # An invitation creates an account; roles for an existing account are the secretariat's to grant.
        # (Otherwise an inviter could invite their own address into a role the policy withholds.)
        raise InvalidInput(
            f"{address} は既に登録されています。役割の追加は事務局に依頼してください。",
            f"{address} already has an account; ask the secretariat to add the role.",
        )
    if role in MINISTRY_ROLES and not can(principal, "users.invite_ministry"):
        raise Forbidden(
            "事務局・総合通信局の役割は事務局だけが招待できます。",
            "Only the secretariat can invite secretariat or bureau users.",
        )
    token = sec.new_token()
    invitation = Invitation(
        token_hash=sec.token_hash(token),
        email=address,
        role=role.value,
        scope=scope,
        invited_by_id=principal.user_id,
        created_at=now(),
        expires_at=now() + dt.timedelta(days=INVITATION_DAYS),
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def open_invitation(session: Session, token: str) -> Invitation:
    invitation = session.scalar(select(Invitation).where(Invitation.token_hash == sec.token_hash(token)))
    if (
        invitation is None
        or invitation.accepted_at is not None
        or (_aware(invitation.expires_at) or now()) <= now()
    ):
        raise NotFound(
            "この招待リンクは無効です（使用済み・期限切れ・誤り）。招待した担当者に再発行を依頼してください。",
            "This invitation link is not valid (used, expired or wrong). Ask for a new one.",
        )
    return invitation


def _inviter_still_may(session: Session, invitation: Invitation) -> bool:
    """An invitation speaks for its inviter: it is good only while they could still send it (a bureau
    officer who moved on, or whose account was closed, no longer brings anyone in)."""
    if invitation.invited_by_id is None:
        return True  # sent from the command line (the secretariat's powers); accounts are never deleted
    inviter = session.get(User, invitation.invited_by_id)
    if inviter is None or not inviter.is_active:
        return False
    role = Role(invitation.role)
    who = principal_for(inviter)
    if role in MINISTRY_ROLES and not can(who, "users.invite_ministry"):
        return False
    return can(who, "users.invite", place_of_grant(session, role, invitation.scope).target)


def accept_invitation(session: Session, *, token: str, display_name: str, password: str) -> User:
    invitation = open_invitation(session, token)
    if not _inviter_still_may(session, invitation):
        raise NotFound(
            "この招待は、招待した担当者の役割が変わったため無効になりました。改めて招待を依頼してください。",
            "This invitation lapsed: the person who sent it no longer holds the role to send it. Ask again.",
        )
    sec.check_password_rules(password, email=invitation.email)
    _act_for(session, f"invitation:{invitation.email}")
    # Spend the invitation first, with one conditional UPDATE: of twenty clicks at once, one wins and the
    # others find it used (PostgreSQL makes them wait for the winner's commit, then re-check), never a second
    # account. Any refusal after this rolls the spending back with the rest of the transaction.
    spent = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=now())
        .execution_options(synchronize_session="fetch")
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        raise NotFound(
            "この招待リンクは既に使われました。サインインしてください。",
            "This invitation has already been used; please sign in.",
        )
    if find_user(session, invitation.email) is not None:
        raise InvalidInput(
            "このアドレスのアカウントは既にあります。サインインしてください。",
            "An account with this address already exists; please sign in.",
        )
    record_event(session, action="invite-accepted", entity="invitations", entity_key=str(invitation.id))
    user = create_user(session, email=invitation.email, display_name=display_name, password=password)
    user.grants.append(RoleGrant(role=invitation.role, scope=invitation.scope, granted_at=now()))
    session.flush()
    return user


def _act_for(session: Session, actor: str) -> None:
    """Name an unauthenticated flow in the audit log (keeping the client's address)."""
    current = principal_of(session)
    act_as(session, Principal(actor=actor, ip=current.ip if current else "", via="web"))


def request_password_reset(session: Session, *, email: str) -> tuple[User, str] | None:
    """A reset link for a known, active user; None otherwise (the page says the same either way)."""
    try:
        user = find_user(session, email)
    except InvalidInput:
        return None
    if user is None or not user.is_active:
        return None
    hour_ago = now() - dt.timedelta(hours=1)
    recent = select(func.count()).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at >= hour_ago
    )
    if (session.scalar(recent) or 0) >= MAX_RESETS_PER_HOUR:
        return None  # nobody can fill an inbox with reset mails; the page still says the same
    token = sec.new_token()
    session.add(
        PasswordReset(
            token_hash=sec.token_hash(token),
            user_id=user.id,
            created_at=now(),
            expires_at=now() + dt.timedelta(hours=RESET_HOURS),
        )
    )
    session.flush()
    return user, token


def reset_password(session: Session, *, token: str, password: str) -> User:
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == sec.token_hash(token)))
    if reset is None or reset.used_at is not None or (_aware(reset.expires_at) or now()) <= now():
        raise NotFound(
            "この再設定リンクは無効です（使用済み・期限切れ・誤り）。もう一度申し込んでください。",
            "This reset link is not valid (used, expired or wrong). Please ask again.",
        )
    user = get_user(session, reset.user_id)
    _act_for(session, f"password-reset:{user.email}")
    sec.check_password_rules(password, email=user.email)
    user.password_hash, user.failed_logins, user.locked_until = sec.hash_password(password), 0, None
    reset.used_at = now()
    # Recovering an account suggests it may be in other hands: end its sessions and its API tokens too.
    sign_out_everywhere(session, user=user)
    for api_token in list_api_tokens(session, user=user):
        api_token.revoked_at = api_token.revoked_at or now()
    session.flush()
    return user


def emails_of_scope(session: Session, role: Role, scope: str) -> list[str]:
    """The addresses of active users holding ``role`` over ``scope`` (who speaks for a body or an
    organisation), for notices such as a conversation opened in the IoTデザインハブ."""
    rows = session.scalars(
        select(User.email)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == role.value, RoleGrant.scope == scope, User.is_active.is_(True))
        .order_by(User.email)
    )
    return list(dict.fromkeys(rows))
