"""ロードマップ改定案: the next revision of the roadmap, drafted on the site from the one in force.

A draft is a whole revision in the roadmap's own file format, so that what is published is exactly what
was compared: targets are edited, models added or retired on the site (or a revised data file uploaded),
and each change is logged with the revision proposals (opinions triaged as such) and countermeasures that
motivate it. The draft is open for comments from the bureaux and councils until a set date; the
secretariat then publishes it (``roadmap.revisions.publish``), and the KPI pages show both revisions'
targets. Models and KPIs keep their slugs, so status and KPI history carry on across the revision.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.improvement import countermeasures, opinions
from chiiki_iot.improvement.models import DraftComment, RevisionDraft
from chiiki_iot.roadmap import revisions
from chiiki_iot.roadmap import service as roadmap

STATUSES = {"draft": N_("改定案"), "published": N_("公表済み"), "withdrawn": N_("取り下げ")}
ROADMAP_YEARS = range(2016, 2021)  # the roadmap table's years, which a model in it plans for each of


@dataclass(frozen=True)
class Reasons:
    """What motivates a change: revision proposals (opinion ids) and countermeasures (ids)."""

    proposals: list[int] = field(default_factory=list)
    countermeasures: list[int] = field(default_factory=list)


def get(session: Session, draft_id: int) -> RevisionDraft:
    found = session.get(RevisionDraft, draft_id) if 0 < draft_id < 2**31 else None
    if found is None:
        raise NotFound(f"改定案 {draft_id} はありません。", f"No draft revision {draft_id}.")
    return found


def list_drafts(session: Session) -> list[RevisionDraft]:
    return list(session.scalars(select(RevisionDraft).order_by(RevisionDraft.id.desc())))


def create(
    session: Session, *, principal: Principal, slug: str, title_ja: str, title_en: str,
    comments_until: dt.date | None,
) -> RevisionDraft:  # fmt: skip
    """改定案を作る: a copy of the revision in force under a new slug (e.g. 2018-06)."""
    authorize(principal, "roadmap.revise")
    base = revisions.revision_spec(session)
    slug = _checked_slug(slug.strip(), after=base.slug)
    taken = {r.slug for r in roadmap.list_revisions(session)} | {d.slug for d in list_drafts(session)}
    if slug in taken:
        raise Conflict(f"版「{slug}」はすでにあります。", f"Revision {slug} already exists.")
    if comments_until is not None and comments_until < today_in_japan():
        raise InvalidInput(
            "意見の締切は今日以降にしてください。", "The comment deadline cannot be in the past."
        )
    spec = base.model_dump(mode="json") | {
        "slug": slug,
        "title_ja": title_ja.strip() or f"地域IoT実装推進ロードマップ（{slug}改定案）",
        "title_en": title_en.strip() or f"Regional IoT implementation roadmap (draft {slug})",
        "decided_on": today_in_japan().isoformat(),
        "supersedes": base.slug,
    }
    revisions.checked_spec(spec)  # the slug's format, with the roadmap's own message
    draft = RevisionDraft(
        slug=slug, base_slug=base.slug, spec=spec, changes=[], status="draft", comments_until=comments_until,
        created_by=principal.actor, created_at=dt.datetime.now(dt.UTC),
    )  # fmt: skip
    session.add(draft)
    session.flush()
    return draft


def _checked_slug(slug: str, *, after: str) -> str:
    """A revision is named by the year and month it is decided (2018-06), later than the one in force."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", unicodedata.normalize("NFKC", slug))
    if not found or not 1 <= int(found[2]) <= 12:
        raise InvalidInput(
            "新しい版は「西暦4桁-月2桁」で入力してください（例 2018-06）。",
            "Name the new revision by year and month, e.g. 2018-06.",
        )
    if found[0] <= after:
        raise InvalidInput(
            f"新しい版は現行の版（{after}）より後の年月にしてください。",
            f"The new revision must come after the one in force ({after}).",
        )
    return found[0]


def _checked_year(year: int) -> int:
    latest = FiscalYear.of(today_in_japan()).year + 30
    if not ROADMAP_YEARS.start <= year <= latest:
        raise InvalidInput(
            f"目標年度は{ROADMAP_YEARS.start}年度から{latest}年度までの西暦4桁で入力してください。",
            f"The target fiscal year must be a 4-digit year from {ROADMAP_YEARS.start} to {latest}.",
        )
    return year


def set_target(
    session: Session, *, principal: Principal, draft_id: int, expected_version: int, kpi_slug: str,
    value: float, text_ja: str, text_en: str, target_fiscal_year: int, reasons: Reasons,
) -> RevisionDraft:  # fmt: skip
    """目標の変更: the KPI's target value, its text as printed, and the year it is for."""
    draft, spec = _editable(session, principal, draft_id, expected_version)
    target_fiscal_year = _checked_year(target_fiscal_year)
    if value < 0:
        raise InvalidInput("目標値は0以上にしてください。", "The target cannot be negative.")
    kpi = next(
        (k for f in spec["fields"] for m in f["models"] for k in m["kpis"] if k["slug"] == kpi_slug), None
    )
    if kpi is None:
        raise NotFound(f"改定案にKPI「{kpi_slug}」はありません。", f"The draft has no KPI '{kpi_slug}'.")
    if kpi["target"]["kind"] == "qualitative":
        raise InvalidInput("定性的な目標には数値を設定できません。", "A qualitative target takes no number.")
    before = kpi["target"]["text_ja"]
    kpi["target"] = kpi["target"] | {
        "value": value,
        "text_ja": text_ja.strip() or f"{value:,g}",
        "text_en": text_en.strip() or f"{value:,g}",
    }
    kpi["target_fiscal_year"] = target_fiscal_year
    return _save(
        session, draft, spec, reasons,
        f"{kpi['name_ja']}の目標：{before} → {kpi['target']['text_ja']}（{target_fiscal_year}年度）",
        f"{kpi['name_en']}: target {kpi['target']['text_en']} (FY{target_fiscal_year})",
    )  # fmt: skip


def add_model(
    session: Session, *, principal: Principal, draft_id: int, expected_version: int, field_slug: str,
    slug: str, name_ja: str, name_en: str, plan_ja: str, reasons: Reasons, plan_en: str = "",
) -> RevisionDraft:  # fmt: skip
    """モデルの追加: a new sector model in a field. It is not drawn in the 2016–2020 table (the May 2017
    工程表, whose years it did not plan for); its plan is kept as the model's note. The identifier is made
    from the English name when none is given."""
    draft, spec = _editable(session, principal, draft_id, expected_version)
    target = next((f for f in spec["fields"] if f["slug"] == field_slug), None)
    if target is None:
        raise InvalidInput("追加する分野を選んでください。", "Choose the field the model goes in.")
    if not (name_ja.strip() and plan_ja.strip()):
        raise InvalidInput("モデルの名称と計画を入力してください。", "Give the model a name and a plan.")
    slug = _model_slug(slug or name_en, spec)
    target["models"].append(
        {
            "slug": slug, "name_ja": name_ja.strip(), "name_en": name_en.strip() or name_ja.strip(),
            "in_roadmap_table": False, "plans": [], "kpis": [],
            "note_ja": plan_ja.strip(), "note_en": plan_en.strip(),
        }
    )  # fmt: skip
    return _save(
        session, draft, spec, reasons,
        f"モデルの追加：{name_ja.strip()}（{target['name_ja']}）", f"New model: {name_en.strip() or name_ja.strip()}",
    )  # fmt: skip


def _model_slug(text: str, spec: dict) -> str:
    """A model's identifier: lower-case letters, digits and hyphens, unused in the draft."""
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", text).lower()).strip("-")[:60]
    if not slug:
        raise InvalidInput(
            "識別子を半角英数字で入力するか、英語の名称を入力してください（識別子はそこから作ります）。",
            "Give an identifier in letters and digits, or an English name to make it from.",
        )
    if slug in {m["slug"] for f in spec["fields"] for m in f["models"]}:
        raise InvalidInput(
            f"識別子「{slug}」はほかのモデルが使っています。別の識別子にしてください。",
            f"The identifier '{slug}' is taken by another model; choose another.",
        )
    return slug


def retire_model(
    session: Session, *, principal: Principal, draft_id: int, expected_version: int, model_slug: str,
    reasons: Reasons,
) -> RevisionDraft:  # fmt: skip
    """モデルの廃止: the model and its KPIs leave the next revision (their history stays with the old one)."""
    draft, spec = _editable(session, principal, draft_id, expected_version)
    for f in spec["fields"]:
        found = next((m for m in f["models"] if m["slug"] == model_slug), None)
        if found is not None:
            f["models"].remove(found)
            return _save(
                session, draft, spec, reasons,
                f"モデルの廃止：{found['name_ja']}", f"Model retired: {found['name_en']}",
            )  # fmt: skip
    raise NotFound(f"改定案にモデル「{model_slug}」はありません。", f"The draft has no model '{model_slug}'.")


def upload(
    session: Session, *, principal: Principal, draft_id: int, expected_version: int, content: bytes,
    reasons: Reasons,
) -> RevisionDraft:  # fmt: skip
    """A revised data file (the roadmap's YAML format) replaces the draft whole; its slug must be the draft's."""
    draft, _ = _editable(session, principal, draft_id, expected_version)
    try:
        data = yaml.safe_load(content.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        raise InvalidInput(
            "ファイルを読めません。UTF-8 の YAML（ロードマップのデータ形式）にしてください。",
            "The file cannot be read: use UTF-8 YAML in the roadmap's data format.",
        ) from None
    if not isinstance(data, dict) or data.get("slug") != draft.slug:
        raise InvalidInput(
            f"ファイルの版（slug）を改定案と同じ「{draft.slug}」にしてください。",
            f"The file's slug must be the draft's, {draft.slug}.",
        )
    return _save(session, draft, data, reasons, "データファイルの取り込み", "Data file uploaded")


def comment(
    session: Session, *, principal: Principal, draft_id: int, text: str, on_behalf_of: str
) -> DraftComment:
    """A bureau's or council's comment, while the draft is open for comments."""
    authorize(principal, "roadmap.comment")
    draft = get(session, draft_id)
    if not is_open_for_comments(draft):
        raise Conflict("この改定案への意見の受付は終わりました。", "Comments on this draft are closed.")
    if not text.strip():
        raise InvalidInput("意見を入力してください。", "Write the comment.")
    row = DraftComment(
        draft_id=draft.id, written_by=principal.actor, on_behalf_of=on_behalf_of.strip()[:255],
        written_at=dt.datetime.now(dt.UTC), text=text.strip(),
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def comments(session: Session, draft_id: int) -> list[DraftComment]:
    return list(
        session.scalars(
            select(DraftComment).where(DraftComment.draft_id == draft_id).order_by(DraftComment.id)
        )
    )


def is_open_for_comments(draft: RevisionDraft) -> bool:
    return draft.status == "draft" and (
        draft.comments_until is None or today_in_japan() <= draft.comments_until
    )


def compare(session: Session, draft: RevisionDraft) -> revisions.RevisionDiff:
    """The draft against the revision in force (the same comparison as between published revisions)."""
    return revisions.compare_with(session, old=None, new=revisions.checked_spec(draft.spec))


def publish(
    session: Session,
    *,
    principal: Principal,
    draft_id: int,
    expected_version: int,
    before_deadline: bool = False,
) -> RevisionDraft:
    """公表: the draft becomes the roadmap's newest revision, decided today. While the comment period runs,
    only when the secretariat says it means to publish before the deadline (``before_deadline``)."""
    draft, spec = _editable(session, principal, draft_id, expected_version)
    if draft.comments_until is not None and today_in_japan() <= draft.comments_until and not before_deadline:
        raise InvalidInput(
            f"意見の締切（{draft.comments_until:%Y年%m月%d日}）前です。締切前に公表するときは、確認の欄にチェックを入れてください。",
            f"Comments are open until {draft.comments_until}. To publish before then, tick the confirmation.",
        )
    current = roadmap.get_revision(session).slug
    if draft.base_slug != current:
        raise Conflict(
            f"この改定案は版「{draft.base_slug}」から作られましたが、現行は「{current}」です。新しい改定案を作ってください。",
            f"The draft was made from {draft.base_slug}, but {current} is now in force; start a new draft.",
        )
    spec["decided_on"] = today_in_japan().isoformat()
    revisions.publish(session, principal=principal, spec=revisions.checked_spec(spec))
    draft.spec, draft.status, draft.published_at = spec, "published", dt.datetime.now(dt.UTC)
    session.flush()
    return draft


def withdraw(
    session: Session, *, principal: Principal, draft_id: int, expected_version: int
) -> RevisionDraft:
    """取り下げ: a draft that will not be published (made from an older revision, or abandoned) is closed;
    it stays listed, as a record."""
    draft, _ = _editable(session, principal, draft_id, expected_version)
    draft.status = "withdrawn"
    session.flush()
    return draft


def is_stale(session: Session, draft: RevisionDraft) -> bool:
    """Made from a revision that is no longer the one in force: its comparison shows the newer revision's
    changes undone, and it cannot be published."""
    return draft.status == "draft" and draft.base_slug != roadmap.get_revision(session).slug


def check_reasons(session: Session, reasons: Reasons) -> Reasons:
    """The proposals must be opinions triaged as revision proposals; the countermeasures must exist."""
    proposals = {o.id for o in opinions.proposals(session)}
    unknown = [p for p in reasons.proposals if p not in proposals]
    if unknown:
        raise InvalidInput(
            f"改定の提案ではない意見が選ばれています：{unknown}", f"Not revision proposals: {unknown}"
        )
    for cm in reasons.countermeasures:
        countermeasures.get(session, cm)
    return reasons


def _editable(
    session: Session, principal: Principal, draft_id: int, expected_version: int
) -> tuple[RevisionDraft, dict]:
    authorize(principal, "roadmap.revise")
    draft = get(session, draft_id)
    if draft.status != "draft":
        raise Conflict(
            "公表済み・取り下げの改定案は変更できません。", "A published or withdrawn draft cannot change."
        )
    if draft.version != expected_version:
        raise countermeasures.stale("この改定案", "this draft")
    return draft, _copy(draft.spec)


def _save(
    session: Session, draft: RevisionDraft, spec: dict, reasons: Reasons, what_ja: str, what_en: str
) -> RevisionDraft:
    """Keep the changed draft if it is still a valid revision (the roadmap's own checks), with the change
    and its reasons in the log."""
    revisions.checked_spec(spec)
    check_reasons(session, reasons)
    draft.spec = spec
    draft.changes = [
        *draft.changes,
        {
            "what_ja": what_ja, "what_en": what_en, "at": dt.datetime.now(dt.UTC).isoformat(),
            "proposals": list(reasons.proposals), "countermeasures": list(reasons.countermeasures),
        },
    ]  # fmt: skip
    session.flush()
    return draft


def _copy(spec: dict) -> dict:
    """A deep copy: the JSON column is only saved when a new value is assigned to it."""
    return copy.deepcopy(spec)
