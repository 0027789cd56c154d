"""対応策: the register of what will be done about a lagging KPI, by whom and by when (the Act of PDCA).

A countermeasure names the KPIs, models, barriers and blocks it answers, its owner (the secretariat, a
bureau, a block council, a prefecture) and where it was decided; it moves 未着手 → 実施中 → 完了 (or 中止)
through dated updates, each of which leaves a status and a progress %, and has milestones with due dates.
Nested countermeasures roll up: a parent's progress is the weighted mean of its children's (those 中止
left out), as in Decidim's accountability component, so a parent cannot claim more than its parts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize
from chiiki_iot.adoption.ladder import Barrier
from chiiki_iot.core import data_versions
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.improvement.models import Countermeasure, CountermeasureUpdate, Milestone
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

COUNTERMEASURES = "improvement.countermeasures"
data_versions.watch(
    COUNTERMEASURES,
    lambda record: isinstance(record, (Countermeasure, Milestone, CountermeasureUpdate)),
    tables=("countermeasures", "countermeasure_milestones", "countermeasure_updates"),
)
"""Raised by every change to the register: KPI pages kept in memory show it at once."""

OWNERS = {
    "secretariat": N_("事務局"),
    "bureau": N_("総合通信局"),
    "council": N_("地域ブロック協議会"),
    "prefecture": N_("都道府県"),
}
STATUSES = {"planned": N_("未着手"), "in-progress": N_("実施中"), "done": N_("完了"), "dropped": N_("中止")}
OPEN = frozenset({"planned", "in-progress"})


@dataclass(frozen=True)
class CountermeasureInput:
    title: str
    owner_kind: str
    owner_block: str = ""
    owner_prefecture: str = ""
    description: str = ""
    kpi_slugs: list[str] = field(default_factory=list)
    model_slugs: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    scope_blocks: list[str] = field(default_factory=list)
    decided_at: str = ""
    parent_id: int | None = None
    weight: int = 1
    opinion_id: int | None = None


def target_of(owner_block: str) -> Target:
    """A countermeasure is its owner's block's to edit (the secretariat edits all): one owned by the
    secretariat, or a prefecture's outside any block named, is the secretariat's alone."""
    return Target(block_slug=owner_block) if owner_block else Target()


def get(session: Session, countermeasure_id: int) -> Countermeasure:
    found = session.get(Countermeasure, countermeasure_id)
    if found is None:
        raise NotFound(
            f"対応策 {countermeasure_id} はありません。", f"No countermeasure {countermeasure_id}."
        )
    return found


def create(session: Session, *, principal: Principal, data: CountermeasureInput) -> Countermeasure:
    """対応策を立てる: recorded with the KPIs, models, barriers and blocks it answers."""
    checked = _checked(session, data)
    authorize(principal, "countermeasures.edit", target_of(checked.owner_block))
    row = Countermeasure(**_columns(checked), created_at=dt.datetime.now(dt.UTC), created_by=principal.actor)
    session.add(row)
    session.flush()
    return row


def update_details(
    session: Session, *, principal: Principal, countermeasure_id: int, expected_version: int,
    data: CountermeasureInput,
) -> Countermeasure:  # fmt: skip
    row = _editable(session, principal, countermeasure_id, expected_version)
    checked = _checked(session, data, editing=row.id)
    authorize(principal, "countermeasures.edit", target_of(checked.owner_block))
    for name, value in _columns(checked).items():
        setattr(row, name, value)
    session.flush()
    return row


def post_update(
    session: Session, *, principal: Principal, countermeasure_id: int, expected_version: int,
    text: str, status: str, progress: int | None,
) -> Countermeasure:  # fmt: skip
    """An entry on the timeline: what happened, with the status and progress it leaves. A parent's
    progress is its children's (rolled up), so only a countermeasure without children takes a figure."""
    row = _editable(session, principal, countermeasure_id, expected_version)
    if not text.strip():
        raise InvalidInput("経過を入力してください。", "Say what happened.")
    if status not in STATUSES:
        raise InvalidInput(f"状況「{status}」は選べません。", f"Unknown status '{status}'.")
    if progress is not None:
        if children(session, row.id):
            raise InvalidInput(
                "下位の対応策がある対応策の進捗は、下位の対応策から計算します。",
                "A countermeasure with sub-measures takes its progress from them.",
            )
        if not 0 <= progress <= 100:
            raise InvalidInput("進捗は0〜100（％）で入力してください。", "Progress is 0–100 (%).")
        row.progress = progress
    if status == "done" and not children(session, row.id):
        row.progress = 100
    row.status = status
    row.updates.append(
        CountermeasureUpdate(
            written_at=dt.datetime.now(dt.UTC),
            written_by=principal.actor,
            text=text.strip(),
            status=status,
            progress=row.progress,
        )
    )
    session.flush()
    return row


def add_milestone(
    session: Session, *, principal: Principal, countermeasure_id: int, title: str, due_on: dt.date
) -> Milestone:
    row = get(session, countermeasure_id)
    authorize(principal, "countermeasures.edit", target_of(row.owner_block))
    if not title.strip():
        raise InvalidInput("マイルストーンの内容を入力してください。", "Give the milestone a title.")
    milestone = Milestone(title=title.strip()[:255], due_on=due_on)
    row.milestones.append(milestone)
    session.flush()
    return milestone


def complete_milestone(
    session: Session, *, principal: Principal, milestone_id: int, done_on: dt.date
) -> Milestone:
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound("そのマイルストーンはありません。", "No such milestone.")
    authorize(
        principal, "countermeasures.edit", target_of(get(session, milestone.countermeasure_id).owner_block)
    )
    if done_on > today_in_japan():
        raise InvalidInput(
            "完了日に未来の日付は入力できません。", "The completion date cannot be in the future."
        )
    milestone.done_on = done_on
    session.flush()
    return milestone


def remove_milestone(session: Session, *, principal: Principal, milestone_id: int) -> int:
    """A milestone entered by mistake is taken off (one already done stays: it is part of the record).
    Returns its countermeasure's id."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound("そのマイルストーンはありません。", "No such milestone.")
    row = get(session, milestone.countermeasure_id)
    authorize(principal, "countermeasures.edit", target_of(row.owner_block))
    if milestone.done_on is not None:
        raise Conflict(
            "完了したマイルストーンは記録として残し、削除できません。",
            "A milestone already done stays on the record.",
        )
    row.milestones.remove(milestone)
    session.flush()
    return row.id


def children(session: Session, countermeasure_id: int) -> list[Countermeasure]:
    return list(
        session.scalars(
            select(Countermeasure)
            .where(Countermeasure.parent_id == countermeasure_id)
            .order_by(Countermeasure.id)
        )
    )


def list_all(session: Session) -> list[Countermeasure]:
    return list(session.scalars(select(Countermeasure).order_by(Countermeasure.id)))


def rolled_up(rows: list[Countermeasure]) -> dict[int, float]:
    """id → progress (%): a countermeasure's own, or the weighted mean of its children's (rolled up in
    turn), children 中止 left out; a parent whose children are all 中止 keeps its own figure."""
    by_parent: dict[int | None, list[Countermeasure]] = {}
    for row in rows:
        by_parent.setdefault(row.parent_id, []).append(row)
    out: dict[int, float] = {}

    def of(row: Countermeasure, seen: frozenset[int]) -> float:
        if row.id in out:
            return out[row.id]
        counted = [c for c in by_parent.get(row.id, []) if c.status != "dropped" and c.id not in seen]
        weight = sum(c.weight for c in counted)
        value = (
            sum(of(c, seen | {row.id}) * c.weight for c in counted) / weight
            if weight
            else float(row.progress)
        )
        out[row.id] = value
        return value

    for row in rows:
        of(row, frozenset())
    return out


@dataclass(frozen=True)
class KpiAnswer:
    """The open countermeasures answering one KPI, with their rolled-up progress."""

    kpi_slug: str
    countermeasures: list[tuple[Countermeasure, float]]


def open_for_kpis(session: Session) -> dict[str, list[tuple[Countermeasure, float]]]:
    """KPI slug → its open countermeasures (未着手・実施中) with their progress, newest first."""
    rows = list_all(session)
    progress = rolled_up(rows)
    out: dict[str, list[tuple[Countermeasure, float]]] = {}
    for row in reversed(rows):
        if row.status in OPEN:
            for slug in row.kpi_slugs:
                out.setdefault(slug, []).append((row, progress[row.id]))
    return out


def owner_label(session: Session, row: Countermeasure) -> str:
    """Who owns it, as a report names them: 総合通信局（北海道）, 事務局."""
    label = OWNERS[row.owner_kind]
    if row.owner_kind == "prefecture" and row.owner_prefecture:
        return registry.get_body(session, row.owner_prefecture).full_name
    if row.owner_block:
        return f"{label}（{registry.get_block(session, row.owner_block).name_ja}）"
    return label


def overdue(row: Countermeasure, today: dt.date) -> list[Milestone]:
    return [m for m in row.milestones if m.done_on is None and m.due_on < today]


def _editable(
    session: Session, principal: Principal, countermeasure_id: int, expected_version: int
) -> Countermeasure:
    row = get(session, countermeasure_id)
    authorize(principal, "countermeasures.edit", target_of(row.owner_block))
    if row.version != expected_version:
        raise stale("この対応策", "this countermeasure")
    return row


def stale(what_ja: str, what_en: str) -> Conflict:
    """The refusal of a form filled in before someone else's change (nothing is lost: the form comes back)."""
    return Conflict(
        f"{what_ja}はほかの人が更新しました。最新の内容を確認してから、もう一度入力してください。",
        f"Someone else has updated {what_en}; check the latest and enter it again.",
    )


def _checked(
    session: Session, data: CountermeasureInput, *, editing: int | None = None
) -> CountermeasureInput:
    if not data.title.strip():
        raise InvalidInput("対応策の名称を入力してください。", "Give the countermeasure a title.")
    if data.owner_kind not in OWNERS:
        raise InvalidInput("担当を選んでください。", "Choose who owns the countermeasure.")
    blocks = {b.slug for b in registry.list_blocks(session)}
    if data.owner_kind in ("bureau", "council") and data.owner_block not in blocks:
        raise InvalidInput(
            "総合通信局・協議会が担当する対応策には地域ブロックを選んでください。",
            "Choose the block of the bureau or council that owns it.",
        )
    prefecture = ""
    if data.owner_kind == "prefecture":
        if not data.owner_prefecture:
            raise InvalidInput("担当の都道府県を選んでください。", "Choose the prefecture that owns it.")
        prefecture = registry.get_prefecture(session, data.owner_prefecture).code
    kpis = {k.slug for k in roadmap.list_kpis(session)}
    models = {m.slug for m in roadmap.list_models(session)}
    unknown = [s for s in data.kpi_slugs if s not in kpis] + [s for s in data.model_slugs if s not in models]
    unknown += [b for b in data.barriers if b not in {x.value for x in Barrier}]
    unknown += [b for b in data.scope_blocks if b not in blocks]
    if unknown:
        raise InvalidInput(
            f"選べない項目があります：{'、'.join(unknown)}", f"Unknown choices: {', '.join(unknown)}"
        )
    if data.weight < 1:
        raise InvalidInput(
            "重みは1以上の整数にしてください。", "The weight must be a whole number of 1 or more."
        )
    if data.parent_id is not None:
        parent = get(session, data.parent_id)
        if editing is not None and _descends(session, parent, editing):
            raise InvalidInput(
                "対応策を自分の下位に置くことはできません。", "A countermeasure cannot sit under itself."
            )
    owner_block = data.owner_block if data.owner_kind in ("bureau", "council") else ""
    if data.owner_kind == "prefecture":
        owner_block = registry.get_body(session, prefecture).block_slug
    return CountermeasureInput(
        title=data.title.strip()[:255], owner_kind=data.owner_kind, owner_block=owner_block,
        owner_prefecture=prefecture, description=data.description.strip(),
        kpi_slugs=list(dict.fromkeys(data.kpi_slugs)), model_slugs=list(dict.fromkeys(data.model_slugs)),
        barriers=list(dict.fromkeys(data.barriers)), scope_blocks=list(dict.fromkeys(data.scope_blocks)),
        decided_at=data.decided_at.strip()[:255], parent_id=data.parent_id, weight=data.weight,
        opinion_id=data.opinion_id,
    )  # fmt: skip


def _descends(session: Session, row: Countermeasure, ancestor: int) -> bool:
    seen: set[int] = set()
    current: Countermeasure | None = row
    while current is not None and current.id not in seen:
        if current.id == ancestor:
            return True
        seen.add(current.id)
        current = session.get(Countermeasure, current.parent_id) if current.parent_id else None
    return False


def _columns(data: CountermeasureInput) -> dict[str, object]:
    return {
        "title": data.title, "description": data.description, "owner_kind": data.owner_kind,
        "owner_block": data.owner_block, "owner_prefecture": data.owner_prefecture,
        "kpi_slugs": data.kpi_slugs, "model_slugs": data.model_slugs, "barriers": data.barriers,
        "scope_blocks": data.scope_blocks, "decided_at": data.decided_at, "parent_id": data.parent_id,
        "weight": data.weight, "opinion_id": data.opinion_id,
    }  # fmt: skip
