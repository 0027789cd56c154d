"""Outcomes per measure: the figures equal a computation written out here from the status history alone,
and below the minimum number of matched units the page says it is too few to say."""

from __future__ import annotations

import datetime as dt
import math
import statistics

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import LADDER, Stage
from chiiki_iot.registry import service as registry
from chiiki_iot.support import dispatch, outcomes
from tests.accounts.factories import create_user, principal
from tests.support.factories import requested

VISIT = dt.date(2025, 6, 1)
AS_OF = dt.date(2026, 3, 31)


@pytest.fixture
def secretariat(session: Session) -> Principal:
    return principal(create_user(session, Role.SECRETARIAT))


def _record(session: Session, who: Principal, code: str, stage: Stage, day: dt.date) -> None:
    adoption.record_status(
        session, principal=who, body_code=code, model_slug="open-data", stage=stage, effective_on=day,
        source_kind="manual",
    )  # fmt: skip


def _supported(session: Session, who: Principal, code: str, mentor_id: int) -> None:
    asked = requested(session, body=code)
    asked.requested_at = dt.datetime(2025, 5, 1, tzinfo=dt.UTC)  # history: asked in May 2025
    session.flush()
    dispatch.arrange(
        session,
        principal=who,
        dispatch_id=asked.id,
        expected_version=asked.version,
        roster_id=mentor_id,
        visit_on=VISIT,
    )
    dispatch.file_report(
        session,
        principal=who,
        dispatch_id=asked.id,
        expected_version=asked.version,
        advice="助言",
        next_steps="次",
    )


def _stage_on(session: Session, code: str, day: dt.date) -> int:
    """The rung a body stood on on a day, read from its history directly (no record: 未着手)."""
    rungs = [c for c in adoption.history(session, code, model_slug="open-data") if c.effective_on <= day]
    return LADDER.index(Stage(rungs[-1].stage)) if rungs else 0


def test_the_figures_equal_a_computation_from_the_history(session: Session, secretariat: Principal) -> None:
    cities = [
        b.code for b in registry.counted_bodies(session) if b.block_slug == "hokkaido" and b.kind == "市"
    ]
    mentor = dispatch.add_to_roster(
        session, principal=secretariat,
        data=dispatch.RosterInput(kind="mentor", name="メンター", email="m@naha.example", body_code="472018"),
    )  # fmt: skip
    supported, peers = cities[:6], cities[6:]
    for code in supported:
        _supported(session, secretariat, code, mentor.id)
    for code in supported[:4]:
        _record(session, secretariat, code, Stage.CONSIDERING, dt.date(2025, 9, 1))
    _record(session, secretariat, supported[4], Stage.CONSIDERING, dt.date(2025, 1, 1))  # before: no move
    for code in peers[:3]:
        _record(session, secretariat, code, Stage.CONSIDERING, dt.date(2025, 9, 1))
    _record(session, secretariat, peers[3], Stage.DEMONSTRATING, dt.date(2026, 6, 1))  # after the as-of date

    found = outcomes.outcome(session, "iot-mentor", as_of=AS_OF)

    interested = LADDER.index(Stage.INTERESTED)

    def moved(code: str) -> float:
        before, after = (
            _stage_on(session, code, VISIT - dt.timedelta(days=1)),
            _stage_on(session, code, AS_OF),
        )
        return float(after > max(before, interested))

    comparison = statistics.fmean(moved(p) for p in peers)  # every supported city has the same peers
    differences = [moved(c) - comparison for c in supported]
    half = 1.96 * statistics.stdev(differences) / math.sqrt(len(differences))
    assert found.units == found.matched == 6 and found.enough
    assert found.supported_share == pytest.approx(4 / 6)
    assert found.comparison_share == pytest.approx(comparison) and comparison == pytest.approx(3 / len(peers))
    assert found.difference == pytest.approx(statistics.fmean(differences))
    assert (found.ci_low, found.ci_high) == (
        pytest.approx(max(-1.0, found.difference - half)),
        pytest.approx(min(1.0, found.difference + half)),
    )


def test_below_the_minimum_it_is_too_few_to_say(session: Session, secretariat: Principal) -> None:
    mentor = dispatch.add_to_roster(
        session, principal=secretariat,
        data=dispatch.RosterInput(kind="mentor", name="メンター", email="m@naha.example", body_code="472018"),
    )  # fmt: skip
    _supported(session, secretariat, "012033", mentor.id)
    found = outcomes.outcome(session, "iot-mentor", as_of=AS_OF)
    assert found.matched == 1 and not found.enough
