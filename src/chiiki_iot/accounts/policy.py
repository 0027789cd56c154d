"""Who may do what, written once as data. Every write path — page form, JSON API, CLI, import — asks
``authorize`` before it changes anything, so a rule cannot differ between the site and the API.

A role is held over a scope: 事務局 over everything, a 総合通信局 over one block, a 都道府県 or 市区町村 over
one body, a 企業・団体 over one organisation. An action names what is done; its rule lists, per role,
which targets the role's scope reaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chiiki_iot.core.errors import UserError
from chiiki_iot.core.terms import N_


class Role(StrEnum):
    SECRETARIAT = "secretariat"  # 事務局: the national secretariat, admin
    BUREAU = "bureau"  # 総合通信局: one regional block
    PREFECTURE = "prefecture"  # 都道府県: one prefecture; reviews its municipalities
    MUNICIPALITY = "municipality"  # 市区町村: one municipality
    ORGANISATION = "organisation"  # 企業・団体: one organisation


ROLE_LABELS: dict[Role, str] = {
    Role.SECRETARIAT: N_("事務局"),
    Role.BUREAU: N_("総合通信局"),
    Role.PREFECTURE: N_("都道府県の担当者"),
    Role.MUNICIPALITY: N_("市区町村の担当者"),
    Role.ORGANISATION: N_("企業・団体"),
}


class Reach(StrEnum):
    """How far a role's scope reaches for one action."""

    EVERYTHING = "everything"
    OWN_BODY = "own-body"  # the body the grant names
    OWN_MUNICIPALITIES = "own-municipalities"  # the municipalities of the prefecture the grant names
    OWN_BLOCK = "own-block"  # any body in the block the grant names
    OWN_ORGANISATION = "own-organisation"


@dataclass(frozen=True)
class Target:
    """What an action is done to, reduced to what scopes are compared with."""

    body_code: str = ""
    prefecture_code: str = ""
    block_slug: str = ""
    organisation: str = ""
    is_prefecture: bool = False


@dataclass(frozen=True)
class Grant:
    role: Role
    scope: str = ""


@dataclass(frozen=True)
class Principal:
    """The one acting: a signed-in user, an API token (with the grants it was given) or the operator's CLI."""

    actor: str
    grants: tuple[Grant, ...] = ()
    user_id: int | None = None
    ip: str = ""
    via: str = "web"  # web | api | cli

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.via != "cli"

    def roles_label(self) -> str:
        return ",".join(f"{g.role}:{g.scope}" if g.scope else str(g.role) for g in self.grants)


ANONYMOUS = Principal(actor="anonymous")


# The policy. Anonymous users hold no grant, so every action here is closed to them; reading public
# pages needs no action at all.
POLICY: dict[str, dict[Role, Reach]] = {
    "body.edit": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.PREFECTURE: Reach.OWN_BODY,
        Role.MUNICIPALITY: Reach.OWN_BODY,
    },
    "body.review": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.BUREAU: Reach.OWN_BLOCK,
        Role.PREFECTURE: Reach.OWN_MUNICIPALITIES,
    },
    "registry.import": {Role.SECRETARIAT: Reach.EVERYTHING},
    # 実装状況: a body records its own; the secretariat records any (surveys, bulk imports).
    "status.record": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.PREFECTURE: Reach.OWN_BODY,
        Role.MUNICIPALITY: Reach.OWN_BODY,
    },
    "users.manage": {Role.SECRETARIAT: Reach.EVERYTHING},
    "audit.read": {Role.SECRETARIAT: Reach.EVERYTHING},
    # Inviting someone is judged on the role and scope they would get (the target).
    "users.invite": {
        Role.SECRETARIAT: Reach.EVERYTHING,
        Role.BUREAU: Reach.OWN_BLOCK,
        Role.PREFECTURE: Reach.OWN_MUNICIPALITIES,
    },
    "organisation.edit": {Role.SECRETARIAT: Reach.EVERYTHING, Role.ORGANISATION: Reach.OWN_ORGANISATION},
    # 説明会等・協議会の記録: a regional bureau its block's events and council log; the secretariat all.
    "outreach.edit": {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
}
ACTION_LABELS: dict[str, tuple[str, str]] = {
    "body.edit": ("団体情報の編集", "editing a body's details"),
    "body.review": ("団体情報の確認", "reviewing a body's details"),
    "registry.import": ("台帳データの取り込み", "importing registry data"),
    "status.record": ("実装状況の記録", "recording implementation status"),
    "users.manage": ("利用者の管理", "managing users"),
    "audit.read": ("監査ログの閲覧", "reading the audit log"),
    "users.invite": ("利用者の招待", "inviting users"),
    "organisation.edit": ("団体・企業情報の編集", "editing an organisation"),
    "outreach.edit": ("説明会等・協議会の記録", "recording events and council activity"),
}


class Forbidden(UserError):
    status_code = 403
    type_slug = "forbidden"
    title_en = "Forbidden"


class SignInRequired(UserError):
    status_code = 401
    type_slug = "sign-in-required"
    title_en = "Sign-in required"


def reaches(grant: Grant, reach: Reach, target: Target) -> bool:
    if reach == Reach.EVERYTHING:
        return True
    if reach == Reach.OWN_BODY:
        return bool(target.body_code) and target.body_code == grant.scope
    if reach == Reach.OWN_MUNICIPALITIES:
        return bool(target.body_code) and not target.is_prefecture and target.prefecture_code == grant.scope
    if reach == Reach.OWN_BLOCK:
        return bool(target.block_slug) and target.block_slug == grant.scope
    return bool(target.organisation) and target.organisation == grant.scope


def can(principal: Principal, action: str, target: Target = Target()) -> bool:
    rule = POLICY[action]
    return any(g.role in rule and reaches(g, rule[g.role], target) for g in principal.grants)


def authorize(principal: Principal, action: str, target: Target = Target()) -> None:
    """Raise SignInRequired (401) for anonymous users and Forbidden (403) for anyone else not allowed."""
    if can(principal, action, target):
        return
    what_ja, what_en = ACTION_LABELS[action]
    if principal.is_anonymous:
        raise SignInRequired(f"{what_ja}にはサインインが必要です。", f"Sign in to do this ({what_en}).")
    raise Forbidden(
        f"{what_ja}の権限がありません（この団体・範囲はあなたの担当外です）。",
        f"You are not allowed to do this ({what_en}) for this body or scope.",
    )


@dataclass(frozen=True)
class Matrix:
    """The policy as rows for the admin page and the README: action × role → reach."""

    rows: list[tuple[str, dict[Role, str]]] = field(default_factory=list)


def policy_matrix() -> Matrix:
    return Matrix(
        [(action, {role: str(rule.get(role, "")) for role in Role}) for action, rule in POLICY.items()]
    )
