"""Rules of outreach: briefing sessions (説明会等) and their coverage, the threads, the calendar.

Coverage is always counted from the events, never typed in: a prefecture is covered when a held event
served its local governments (a 自治体説明会 or a block seminar combined with one); a block is reached when
a held event of the 地域ブロック category served it. Pages, API and CLI read these functions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from icalendar import Calendar
from icalendar import Event as IcsEvent
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound, Problem
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.core.text import clean_url
from chiiki_iot.outreach.models import Event, Organisation, ThreadLogEntry, ThreadMembership
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry

CATEGORIES = {
    "block": N_("地域ブロック説明会等"),
    "six": N_("地方6団体説明会等"),
    "local": N_("自治体説明会等"),
    "other": N_("その他"),
    "design-girl": N_("IoTデザインガール"),  # the 官民ネット's community of women in IoT (issue 14)
}
STATUSES = {"planned": N_("予定"), "held": N_("開催済"), "cancelled": N_("中止")}
THREADS = {"vertical": N_("縦の糸"), "horizontal": N_("横の糸"), "diagonal": N_("斜めの糸")}
LONG_AGO_DAYS = 365  # "none for a long time": no session for a year
MAX_ATTENDANCE = 1_000_000
EARLIEST_EVENT = dt.date(2016, 1, 1)
PREFECTURE_LEVEL = ("local", "block")  # categories that make a session count for its prefecture


# ---- events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventInput:
    """What a form or the API sends for an event."""

    held_on: dt.date
    title: str
    category: str
    status: str = "held"
    target_block: str | None = None
    target_prefecture: str | None = None
    organiser: str | None = None
    place: str = ""
    attendance: int | None = None
    materials_url: str = ""


def list_events(
    session: Session,
    *,
    block: str | None = None,
    prefecture: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Event]:
    """Events by date; a block's list includes events for its prefectures."""
    query = select(Event).order_by(Event.held_on, Event.id)
    if since:
        query = query.where(Event.held_on >= since)
    if until:
        query = query.where(Event.held_on <= until)
    events = list(session.scalars(query))
    if prefecture:
        code = registry.get_prefecture(session, prefecture).code
        events = [e for e in events if e.target_prefecture == code]
    if block:
        slug = registry.get_block(session, block).slug
        blocks = _block_of_prefectures(session)
        events = [
            e for e in events if e.target_block == slug or blocks.get(e.target_prefecture or "") == slug
        ]
    return events


def get_event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id) if 0 < event_id < 2**31 else None
    if event is None:
        raise NotFound(f"説明会等 {event_id} はありません。", f"There is no event {event_id}.")
    return event


def _block_of_prefectures(session: Session) -> dict[str, str]:
    return {p.code: p.block_slug for p in registry.list_prefectures(session)}


def event_target(session: Session, block: str | None, prefecture: str | None) -> Target:
    """The policy target of an event: its block (a prefecture's block); national events have none."""
    if block:
        return Target(block_slug=block)
    if prefecture:
        return Target(block_slug=_block_of_prefectures(session).get(prefecture, ""))
    return Target()


def _checked(session: Session, data: EventInput) -> EventInput:
    problems = []
    if not data.title.strip():
        problems.append(("題名を入力してください。", "Give the event a title."))
    if data.category not in CATEGORIES:
        problems.append(
            (f"区分「{data.category}」は選択肢にありません。", f"Unknown category '{data.category}'.")
        )
    if data.status not in STATUSES:
        problems.append((f"状態「{data.status}」は選択肢にありません。", f"Unknown status '{data.status}'."))
    if data.status == "held" and data.held_on > today_in_japan():
        problems.append(
            ("未来の日付の説明会等は「予定」にしてください。", "An event in the future can only be planned.")
        )
    if data.attendance is not None and not 0 <= data.attendance <= MAX_ATTENDANCE:
        problems.append(
            (
                f"参加者数は0〜{MAX_ATTENDANCE:,}にしてください。",
                f"Attendance must be 0 to {MAX_ATTENDANCE:,}.",
            )
        )
    if not EARLIEST_EVENT <= data.held_on <= today_in_japan() + dt.timedelta(days=5 * 366):
        problems.append(
            (
                "開催日は2016年以降、5年先までにしてください。",
                "The date must be from 2016 to five years ahead.",
            )
        )
    if len(data.title) > 255 or len(data.place) > 255:
        problems.append(
            ("題名と場所は255字以内にしてください。", "Title and place are 255 characters at most.")
        )
    if data.category == "local" and not data.target_prefecture:
        problems.append(
            (
                "自治体説明会等には対象の都道府県を選んでください。",
                "A briefing for local governments needs its prefecture.",
            )
        )
    if problems:
        raise InvalidInput(
            problems[0][0] if len(problems) == 1 else "入力に誤りがあります。",
            problems[0][1] if len(problems) == 1 else "Some fields are not valid.",
            problems=[Problem(ja, en, "") for ja, en in problems],
        )
    block = registry.get_block(session, data.target_block).slug if data.target_block else None
    prefecture = (
        registry.get_prefecture(session, data.target_prefecture).code if data.target_prefecture else None
    )
    if block and prefecture and _block_of_prefectures(session).get(prefecture) != block:
        raise InvalidInput(
            "対象の都道府県が、対象の地域ブロックに含まれていません。",
            "The prefecture served is not in the block served.",
        )
    if data.organiser and session.get(Organisation, data.organiser) is None:
        raise NotFound(
            f"団体「{data.organiser}」はありません。", f"There is no organisation '{data.organiser}'."
        )
    clean_url(data.materials_url)
    return EventInput(
        data.held_on,
        data.title.strip(),
        data.category,
        data.status,
        block,
        prefecture,
        data.organiser or None,
        data.place.strip(),
        data.attendance,
        data.materials_url.strip(),
    )


def add_event(session: Session, *, principal: Principal, data: EventInput) -> Event:
    checked = _checked(session, data)
    authorize(
        principal,
        "outreach.edit_block",
        event_target(session, checked.target_block, checked.target_prefecture),
    )
    event = Event(source="manual")
    _apply(event, checked)
    session.add(event)
    session.flush()
    return event


def update_event(
    session: Session, *, principal: Principal, event_id: int, expected_version: int, data: EventInput
) -> Event:
    """Change an event; the bureau must be responsible both for where it was and where it goes."""
    event = get_event(session, event_id)
    authorize(
        principal, "outreach.edit_block", event_target(session, event.target_block, event.target_prefecture)
    )
    checked = _checked(session, data)
    authorize(
        principal,
        "outreach.edit_block",
        event_target(session, checked.target_block, checked.target_prefecture),
    )
    if event.version != expected_version:
        raise Conflict(
            "この説明会等は、開いた後に他の人が更新しました。",
            "Someone changed this event since you opened it.",
            extra={"current": {"version": event.version}},
        )
    _apply(event, checked)
    session.flush()
    return event


def _apply(event: Event, data: EventInput) -> None:
    event.held_on, event.title, event.category, event.status = (
        data.held_on,
        data.title,
        data.category,
        data.status,
    )
    event.target_block, event.target_prefecture = data.target_block, data.target_prefecture
    event.organiser_slug, event.place, event.attendance = data.organiser, data.place, data.attendance
    event.materials_url = data.materials_url or None


# ---- coverage ----------------------------------------------------------------------------------------


@dataclass
class AreaCoverage:
    """説明会等の実施状況 of a prefecture or block: sessions held and planned, by category."""

    key: str
    name_ja: str
    name_en: str
    held: dict[str, int] = field(default_factory=dict)
    planned: dict[str, int] = field(default_factory=dict)
    last_held: dt.date | None = None

    @property
    def held_total(self) -> int:
        return sum(self.held.values())


@dataclass
class Coverage:
    as_of: dt.date
    total_held: int
    prefectures: list[AreaCoverage]
    blocks: list[AreaCoverage]
    prefectures_covered: list[str]  # with a prefecture-level session held
    prefectures_planned: list[str]  # with one planned only
    blocks_reached: list[str]  # with a block-level session held

    @property
    def prefectures_without(self) -> list[AreaCoverage]:
        return [p for p in self.prefectures if p.key not in self.prefectures_covered]


def coverage(session: Session, *, as_of: dt.date | None = None) -> Coverage:
    """Coverage counted from the events up to a date (default: all recorded events)."""
    day = as_of or dt.date.max
    events = [e for e in list_events(session) if e.held_on <= day or e.status == "planned"]
    prefs = {
        p.code: AreaCoverage(p.code, p.name, p.name_en or p.name) for p in registry.list_prefectures(session)
    }
    blocks = {b.slug: AreaCoverage(b.slug, b.name_ja, b.name_en) for b in registry.list_blocks(session)}
    block_of = _block_of_prefectures(session)
    for e in events:
        if e.status == "cancelled":
            continue
        areas = [prefs[e.target_prefecture]] if e.target_prefecture in prefs else []
        block = e.target_block or block_of.get(e.target_prefecture or "")
        if block in blocks:
            areas.append(blocks[block])
        for area in areas:
            tally = area.held if e.status == "held" else area.planned
            tally[e.category] = tally.get(e.category, 0) + 1
            if e.status == "held" and (area.last_held is None or e.held_on > area.last_held):
                area.last_held = e.held_on
    held = [e for e in events if e.status == "held"]
    covered = sorted(
        {e.target_prefecture for e in held if e.target_prefecture and e.category in PREFECTURE_LEVEL}
    )
    planned = sorted(
        {
            e.target_prefecture
            for e in events
            if e.status == "planned" and e.target_prefecture and e.category in PREFECTURE_LEVEL
        }
        - set(covered)
    )
    reached = sorted({e.target_block for e in held if e.category == "block" and e.target_block})
    return Coverage(
        as_of or today_in_japan(),
        len(held),
        list(prefs.values()),
        list(blocks.values()),
        covered,
        planned,
        reached,
    )


@dataclass
class PlanningRow:
    """A prefecture to visit: no session yet, or none for a long time, with its least-advanced bodies."""

    area: AreaCoverage
    reason: str  # never | long-ago
    weakest: list[tuple[registry.Body, int]]  # bodies with the fewest models at 実証中 or beyond


def planning(session: Session, *, today: dt.date, weakest: int = 5) -> list[PlanningRow]:
    cov = coverage(session)
    score = progress.models_in_action(session, as_of=today)
    counted = registry.counted_body_records(session)
    rows = []
    for area in cov.prefectures:
        if (
            area.key in cov.prefectures_covered
            and area.last_held
            and (today - area.last_held).days < LONG_AGO_DAYS
        ):
            continue
        reason = "never" if area.key not in cov.prefectures_covered else "long-ago"
        inside = sorted(
            (b for b in counted if b.prefecture_code == area.key),
            key=lambda b: (score.get(b.code, 0), b.code),
        )[:weakest]
        rows.append(PlanningRow(area, reason, [(b, score.get(b.code, 0)) for b in inside]))
    return sorted(rows, key=lambda r: (r.reason != "never", r.area.last_held or dt.date.min, r.area.key))


# ---- calendar ----------------------------------------------------------------------------------------


def calendar_ics(session: Session, *, block: str | None, base_url: str, since: dt.date) -> bytes:
    """Upcoming events as iCalendar (RFC 5545): all-day entries, nationally or for one block."""
    cal = Calendar()
    cal.add("prodid", "-//chiiki-iot//outreach//JA")
    cal.add("version", "2.0")
    cal.add(
        "x-wr-calname",
        "地域IoT実装推進 説明会等" + (f"（{registry.get_block(session, block).name_ja}）" if block else ""),
    )
    for e in list_events(session, block=block, since=since):
        item = IcsEvent()
        item.add("uid", f"event-{e.id}@chiiki-iot")
        item.add("summary", e.title)
        item.add("dtstart", e.held_on)
        item.add("dtend", e.held_on + dt.timedelta(days=1))
        item.add("dtstamp", dt.datetime.now(dt.UTC))
        item.add("categories", [CATEGORIES[e.category]])
        item.add("status", {"planned": "TENTATIVE", "cancelled": "CANCELLED"}.get(e.status, "CONFIRMED"))
        if e.place:
            item.add("location", e.place)
        item.add("url", f"{base_url.rstrip('/')}/outreach/events/{e.id}")
        cal.add_component(item)
    return cal.to_ical()


# ---- threads -----------------------------------------------------------------------------------------


def thread_members(session: Session) -> dict[str, list[tuple[ThreadMembership, Organisation | None]]]:
    rows = session.execute(
        select(ThreadMembership, Organisation)
        .join(Organisation, Organisation.slug == ThreadMembership.organisation_slug, isouter=True)
        .order_by(ThreadMembership.thread, ThreadMembership.since, ThreadMembership.id)
    )
    out: dict[str, list[tuple[ThreadMembership, Organisation | None]]] = {t: [] for t in THREADS}
    for membership, org in rows:
        out.setdefault(membership.thread, []).append((membership, org))
    return out


def thread_log(
    session: Session, *, thread: str | None = None, block: str | None = None
) -> list[ThreadLogEntry]:
    query = select(ThreadLogEntry).order_by(ThreadLogEntry.happened_on, ThreadLogEntry.id)
    if thread:
        query = query.where(ThreadLogEntry.thread == thread)
    if block:
        query = query.where(ThreadLogEntry.block_slug == registry.get_block(session, block).slug)
    return list(session.scalars(query))


def add_log_entry(
    session: Session,
    *,
    principal: Principal,
    block: str,
    happened_on: dt.date,
    kind: str,
    text_ja: str,
    status: str = "held",
) -> ThreadLogEntry:
    """A block council's decision or meeting (斜めの糸), recorded by its bureau or the secretariat."""
    slug = registry.get_block(session, block).slug
    authorize(principal, "outreach.edit_block", Target(block_slug=slug))
    if (
        kind not in ("decision", "meeting")
        or status not in ("held", "planned")
        or not text_ja.strip()
        or not EARLIEST_EVENT <= happened_on <= today_in_japan() + dt.timedelta(days=5 * 366)
    ):
        raise InvalidInput(
            "種類（決定・会合）、状態（開催済・予定）、内容と、2016年以降5年先までの日付を入力してください。",
            "Give the kind (decision or meeting), the status (held or planned), the text and a date "
            "from 2016 to five years ahead.",
        )
    council = session.scalar(
        select(Organisation.slug).where(
            Organisation.block_slug == slug, Organisation.kind == "regional-council"
        )
    )
    entry = ThreadLogEntry(
        thread="diagonal",
        block_slug=slug,
        organisation_slug=council,
        happened_on=happened_on,
        kind=kind,
        status=status,
        text_ja=text_ja.strip(),
        recorded_by=principal.actor,
    )
    session.add(entry)
    session.flush()
    return entry


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.slug)))


def block_names(session: Session) -> dict[str, registry.Block]:
    return {b.slug: b for b in registry.list_blocks(session)}


ORGANISATION_KINDS = {
    "ministry": N_("府省"),
    "local-gov-association": N_("地方六団体"),
    "industry-association": N_("業界団体"),
    "regional-council": N_("情報通信懇談会・協議会"),
    "company": N_("企業"),
    "university": N_("大学"),
    "npo": N_("NPO"),
}


@dataclass(frozen=True)
class OrganisationInput:
    slug: str
    name_ja: str
    kind: str
    name_en: str = ""
    block: str | None = None
    prefecture: str | None = None
    members: tuple[str, ...] = ()


def organisation_values(org: Organisation) -> dict[str, object]:
    """An organisation as the API and a conflict answer show it (the version included)."""
    return {
        "slug": org.slug,
        "name_ja": org.name_ja,
        "name_en": org.name_en,
        "kind": org.kind,
        "block": org.block_slug,
        "prefecture": org.prefecture_code,
        "members": list(org.members or []),
        "version": org.version,
    }


def get_organisation(session: Session, slug: str) -> Organisation:
    org = session.get(Organisation, slug)
    if org is None:
        raise NotFound(f"団体「{slug}」はありません。", f"There is no organisation '{slug}'.")
    return org


def organisation_exists(session: Session, slug: str) -> bool:
    return session.get(Organisation, slug) is not None


def _check_organisation_version(org: Organisation, expected_version: int | None) -> None:
    """A change must say which version it was based on; a save from an older read (or from none: the slug
    typed into a blank form) is refused with the stored values, never written over them."""
    if expected_version == org.version:
        return
    if expected_version is None:
        raise Conflict(
            f"団体「{org.slug}」は既にあります。変更するときは一覧から開いてください（version が必要です）。",
            f"The organisation '{org.slug}' already exists; open it from the list to change it "
            "(send the version you read).",
            extra={"current": organisation_values(org)},
        )
    raise Conflict(
        "この団体は、開いた後に他の人が更新しました。最新の内容を確かめてから保存し直してください。",
        "Someone changed this organisation since you opened it; check the latest details and save again.",
        extra={"current": organisation_values(org)},
    )


def save_organisation(
    session: Session, *, principal: Principal, data: OrganisationInput, expected_version: int | None = None
) -> Organisation:
    """Add an organisation, or change one from the version the editor read (the secretariat; a bureau for
    a council of its own block). Two edits from one read: the first is saved, the second gets a 409."""

    block = registry.get_block(session, data.block).slug if data.block else None
    authorize(principal, "outreach.edit_block", Target(block_slug=block or ""))
    existing = session.get(Organisation, data.slug)
    if existing is not None:  # changing one: the bureau must hold where it is now as well as where it goes
        authorize(principal, "outreach.edit_block", Target(block_slug=existing.block_slug or ""))
        _check_organisation_version(existing, expected_version)
    elif expected_version is not None:
        raise NotFound(f"団体「{data.slug}」はありません。", f"There is no organisation '{data.slug}'.")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", data.slug):
        raise InvalidInput(
            "識別子は半角英小文字・数字・ハイフンで2〜63字にしてください。",
            "The slug must be 2–63 lower-case letters, digits or hyphens.",
        )
    if data.kind not in ORGANISATION_KINDS or not data.name_ja.strip():
        raise InvalidInput("名称と種類を入力してください。", "Give a name and a kind.")
    prefecture = registry.get_prefecture(session, data.prefecture).code if data.prefecture else None
    members = [m.strip() for m in data.members if m.strip()]
    unknown = [m for m in members if session.get(Organisation, m) is None and not m.isdigit()]
    if unknown:
        raise InvalidInput(
            f"構成員「{'、'.join(unknown)}」は登録された団体ではありません。",
            f"Unknown members: {', '.join(unknown)}.",
        )
    members = [registry.get_body(session, m).code if m.isdigit() else m for m in members]
    org = existing or Organisation(slug=data.slug)
    org.name_ja, org.name_en, org.kind = data.name_ja.strip(), data.name_en.strip(), data.kind
    org.block_slug, org.prefecture_code, org.members = block, prefecture, members
    session.add(org)
    session.flush()
    return org


def add_thread_member(
    session: Session, *, principal: Principal, thread: str, organisation: str, role: str, since: dt.date
) -> ThreadMembership:
    """Someone joins a thread; a block council joins the diagonal thread through its bureau."""
    if thread not in THREADS:
        raise InvalidInput(
            f"糸「{thread}」は vertical・horizontal・diagonal のいずれかです。",
            f"Thread '{thread}' must be vertical, horizontal or diagonal.",
        )
    org = session.get(Organisation, organisation)
    if org is None:
        raise NotFound(f"団体「{organisation}」はありません。", f"There is no organisation '{organisation}'.")
    authorize(
        principal,
        "outreach.edit_block",
        Target(block_slug=org.block_slug or "") if thread == "diagonal" else Target(),
    )
    member = ThreadMembership(thread=thread, organisation_slug=org.slug, role=role.strip(), since=since)
    session.add(member)
    session.flush()
    return member
