"""Who may do what, written once as data. Every write path — page form, JSON API, CLI, import — asks
``authorize`` before it changes anything, so a rule cannot differ between the site and the API.

A role is held over a scope: 事務局 over everything, a 総合通信局 over one block, a 都道府県 or 市区町村 over
one body, a 企業・団体 over one organisation. An action names what it allows, prefixed by the part of the
programme it belongs to (``survey.run``, ``progress.national_figures``); its rule lists, per role, which
targets the role's scope reaches. One action gates one kind of thing: tightening who manages users must
never change who runs the survey, so each is its own row even where two rows give the same answers today.

Nothing outside this module looks at a principal's roles: pages and services ask ``can``/``authorize``
(with a target, or ``SOMEWHERE`` for "anywhere at all"), ``reaches_of`` for how far a person reaches, and
``bodies_acted_for`` for the bodies a person speaks for. The admin matrix page is ``policy_matrix()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from chiiki_iot.core.errors import Forbidden as Forbidden  # re-exported: the policy's refusals
from chiiki_iot.core.errors import SignInRequired as SignInRequired
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

MINISTRY_ROLES = frozenset({Role.SECRETARIAT, Role.BUREAU})
"""The ministry's own staff (総務省: the secretariat and the regional bureaux): inviting someone into one
of these roles takes ``users.invite_ministry`` on top of ``users.invite``."""


class Reach(StrEnum):
    """How far a role's scope reaches for one action."""

    EVERYTHING = "everything"
    OWN_BODY = "own-body"  # the body the grant names
    OWN_MUNICIPALITIES = "own-municipalities"  # the municipalities of the prefecture the grant names
    OWN_PREFECTURE = "own-prefecture"  # the prefecture the grant names and its municipalities
    OWN_BLOCK = "own-block"  # any body in the block the grant names
    OWN_ORGANISATION = "own-organisation"


REACH_LABELS: dict[Reach, tuple[str, str]] = {
    Reach.EVERYTHING: ("すべて", "everything"),
    Reach.OWN_BODY: ("自団体", "its own body"),
    Reach.OWN_MUNICIPALITIES: ("管内の市区町村", "its municipalities"),
    Reach.OWN_PREFECTURE: ("自団体と管内の市区町村", "itself and its municipalities"),
    Reach.OWN_BLOCK: ("担当する地域ブロック", "its block"),
    Reach.OWN_ORGANISATION: ("自組織", "its own organisation"),
}


@dataclass(frozen=True)
class Target:
    """What an action is done to, reduced to what scopes are compared with.

    ``SOMEWHERE`` (``somewhere=True``) is no real target: it asks whether a person may do the action over
    some scope at all. A route uses it to refuse early and to declare its action; the service it calls
    then checks the actual body or block. A final check never uses it."""

    body_code: str = ""
    prefecture_code: str = ""
    block_slug: str = ""
    organisation: str = ""
    is_prefecture: bool = False
    somewhere: bool = False


SOMEWHERE = Target(somewhere=True)


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


@dataclass(frozen=True)
class Action:
    """One row of the policy: what the action allows, in Japanese and English, and its rule."""

    label_ja: str
    label_en: str
    rule: Mapping[Role, Reach]


# The policy, grouped by the part of the programme each action belongs to. Anonymous users hold no grant,
# so every action here is closed to them; reading public pages needs no action at all.
POLICY: dict[str, Action] = {
    # registry: the bodies' own details and the reference data
    "body.edit": Action(
        "団体情報の編集",
        "editing a body's details",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "body.review": Action(
        "団体情報の確認",
        "reviewing a body's details",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.BUREAU: Reach.OWN_BLOCK,
            Role.PREFECTURE: Reach.OWN_MUNICIPALITIES,
        },
    ),
    "registry.import": Action(
        "台帳データの取り込み", "importing registry data", {Role.SECRETARIAT: Reach.EVERYTHING}
    ),
    # adoption: 実装状況 — a body records its own; the secretariat records any (surveys, bulk imports).
    "status.record": Action(
        "実装状況の記録",
        "recording implementation status",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "indicators.import": Action(
        "指標データの取り込み", "importing indicator data", {Role.SECRETARIAT: Reach.EVERYTHING}
    ),
    "demo.generate": Action(
        "デモ用の合成データの作成", "writing synthetic demo data", {Role.SECRETARIAT: Reach.EVERYTHING}
    ),
    # the survey (地域IoT実装状況調査): the secretariat runs it, the bodies answer (status.record), a
    # prefecture or bureau approves its bodies' answers and follows who has not answered.
    "survey.run": Action(
        "実装状況調査の実施（開始・締切・全国分の回答用ブック）",
        "running the survey (opening, closing, the national workbook)",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "survey.review": Action(
        "調査回答の承認・差戻し",
        "approving or returning survey answers",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.BUREAU: Reach.OWN_BLOCK,
            Role.PREFECTURE: Reach.OWN_MUNICIPALITIES,
        },
    ),
    "survey.follow": Action(
        "調査の未回答団体の把握",
        "following who has not answered the survey",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.BUREAU: Reach.OWN_BLOCK,
            Role.PREFECTURE: Reach.OWN_PREFECTURE,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    # progress
    "progress.national_figures": Action(
        "KPIの全国値の入力", "entering a KPI's national figures", {Role.SECRETARIAT: Reach.EVERYTHING}
    ),
    # outreach: 説明会等・協議会の記録 — a regional bureau its block's; the secretariat all, national ones too.
    "outreach.edit_block": Action(
        "説明会等・協議会の記録",
        "recording events and council activity",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    # network: 地域IoT官民ネット — bodies and organisations join; the IoTデザインハブ matches needs with
    # solutions; a body's need is published by its block's bureau or the secretariat, never by itself.
    "network.apply": Action(
        "官民ネットへの参加申請",
        "applying to join the public-private network",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
            Role.ORGANISATION: Reach.OWN_ORGANISATION,
        },
    ),
    "network.members": Action(
        "官民ネットの参加申請の承認・見送り",
        "approving or declining network applications",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "hub.rounds": Action(
        "IoTデザインハブの募集回の設定",
        "setting up IoT design hub rounds",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "needs.post": Action(
        "課題の投稿",
        "posting a need",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "needs.publish": Action(
        "課題の確認・公開",
        "reviewing and publishing needs",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    "needs.read_unpublished": Action(
        "公開前の課題の閲覧",
        "reading needs before they are published",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.BUREAU: Reach.OWN_BLOCK,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "solutions.edit": Action(
        "解決策の登録・編集",
        "adding and editing solutions",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.ORGANISATION: Reach.OWN_ORGANISATION},
    ),
    "proposals.submit": Action(
        "課題への提案", "proposing a solution for a need", {Role.ORGANISATION: Reach.OWN_ORGANISATION}
    ),
    "proposals.decide": Action(
        "提案の選定（候補・実証・導入・見送り）",
        "deciding on proposals (shortlist, pilot, adopt, decline)",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "hub.interest": Action(
        "課題と解決策への関心表明",
        "showing interest in a need-solution pair",
        {
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
            Role.ORGANISATION: Reach.OWN_ORGANISATION,
        },
    ),
    "symbol.calls": Action(
        "シンボル・プロジェクトの募集と選定",
        "running symbol-project calls and selection",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "symbol.propose": Action(
        "シンボル・プロジェクトへの応募",
        "proposing a symbol project",
        {
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
            Role.ORGANISATION: Reach.OWN_ORGANISATION,
        },
    ),
    "symbol.progress": Action(
        "選定されたシンボル・プロジェクトの進み具合の記録",
        "recording a selected symbol project's progress",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
            Role.ORGANISATION: Reach.OWN_ORGANISATION,
        },
    ),
    "symbol.review": Action(
        "シンボル・プロジェクトの審査",
        "reviewing symbol-project proposals",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.EVERYTHING},
    ),
    "policy.record": Action(
        "政策提言の記録", "recording policy proposals", {Role.SECRETARIAT: Reach.EVERYTHING}
    ),
    # support: 地域IoT実装総合支援パッケージ — the secretariat sets the measures and budgets and decides; a
    # body applies and asks for dispatches; the block's bureau reviews, assigns and arranges.
    "support.measures": Action(
        "支援メニューと予算の設定",
        "setting support measures and budgets",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "support.apply": Action(
        "支援の申請（作成・提出・着手・実績報告）",
        "applying for support (drafting, submitting, starting, reporting)",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,  # keys in an application that came on paper
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "support.partner": Action(
        "参加する申請の閲覧",
        "reading applications it takes part in",
        {Role.ORGANISATION: Reach.OWN_ORGANISATION},
    ),
    "support.assign": Action(
        "申請の審査者の割当・差し戻し",
        "assigning reviewers to applications and returning them",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    "support.review": Action(
        "申請の審査（採点）",
        "reviewing (scoring) applications",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    "support.decide": Action(
        "支援の決定（交付決定・不採択・差し戻し）",
        "deciding on applications (approve, reject, return)",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "support.roster": Action(
        "専門家・IoTメンター公務員の名簿の管理",
        "keeping the roster of experts and IoT mentors",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.EVERYTHING},
    ),
    "support.training": Action(
        "研修（データ活用スキル）の記録",
        "recording training courses, sessions and participants",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.EVERYTHING},
    ),
    "plans.record": Action(
        "IoT・DX推進計画の記録",
        "recording a body's IoT/DX plan",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "dispatch.request": Action(
        "専門家・メンターの派遣の依頼",
        "asking for an expert or a mentor",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "dispatch.report": Action(
        "派遣報告の提出（派遣された本人）",
        "filing the report of a dispatch one went on",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.BUREAU: Reach.OWN_BLOCK,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
            Role.ORGANISATION: Reach.OWN_ORGANISATION,
        },
    ),
    "dispatch.arrange": Action(
        "派遣の調整・報告の代理入力",
        "arranging dispatches and filing reports for them",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    # improvement: the Act of PDCA — a bureau keeps its block's countermeasures, opinions and priorities;
    # the secretariat all of them, triages opinions and revises the roadmap; bodies write up their cases.
    "countermeasures.edit": Action(
        "対応策の作成・更新",
        "opening and updating countermeasures",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    "opinions.record": Action(
        "会合で出た意見の記録",
        "recording opinions raised at meetings",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    "opinions.triage": Action(
        "意見の仕分けと回答", "triaging and answering opinions", {Role.SECRETARIAT: Reach.EVERYTHING}
    ),
    "priorities.set": Action(
        "地域ブロックの重点モデルの設定",
        "setting a block's priority models",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    "roadmap.revise": Action(
        "ロードマップ改定案の作成・公表",
        "drafting and publishing roadmap revisions",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "roadmap.comment": Action(
        "ロードマップ改定案への意見",
        "commenting on draft roadmap revisions",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.EVERYTHING},
    ),
    "cases.write": Action(
        "事例の作成・提出",
        "writing up and submitting cases",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.BUREAU: Reach.OWN_BLOCK,
            Role.PREFECTURE: Reach.OWN_BODY,
            Role.MUNICIPALITY: Reach.OWN_BODY,
        },
    ),
    "cases.review": Action(
        "事例の確認・公開・差し戻し",
        "reviewing, publishing and returning cases",
        {Role.SECRETARIAT: Reach.EVERYTHING, Role.BUREAU: Reach.OWN_BLOCK},
    ),
    # accounts
    "users.manage": Action("利用者の管理", "managing users", {Role.SECRETARIAT: Reach.EVERYTHING}),
    # Inviting someone is judged on the role and scope they would get (the target).
    "users.invite": Action(
        "利用者の招待",
        "inviting users",
        {
            Role.SECRETARIAT: Reach.EVERYTHING,
            Role.BUREAU: Reach.OWN_BLOCK,
            Role.PREFECTURE: Reach.OWN_MUNICIPALITIES,
        },
    ),
    "users.invite_ministry": Action(
        "事務局・総合通信局の利用者の招待",
        "inviting secretariat or bureau users",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
    "audit.read": Action("監査ログの閲覧", "reading the audit log", {Role.SECRETARIAT: Reach.EVERYTHING}),
    "system.health": Action(
        "サーバーのメモリとキャッシュの確認",
        "reading the server's memory and caches",
        {Role.SECRETARIAT: Reach.EVERYTHING},
    ),
}


def reaches(grant: Grant, reach: Reach, target: Target) -> bool:
    if reach == Reach.EVERYTHING or target.somewhere:
        return True
    if reach == Reach.OWN_BODY:
        return bool(target.body_code) and target.body_code == grant.scope
    if reach == Reach.OWN_MUNICIPALITIES:
        return bool(target.body_code) and not target.is_prefecture and target.prefecture_code == grant.scope
    if reach == Reach.OWN_PREFECTURE:
        return bool(target.body_code) and target.prefecture_code == grant.scope
    if reach == Reach.OWN_BLOCK:
        return bool(target.block_slug) and target.block_slug == grant.scope
    return bool(target.organisation) and target.organisation == grant.scope


def can(principal: Principal, action: str, target: Target = Target()) -> bool:
    rule = POLICY[action].rule
    return any(g.role in rule and reaches(g, rule[g.role], target) for g in principal.grants)


def reaches_of(principal: Principal, action: str) -> set[Reach]:
    """How far this person reaches for an action, over all their grants (empty: not at all). A page uses it
    to word what it shows ("your block's bodies") without asking which roles someone holds."""
    rule = POLICY[action].rule
    return {rule[g.role] for g in principal.grants if g.role in rule}


def bodies_acted_for(principal: Principal) -> list[str]:
    """The codes of the bodies this person speaks for — answers the survey for, records the status of — as
    their own body: each grant whose reach for ``status.record`` is the body it names, in grant order.
    The secretariat may act for any body but for none in particular, so it gets no codes here; ask
    ``can(principal, "status.record", target)`` for one body."""
    rule = POLICY["status.record"].rule
    codes = [g.scope for g in principal.grants if rule.get(g.role) == Reach.OWN_BODY]
    return list(dict.fromkeys(codes))


def organisations_acted_for(principal: Principal) -> list[str]:
    """The slugs of the organisations this person speaks for (their 企業・団体 grants), in grant order."""
    rule = POLICY["solutions.edit"].rule
    slugs = [g.scope for g in principal.grants if rule.get(g.role) == Reach.OWN_ORGANISATION]
    return list(dict.fromkeys(slugs))


def authorize(principal: Principal, action: str, target: Target = Target()) -> None:
    """Raise SignInRequired (401) for anonymous users and Forbidden (403) for anyone else not allowed."""
    if can(principal, action, target):
        return
    what = POLICY[action]
    if principal.is_anonymous:
        raise SignInRequired(
            f"{what.label_ja}にはサインインが必要です。", f"Sign in to do this ({what.label_en})."
        )
    if target.somewhere or target == Target():  # a national action: no body or scope to be outside of
        raise Forbidden(
            f"{what.label_ja}の権限がありません。", f"You are not allowed to do this ({what.label_en})."
        )
    raise Forbidden(
        f"{what.label_ja}の権限がありません（この団体・範囲はあなたの担当外です）。",
        f"You are not allowed to do this ({what.label_en}) for this body or scope.",
    )


@dataclass(frozen=True)
class MatrixRow:
    """One action as the admin page shows it: its name, what it allows, and each role's reach (or None)."""

    action: str
    label_ja: str
    label_en: str
    reach: dict[Role, Reach | None]


def policy_matrix() -> list[MatrixRow]:
    """The policy as rows for the admin page: action × role → reach, in the table's order."""
    return [
        MatrixRow(name, action.label_ja, action.label_en, {role: action.rule.get(role) for role in Role})
        for name, action in POLICY.items()
    ]
