"""データ活用スキルの研修 (データアカデミー): courses, their sessions, and participants by body and role.

Where a course counts towards a roadmap KPI (the KPI takes a national figure and counts people, such as
演習受講者数), the secretariat records the year's participants as that KPI's figure through
``progress.service`` — the one door for national figures — with the training records named as its source."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption import service as adoption
from chiiki_iot.core.errors import InvalidInput, NotFound
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support.models import TrainingAttendance, TrainingCourse, TrainingSession

MAX_COUNT = 10_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def add_course(
    session: Session, *, principal: Principal, title: str, description: str = "", kpi_slug: str = ""
) -> TrainingCourse:
    authorize(principal, "support.training")
    if not title.strip():
        raise InvalidInput("コースの名称を入力してください。", "Give the course's title.")
    if kpi_slug and kpi_slug not in {k.slug for k in countable_kpis(session)}:
        raise InvalidInput(
            f"KPI「{kpi_slug}」は受講者数を数えるKPIではありません。",
            f"'{kpi_slug}' is not a KPI that counts people.",
        )
    course = TrainingCourse(
        title=title.strip()[:255], description=description.strip()[:5000], kpi_slug=kpi_slug,
        created_by=principal.actor, created_at=_now(),
    )  # fmt: skip
    session.add(course)
    session.flush()
    return course


def countable_kpis(session: Session) -> list:
    """Roadmap KPIs a course may count towards: entered as national figures, counting people."""
    return [
        k
        for k in roadmap.list_kpis(session)
        if (k.measure or {}).get("method", "national-figure") == "national-figure"
        and k.counts in ("trainees", "people")
    ]


def get_course(session: Session, course_id: int) -> TrainingCourse:
    course = session.get(TrainingCourse, course_id)
    if course is None:
        raise NotFound(f"研修コース {course_id} はありません。", f"There is no course {course_id}.")
    return course


def list_courses(session: Session) -> list[TrainingCourse]:
    return list(session.scalars(select(TrainingCourse).order_by(TrainingCourse.id)))


def add_session(
    session: Session,
    *,
    principal: Principal,
    course_id: int,
    held_on: dt.date,
    place: str = "",
    online: bool = False,
) -> TrainingSession:
    authorize(principal, "support.training")
    course = get_course(session, course_id)
    held = TrainingSession(course_id=course.id, held_on=held_on, place=place.strip()[:255], online=online)
    session.add(held)
    session.flush()
    return held


def sessions_of(session: Session, course_id: int) -> list[TrainingSession]:
    return list(
        session.scalars(
            select(TrainingSession)
            .where(TrainingSession.course_id == course_id)
            .order_by(TrainingSession.held_on)
        )
    )


def record_attendance(
    session: Session, *, principal: Principal, session_id: int, body_code: str, role: str, count: int
) -> TrainingAttendance:
    """受講者数: people of one body and one role at one session (a second entry for the same replaces it)."""
    authorize(principal, "support.training")
    held = session.get(TrainingSession, session_id)
    if held is None:
        raise NotFound(f"研修の開催 {session_id} はありません。", f"There is no session {session_id}.")
    body = registry.get_body(session, body_code)
    adoption.check_counted(body)
    if not role.strip():
        raise InvalidInput("受講者の職種を入力してください。", "Give the participants' role.")
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"人数は1〜{MAX_COUNT:,}人にしてください。", f"The count must be 1–{MAX_COUNT:,}.")
    row = session.scalar(
        select(TrainingAttendance).where(
            TrainingAttendance.session_id == held.id,
            TrainingAttendance.body_code == body.code,
            TrainingAttendance.role == role.strip(),
        )
    )
    if row is None:
        row = TrainingAttendance(session_id=held.id, body_code=body.code, role=role.strip()[:64], count=count)
        session.add(row)
    row.count = count
    session.flush()
    return row


def attendance_of(session: Session, session_id: int) -> list[TrainingAttendance]:
    return list(
        session.scalars(
            select(TrainingAttendance)
            .where(TrainingAttendance.session_id == session_id)
            .order_by(TrainingAttendance.id)
        )
    )


@dataclass(frozen=True)
class Totals:
    """A course's participants in one fiscal year: people, bodies they came from, sessions held."""

    course: TrainingCourse
    fiscal_year: int
    people: int
    bodies: int
    sessions: int


def totals(session: Session) -> list[Totals]:
    """Per course and fiscal year (April–March), from the attendance records."""
    rows = session.execute(
        select(TrainingSession.course_id, TrainingSession.id, TrainingSession.held_on, TrainingAttendance.body_code,
               func.coalesce(TrainingAttendance.count, 0))
        .outerjoin(TrainingAttendance, TrainingAttendance.session_id == TrainingSession.id)
    )  # fmt: skip
    people: dict[tuple[int, int], int] = defaultdict(int)
    bodies: dict[tuple[int, int], set[str]] = defaultdict(set)
    held: dict[tuple[int, int], set[int]] = defaultdict(set)
    for course_id, session_id, day, body_code, count in rows:
        key = (course_id, FiscalYear.of(day).year)
        people[key] += count
        held[key].add(session_id)
        if body_code:
            bodies[key].add(body_code)
    courses = {c.id: c for c in list_courses(session)}
    return [
        Totals(courses[c], year, people[(c, year)], len(bodies[(c, year)]), len(held[(c, year)]))
        for c, year in sorted(held)
    ]


def feed_kpi(session: Session, *, principal: Principal, kpi_slug: str, fiscal_year: int) -> float:
    """Record the year's participants of every course counting towards ``kpi_slug`` as its national figure
    (``progress.service.record_national_figure`` checks who may and that the KPI takes one)."""
    counted = [t for t in totals(session) if t.course.kpi_slug == kpi_slug and t.fiscal_year == fiscal_year]
    if not counted:
        raise InvalidInput(
            f"{fiscal_year}年度にこのKPIに数える研修の記録がありません。",
            f"No training counted towards this KPI in fiscal {fiscal_year}.",
        )
    value = float(sum(t.people for t in counted))
    sessions = sum(t.sessions for t in counted)
    progress.record_national_figure(
        session,
        principal=principal,
        kpi_slug=kpi_slug,
        fiscal_year=fiscal_year,
        value=value,
        source=f"地域IoT実装総合支援パッケージの研修記録（{len(counted)}コース・{sessions}回）",
        observed_on=min(today_in_japan(), FiscalYear(fiscal_year).end),
    )
    return value
