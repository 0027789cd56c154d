"""Reading the audit log: filtered lists for admins, per record, and as CSV."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.models import AuditEntry
from chiiki_iot.accounts.policy import ROLE_LABELS, Principal, authorize
from chiiki_iot.core.fiscal import JAPAN
from chiiki_iot.core.i18n import gettext

CSV_COLUMNS = ["id", "at", "actor", "role", "ip", "action", "entity", "entity_key", "before", "after", "note"]


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    entity: str = ""
    key: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def list_entries(
    session: Session, *, principal: Principal, filters: AuditFilter, offset: int = 0, limit: int = 100
) -> list[AuditEntry]:
    authorize(principal, "audit.read")
    query = select(AuditEntry)
    if filters.actor:
        query = query.where(AuditEntry.actor == filters.actor.strip().lower())
    if filters.entity:
        query = query.where(AuditEntry.entity == filters.entity)
    if filters.key:
        query = query.where(AuditEntry.entity_key == filters.key)
    if filters.since:
        query = query.where(AuditEntry.at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until:
        query = query.where(
            AuditEntry.at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)))


def as_row(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "role": entry.role,
        "ip": entry.ip,
        "action": entry.action,
        "entity": entry.entity,
        "entity_key": entry.entity_key,
        "before": json.dumps(entry.before, ensure_ascii=False) if entry.before is not None else "",
        "after": json.dumps(entry.after, ensure_ascii=False) if entry.after is not None else "",
        "note": entry.note,
    }


# --- For people: the audit view shows actions, tables and fields in words, and a change as a diff. -----
# The CSV and the API keep the machine values above (``as_row``): they are for tools and for searching.

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "create": ("作成", "Created"),
    "update": ("変更", "Changed"),
    "delete": ("削除", "Deleted"),
    "sign-in": ("サインイン", "Signed in"),
    "sign-out": ("サインアウト", "Signed out"),
    "sign-out-all": ("すべての端末からサインアウト", "Signed out everywhere"),
    "invite-accepted": ("招待の受諾", "Invitation accepted"),
    "password-change": (
        "パスワードの変更（ほかの端末とAPIトークンを終了）",
        "Password changed (other devices and API tokens ended)",
    ),
    "demo-data": ("デモデータの作成", "Demo data created"),
}

ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "api_tokens": ("APIトークン", "API token"),
    "barrier_reports": ("壁の報告", "barrier report"),
    "blocks": ("地域ブロック", "regional block"),
    "bodies": ("団体", "local body"),
    "boundary_layers": ("境界データ", "boundary layer"),
    "events": ("説明会等", "event"),
    "indicator_values": ("参考指標の値", "indicator value"),
    "indicators": ("参考指標", "indicator"),
    "input_values": ("入力値", "input value"),
    "invitations": ("招待", "invitation"),
    "kpi_inputs": ("KPIの入力項目", "KPI input"),
    "kpis": ("KPI", "KPI"),
    "national_figures": ("全国値", "national figure"),
    "organisations": ("団体・企業", "organisation"),
    "password_resets": ("パスワード再設定", "password reset"),
    "pending_uploads": ("仮アップロード", "pending upload"),
    "population_figures": ("人口", "population figure"),
    "projects": ("事業", "project"),
    "roadmap_fields": ("ロードマップの分野", "roadmap field"),
    "roadmap_revisions": ("ロードマップの版", "roadmap revision"),
    "roadmap_year_plans": ("年度ごとの計画", "fiscal-year plan"),
    "role_grants": ("役割の付与", "role grant"),
    "sector_models": ("分野別モデル", "sector model"),
    "status_changes": ("実装状況", "implementation status"),
    "survey_responses": ("調査の回答", "survey answer"),
    "survey_rounds": ("調査回", "survey round"),
    "thread_log": ("糸の記録", "thread log"),
    "thread_memberships": ("糸への参加", "thread membership"),
    "users": ("利用者", "user"),
}

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "url": ("公式ウェブサイト", "website"),
    "version": ("版数", "version"),
    "stage": ("段階", "stage"),
    "status": ("状態", "status"),
    "state": ("状態", "state"),
    "email": ("メールアドレス", "e-mail"),
    "display_name": ("表示名", "display name"),
    "name": ("名称", "name"),
    "name_ja": ("名称", "name (ja)"),
    "name_en": ("英語名", "name (en)"),
    "role": ("役割", "role"),
    "scope": ("担当範囲", "scope"),
    "body_code": ("団体コード", "body code"),
    "code": ("団体コード", "code"),
    "model_slug": ("分野別モデル", "model"),
    "note": ("備考", "note"),
    "reviewed_at": ("確認日時", "reviewed at"),
    "reviewed_by": ("確認者", "reviewed by"),
    "recorded_at": ("記録日時", "recorded at"),
    "recorded_by": ("記録者", "recorded by"),
    "effective_on": ("基準日", "effective on"),
    "as_of": ("基準日", "as of"),
    "value": ("値", "value"),
    "file_name": ("ファイル名", "file name"),
    "uploaded_at": ("アップロード日時", "uploaded at"),
    "uploaded_by": ("アップロードした人", "uploaded by"),
    "deadline": ("締切", "deadline"),
    "fiscal_year": ("年度", "fiscal year"),
    "population": ("人口", "population"),
    "source": ("出典", "source"),
    "is_active": ("有効", "active"),
    "password_hash": ("パスワード", "password"),
    "barrier": ("壁", "barrier"),
    "other_text": ("その他の内容", "other (text)"),
    "created_at": ("作成日時", "created at"),
    "granted_at": ("付与日時", "granted at"),
    "revoked_at": ("失効日時", "revoked at"),
    "expires_at": ("有効期限", "expires at"),
    "title": ("件名", "title"),
    "held_on": ("開催日", "held on"),
    "place": ("場所", "place"),
    "kind": ("種類", "kind"),
    "round_id": ("調査回", "survey round"),
    "committed_at": ("確定日時", "committed at"),
    "submitted_at": ("提出日時", "submitted at"),
    "submitted_by": ("提出した人", "submitted by"),
    "user_id": ("利用者", "user"),
    "input_slug": ("入力項目", "input"),
    "source_kind": ("出典の種類", "source kind"),
    "source_ref": ("出典", "source reference"),
    "reported_on": ("報告日", "reported on"),
    "is_synthetic": ("合成データ", "synthetic"),
    "evidence": ("根拠", "evidence"),
    "draft": ("下書き", "draft"),
    "model_slugs": ("分野別モデル", "models"),
    "input_slugs": ("入力項目", "inputs"),
    "opened_by": ("開いた人", "opened by"),
    "observed_on": ("時点", "observed on"),
    "budget_yen": ("予算（円）", "budget (yen)"),
    "funding": ("財源", "funding"),
    "category": ("区分", "category"),
    "target_block": ("対象の地域ブロック", "target block"),
    "organiser_slug": ("主催", "organiser"),
    "starts_on": ("開始日", "starts on"),
    "ends_on": ("終了日", "ends on"),
    "partner_codes": ("共同の団体", "partners"),
}

# Stored words that have a Japanese form: answer states and where a record came from.
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "draft": ("下書き", "draft"),
    "submitted": ("提出済", "submitted"),
    "confirmed": ("承認済", "approved"),
    "returned": ("差戻し", "returned"),
    "open": ("受付中", "open"),
    "closed": ("締切済", "closed"),
    "survey": ("調査", "survey"),
    "import": ("一括取り込み", "bulk import"),
    "manual": ("手入力", "entered by hand"),
    "demo": ("デモ", "demo"),
    "planned": ("予定", "planned"),
    "held": ("開催済", "held"),
    "cancelled": ("中止", "cancelled"),
}

EMPTY = "—"
SHOWN_CHARS = 120


@dataclass(frozen=True)
class FieldChange:
    """One line of the readable diff: 「公式ウェブサイト: （なし） → https://…」."""

    field: str
    before: str
    after: str
    identifier: bool = False  # a stored key (slug, code, scope): shown as the machine value it is


def _is_identifier(key: str) -> bool:
    """Fields that hold keys rather than words: the audit log shows what was stored, marked as code."""
    return key.endswith(
        (
            "slug",
            "slugs",
            "scope",
            "code",
            "codes",
            "source_ref",
            "draft",
            "block",
            "blocks",
            "category",
            "kind",
            "prefectures",
        )
    )


def _label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    ja, en = table.get(key, (key, key))
    return en if lang == "en" else ja


def action_label(entry: AuditEntry, *, lang: str) -> str:
    """「作成: 仮アップロード」, 「サインイン」: what happened, in words, with the kind of record for row changes."""
    action = _label(ACTION_LABELS, entry.action, lang)
    if entry.action in ("create", "update", "delete"):
        return action + (": " if lang == "en" else "：") + _label(ENTITY_LABELS, entry.entity, lang)
    return action


def role_parts(roles: str) -> list[tuple[str, str]]:
    """'municipality:011002,bureau:kanto' as [(市区町村の担当者, 011002), (総合通信局, kanto)]: the role in the
    current language, the scope as stored (a code or block key, shown as code)."""
    parts = []
    for grant in filter(None, roles.split(",")):
        role, _, scope = grant.partition(":")
        parts.append((gettext(ROLE_LABELS.get(role, role)), scope))  # type: ignore[call-overload]
    return parts


def entity_label(entry: AuditEntry, *, lang: str) -> str:
    return _label(ENTITY_LABELS, entry.entity, lang)


def _as_japan_time(stamp: str) -> str:
    """A stored ISO timestamp to the minute, in Japan time (where the people reading the log are)."""
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is not None:
        moment = moment.astimezone(JAPAN)
    return f"{moment:%Y-%m-%d %H:%M}"


def _shown(value: Any, lang: str) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return ("yes" if value else "no") if lang == "en" else ("はい" if value else "いいえ")
    if isinstance(value, str) and value in VALUE_LABELS:
        return _label(VALUE_LABELS, value, lang)
    if isinstance(value, str) and len(value) > 19 and value[4:5] == "-" and value[10:11] == "T":
        value = _as_japan_time(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def changes(entry: AuditEntry, *, lang: str) -> list[FieldChange]:
    """The fields an entry touched, before → after; a new record lists what it was created with."""
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in (after or before) if k != "id"]
    rows = [
        FieldChange(
            _label(FIELD_LABELS, k, lang),
            _shown(before.get(k), lang),
            _shown(after.get(k), lang),
            _is_identifier(k),
        )
        for k in keys
    ]
    if entry.action == "create":
        rows = [r for r in rows if r.after != EMPTY]
    return rows
