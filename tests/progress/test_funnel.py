"""The funnel, barriers to support, and next models for a body, on hand-built histories."""

import datetime as dt

from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Barrier, Stage
from chiiki_iot.progress import funnel, service
from tests.accounts.factories import create_user, principal


def test_conversions_and_barriers_by_stage(session: Session) -> None:
    admin = principal(create_user(session, Role.SECRETARIAT))
    okinawa = service.scope_of(session, "prefecture", "47")
    for code in ("472018", "472051", "472093"):
        adoption.record_status(
            session,
            principal=admin,
            body_code=code,
            model_slug="big-data",
            stage=Stage.INTERESTED,
            effective_on=dt.date(2017, 1, 1),
            source_kind="manual",
        )
    adoption.record_status(
        session,
        principal=admin,
        body_code="472018",
        model_slug="big-data",
        stage=Stage.DEMONSTRATING,
        effective_on=dt.date(2017, 9, 1),
        source_kind="manual",
    )
    adoption.report_barrier(
        session,
        principal=admin,
        body_code="472051",
        model_slug="big-data",
        barrier=Barrier.PEOPLE,
        reported_on=dt.date(2017, 9, 1),
    )
    steps = funnel.funnel(session, "big-data", okinawa, as_of=dt.date(2018, 3, 31))
    assert [s.fiscal_year for s in steps] == [2016, 2017]
    assert (
        steps[0].counts == {"関心あり": 3} and steps[0].not_reported == 42 - 3
    )  # 沖縄県 + 41 municipalities
    assert steps[1].moved_up["関心あり"] == (1, 3) and steps[1].counts["実証中"] == 1
    assert steps[1].barriers == {"関心あり": {"人材の不足": 1}}
    held = funnel.held_back(session, okinawa, as_of=dt.date(2018, 3, 31))
    assert [(n.body.code, n.models) for n in held["人材の不足"]] == [("472051", ["big-data"])]


def test_models_that_similar_bodies_have_and_this_one_has_not(session: Session) -> None:
    admin = principal(create_user(session, Role.SECRETARIAT))
    day = dt.date(2019, 6, 1)
    for code in ("472051", "472093", "472107"):  # three Okinawa cities with open data and tourism cloud
        for model in ("open-data", "tourism-cloud"):
            adoption.record_status(
                session,
                principal=admin,
                body_code=code,
                model_slug=model,
                stage=Stage.IMPLEMENTED,
                effective_on=day,
                source_kind="manual",
            )
    adoption.record_status(
        session,
        principal=admin,
        body_code="472018",
        model_slug="open-data",
        stage=Stage.IMPLEMENTED,
        effective_on=day,
        source_kind="manual",
    )
    peers, suggestions = funnel.next_models(session, "472018", as_of=dt.date(2020, 3, 31))
    assert [p.code for p in peers[:3]] == ["472051", "472093", "472107"]  # most alike first
    assert all(p.block_slug == "okinawa" and p.kind != "都道府県" for p in peers)
    tourism = next(s for s in suggestions if s.model_slug == "tourism-cloud")
    assert [p.code for p in tourism.peers] == ["472051", "472093", "472107"]
    assert all(s.model_slug != "open-data" for s in suggestions)  # it has that one already


def test_the_year_under_way_shows_its_barriers(session: Session) -> None:
    admin = principal(create_user(session, Role.SECRETARIAT))
    okinawa = service.scope_of(session, "prefecture", "47")
    adoption.record_status(
        session,
        principal=admin,
        body_code="472115",
        model_slug="testbed",
        stage=Stage.CONSIDERING,
        effective_on=dt.date(2018, 5, 1),
        source_kind="manual",
    )
    adoption.report_barrier(
        session,
        principal=admin,
        body_code="472115",
        model_slug="testbed",
        barrier=Barrier.BUDGET,
        reported_on=dt.date(2018, 6, 1),
    )
    steps = funnel.funnel(session, "testbed", okinawa, as_of=dt.date(2018, 9, 30))
    assert (steps[-1].fiscal_year, steps[-1].partial) == (2018, True)
    assert steps[-1].counts["検討中"] >= 1 and steps[-1].barriers["検討中"]["予算の制約"] == 1
