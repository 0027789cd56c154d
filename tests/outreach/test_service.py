"""The seed's outreach reproduced from the event data: 85 sessions, 40 prefectures, 11 blocks; the threads'
tables as dated entries; editing by the responsible bureau only; the calendar validates."""

import datetime as dt

import pytest
from icalendar import Calendar
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Forbidden, Role
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.outreach import service
from chiiki_iot.outreach.service import EventInput
from tests.accounts.factories import create_user, principal

SEED_DAY = dt.date(2017, 7, 7)


class TestSeedFigures:
    def test_85_sessions_40_prefectures_11_blocks(self, session: Session) -> None:
        cov = service.coverage(session, as_of=SEED_DAY)
        assert cov.total_held == 85
        assert len(cov.prefectures_covered) == 40 and len(cov.blocks_reached) == 11
        assert sorted(p.name_ja for p in cov.prefectures_without) == sorted(
            ["青森県", "秋田県", "千葉県", "神奈川県", "新潟県", "京都府", "山口県"]
        )

    def test_counts_by_category_and_area(self, session: Session) -> None:
        cov = service.coverage(session, as_of=SEED_DAY)
        tokyo = next(p for p in cov.prefectures if p.name_ja == "東京都")
        assert tokyo.held == {"local": 2} and tokyo.last_held == dt.date(2017, 5, 19)  # 多摩 and 23区
        nagano = next(p for p in cov.prefectures if p.name_ja == "長野県")
        assert nagano.held == {"block": 1}  # the combined 信越 seminar; the fairs in Nagano are not for it
        hokuriku = next(b for b in cov.blocks if b.key == "hokuriku")
        assert hokuriku.held["block"] == 4

    def test_the_thread_tables_are_dated_entries(self, session: Session) -> None:
        horizontal = service.thread_log(session, thread="horizontal")
        assert len(horizontal) == 12 and horizontal[0].happened_on == dt.date(2017, 1, 25)
        diagonal = service.thread_log(session, thread="diagonal")
        assert {e.block_slug for e in diagonal} == {
            "hokkaido",
            "tohoku",
            "kanto",
            "shinetsu",
            "hokuriku",
            "tokai",
            "kinki",
            "chugoku",
            "shikoku",
            "kyushu",
            "okinawa",
        }
        tokai = service.thread_log(session, block="tokai")
        assert [(e.happened_on, e.status) for e in tokai] == [
            (dt.date(2017, 3, 29), "held"),
            (dt.date(2017, 7, 27), "planned"),
            (dt.date(2017, 9, 1), "planned"),
        ]
        okinawa = service.thread_log(session, block="okinawa")
        assert okinawa[0].precision == "month"
        members = service.thread_members(session)
        assert len([m for m, o in members["diagonal"] if o.kind == "regional-council"]) == 11
        assert {o.slug for _, o in members["horizontal"]} == {
            "zenkoku-chijikai",
            "zenkoku-shichokai",
            "zenkoku-chosonkai",
        }


class TestEditing:
    def test_a_bureau_plans_its_blocks_sessions_only(self, session: Session) -> None:
        tohoku = principal(create_user(session, Role.BUREAU, "tohoku"))
        covered_before = len(service.coverage(session).prefectures_covered)
        aomori = EventInput(
            held_on=dt.date.today() + dt.timedelta(days=30),
            title="青森県自治体向け説明会",
            category="local",
            status="planned",
            target_prefecture="02",
        )
        event = service.add_event(session, principal=tohoku, data=aomori)
        assert event.target_prefecture == "020001"
        cov = service.coverage(session)
        assert "020001" in cov.prefectures_planned and len(cov.prefectures_covered) == covered_before
        with pytest.raises(Forbidden):
            service.add_event(
                session,
                principal=tohoku,
                data=EventInput(
                    held_on=dt.date(2017, 8, 1),
                    title="千葉県自治体向け説明会",
                    category="local",
                    target_prefecture="12",
                ),
            )
        with pytest.raises(InvalidInput):
            service.add_event(
                session,
                principal=tohoku,
                data=EventInput(
                    held_on=dt.date.today() + dt.timedelta(days=3),
                    title="x",
                    category="local",
                    status="held",
                    target_prefecture="02",
                ),
            )
        done = service.update_event(
            session,
            principal=tohoku,
            event_id=event.id,
            expected_version=event.version,
            data=EventInput(
                held_on=dt.date(2017, 8, 1),
                title="青森県自治体向け説明会",
                category="local",
                target_prefecture="02",
                attendance=48,
            ),
        )
        assert (
            done.status == "held" and len(service.coverage(session).prefectures_covered) == covered_before + 1
        )


def test_the_calendar_is_valid_icalendar(session: Session) -> None:
    data = service.calendar_ics(
        session, block="hokuriku", base_url="http://127.0.0.1:8000", since=dt.date(2017, 1, 1)
    )
    parsed = Calendar.from_ical(data)
    events = [c for c in parsed.walk("VEVENT")]
    assert len(events) == 4 + 3  # four block sessions, and the briefings in 富山・石川・福井
    assert all(e.get("dtstart").dt.year == 2017 for e in events)
