"""Dispatch of experts and IoTメンター公務員: suggestions from the status data, arranging, the report as
evidence on the body's status history, and the days a body may use in a year."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.support import dispatch, menus
from tests.accounts.factories import create_user, principal
from tests.support.factories import body_principal, requested

OTARU, SAPPORO, NAHA, HAKODATE = "012033", "011002", "472018", "012025"


@pytest.fixture
def secretariat(session: Session) -> Principal:
    return principal(create_user(session, Role.SECRETARIAT))


def _implemented(session: Session, secretariat: Principal, code: str) -> None:
    adoption.record_status(
        session, principal=secretariat, body_code=code, model_slug="open-data", stage=Stage.IMPLEMENTED,
        effective_on=dt.date(2019, 4, 1), source_kind="manual",
    )  # fmt: skip


def _mentor(session: Session, secretariat: Principal, code: str, email: str, **extra) -> dispatch.RosterEntry:  # type: ignore[no-untyped-def]
    return dispatch.add_to_roster(
        session, principal=secretariat,
        data=dispatch.RosterInput(kind="mentor", name=f"メンター{code}", email=email, body_code=code, **extra),
    )  # fmt: skip


class TestSuggestions:
    def test_mentors_from_bodies_that_implemented_the_model_nearby_come_first(
        self, session: Session, secretariat: Principal
    ) -> None:
        for code in (SAPPORO, NAHA):
            _implemented(session, secretariat, code)
        near = _mentor(session, secretariat, SAPPORO, "near@sapporo.example")
        far = _mentor(session, secretariat, NAHA, "far@naha.example")
        _mentor(session, secretariat, HAKODATE, "none@hakodate.example")  # has not done open data
        asked = requested(session, body=OTARU)
        suggested = dispatch.suggest(session, asked)
        assert [c.entry.id for c in suggested] == [near.id, far.id]
        assert ("所属団体がこのモデルを実装済", "their body has implemented this model") in suggested[
            0
        ].reasons
        assert ("同じ地域ブロック", "same block") in suggested[0].reasons

    def test_people_who_cannot_come_the_way_asked_are_left_out(
        self, session: Session, secretariat: Principal
    ) -> None:
        _implemented(session, secretariat, SAPPORO)
        _mentor(session, secretariat, SAPPORO, "onsite@sapporo.example", online=False)
        assert dispatch.suggest(session, requested(session, body=OTARU)) == []  # asked online


class TestReport:
    def test_the_report_goes_on_the_bodys_status_history(
        self, session: Session, secretariat: Principal
    ) -> None:
        _implemented(session, secretariat, SAPPORO)
        mentor = _mentor(session, secretariat, SAPPORO, "mentor@sapporo.example")
        asked = requested(session, body=OTARU)
        bureau = principal(create_user(session, Role.BUREAU, "hokkaido"))
        dispatch.arrange(
            session, principal=bureau, dispatch_id=asked.id, expected_version=asked.version,
            roster_id=mentor.id, visit_on=today_in_japan(),
        )  # fmt: skip
        stranger = body_principal(HAKODATE)
        with pytest.raises(NotFound):  # neither the person who went nor the bureau: not even seen
            dispatch.file_report(
                session, principal=stranger, dispatch_id=asked.id, expected_version=asked.version,
                advice="x", next_steps="y",
            )  # fmt: skip
        went = Principal("mentor@sapporo.example", (Grant(Role.MUNICIPALITY, SAPPORO),), user_id=777)
        dispatch.file_report(
            session, principal=went, dispatch_id=asked.id, expected_version=asked.version,
            advice="公開するデータの優先順位を決め、CSVで公開する手順を伝えた。", next_steps="3か月以内に5件公開する",
        )  # fmt: skip
        [change] = adoption.history(session, OTARU, model_slug="open-data")
        assert change.source_kind == "support" and change.stage == Stage.INTERESTED.value
        assert change.effective_on == today_in_japan()  # dated the day it is filed: no earlier day rewritten
        assert change.evidence["url"].endswith(f"/support/dispatches/{asked.id}")
        assert "公開するデータの優先順位" in change.evidence["project"]
        assert change.recorded_by == "mentor@sapporo.example"

    def test_the_report_never_lowers_the_bodys_stage(self, session: Session, secretariat: Principal) -> None:
        _implemented(session, secretariat, SAPPORO)
        adoption.record_status(
            session, principal=secretariat, body_code=OTARU, model_slug="open-data", stage=Stage.DEMONSTRATING,
            effective_on=dt.date(2020, 4, 1), source_kind="manual",
        )  # fmt: skip
        mentor = _mentor(session, secretariat, SAPPORO, "m2@sapporo.example")
        asked = requested(session, body=OTARU)
        dispatch.arrange(
            session, principal=secretariat, dispatch_id=asked.id, expected_version=asked.version,
            roster_id=mentor.id, visit_on=today_in_japan(),
        )  # fmt: skip
        dispatch.file_report(
            session, principal=secretariat, dispatch_id=asked.id, expected_version=asked.version,
            advice="実証の評価指標を助言", next_steps="評価を公表する",
        )  # fmt: skip
        assert adoption.stages_of_body(session, OTARU, as_of=today_in_japan())["open-data"] == "実証中"

    def test_only_an_arranged_dispatch_can_be_reported(
        self, session: Session, secretariat: Principal
    ) -> None:
        asked = requested(session, body=OTARU)
        with pytest.raises(Conflict):
            dispatch.file_report(
                session, principal=secretariat, dispatch_id=asked.id, expected_version=asked.version,
                advice="a", next_steps="b",
            )  # fmt: skip


class TestDays:
    def test_a_body_cannot_ask_for_more_days_than_the_measure_allows(
        self, session: Session, secretariat: Principal
    ) -> None:
        measure = menus.get_measure(session, "iot-mentor")
        menus.set_measure(
            session, principal=secretariat, slug="iot-mentor", expected_version=measure.version,
            data=menus.MeasureSettings(days_per_body_per_year=2),
        )  # fmt: skip
        data = dispatch.RequestInput(
            measure_slug="iot-mentor",
            body_code=OTARU,
            model_slug="open-data",
            problem="相談",
            mode="online",
            days=2,
        )
        first = dispatch.request(session, principal=body_principal(OTARU), data=data)
        with pytest.raises(Conflict) as refused:
            dispatch.request(session, principal=body_principal(OTARU), data=data)
        assert "2日" in refused.value.message_ja
        dispatch.cancel(
            session, principal=body_principal(OTARU), dispatch_id=first.id, expected_version=first.version
        )
        dispatch.request(session, principal=body_principal(OTARU), data=data)  # the cancelled days came back

    def test_another_body_cannot_ask_for_this_one(self, session: Session) -> None:
        with pytest.raises(Forbidden):
            dispatch.request(
                session, principal=body_principal(SAPPORO),
                data=dispatch.RequestInput(
                    measure_slug="iot-mentor", body_code=OTARU, model_slug="open-data", problem="x", mode="online"
                ),
            )  # fmt: skip


def test_bodies_that_implemented_the_model_but_are_not_on_the_roster_are_named_to_recruit(
    session: Session, secretariat: Principal
) -> None:
    for code in (SAPPORO, HAKODATE, NAHA, "022012"):  # 青森市: the neighbouring block (東北)
        _implemented(session, secretariat, code)
    _mentor(session, secretariat, HAKODATE, "already@hakodate.example")
    asked = requested(session, body=OTARU)
    named = [c.body.code for c in dispatch.bodies_to_recruit(session, asked)]
    assert named[:2] == [SAPPORO, "022012"] and HAKODATE not in named and NAHA in named


def test_a_visit_before_the_request_is_refused(session: Session, secretariat: Principal) -> None:
    mentor = _mentor(session, secretariat, SAPPORO, "early@sapporo.example")
    asked = requested(session, body=OTARU)
    with pytest.raises(InvalidInput) as refused:
        dispatch.arrange(
            session, principal=secretariat, dispatch_id=asked.id, expected_version=asked.version,
            roster_id=mentor.id, visit_on=dt.date(2020, 1, 1),
        )  # fmt: skip
    assert "依頼のあった日" in refused.value.message_ja and asked.status == "requested"
