"""The KPI engine on hand-built histories: counts, sums, ratios, relative targets, scope breakdowns that
add up to the national figure, values at fiscal-year ends, and the forecast on a known curve."""

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Forbidden, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.progress import service
from chiiki_iot.progress.kpi import Rating
from tests.accounts.factories import create_user, principal

FY_END = {y: dt.date(y + 1, 3, 31) for y in range(2016, 2025)}


def implement(
    session: Session, admin, code: str, model: str, day: dt.date, stage: Stage = Stage.IMPLEMENTED
) -> None:  # type: ignore[no-untyped-def]
    adoption.record_status(
        session,
        principal=admin,
        body_code=code,
        model_slug=model,
        stage=stage,
        effective_on=day,
        source_kind="manual",
    )


@pytest.fixture
def admin(session: Session):  # type: ignore[no-untyped-def]
    return principal(create_user(session, Role.SECRETARIAT))


class TestCounts:
    def test_bodies_at_or_above_the_stage_at_each_fiscal_year_end(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        implement(session, admin, "011002", "open-data", dt.date(2017, 3, 31))  # on FY2016's 年度末 itself
        implement(session, admin, "131016", "open-data", dt.date(2017, 4, 1))  # the first day of FY2017
        implement(session, admin, "472018", "open-data", dt.date(2018, 6, 1), Stage.CONSIDERING)  # not yet
        implement(session, admin, "472018", "open-data", dt.date(2019, 1, 10))
        implement(session, admin, "131016", "open-data", dt.date(2019, 2, 1), Stage.STOPPED)  # stopped: out
        kpi = service.get_kpi(session, "open-data-bodies")
        progress = service.kpi_progress(session, kpi, service.NATION, as_of=FY_END[2019])
        assert [(p.fiscal_year, p.value) for p in progress.points] == [
            (2016, 1),
            (2017, 2),
            (2018, 2),
            (2019, 2),
        ]
        assert progress.value == 2 and progress.target == 1000 and progress.gap == 998
        assert progress.rating == Rating.DELAYED and progress.change_per_round == 0

    def test_a_prefecture_kpi_counts_prefectures_only(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        implement(session, admin, "010006", "l-alert", dt.date(2017, 3, 1))  # 北海道
        implement(session, admin, "011002", "l-alert", dt.date(2017, 3, 1))  # 札幌市: not a prefecture
        kpi = service.get_kpi(session, "l-alert-prefectures")
        assert service.kpi_progress(session, kpi, service.NATION, as_of=FY_END[2016]).value == 1

    def test_blocks_and_prefectures_add_up_to_the_nation(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        for code in ("011002", "012025", "131016", "271004", "472018"):
            implement(session, admin, code, "tourism-cloud", dt.date(2018, 5, 1))
        kpi = service.get_kpi(session, "tourism-cloud-bodies")
        nation = service.kpi_progress(session, kpi, service.NATION, as_of=FY_END[2018])
        blocks = service.breakdown(session, kpi, "block", as_of=FY_END[2018])
        prefs = service.breakdown(session, kpi, "prefecture", as_of=FY_END[2018])
        assert nation.value == 5 == sum(b.value or 0 for b in blocks) == sum(p.value or 0 for p in prefs)
        assert sum(b.target for b in blocks) == pytest.approx(nation.target)  # fair shares add up too
        hokkaido = next(p for p in prefs if p.scope.key == "010006")
        assert hokkaido.value == 2 and hokkaido.scope.label_ja == "北海道"
        group = service.scope_of(session, "group", "011002, 472018,131016")
        assert service.kpi_progress(session, kpi, group, as_of=FY_END[2018]).value == 3

    def test_as_of_a_date_between_fiscal_year_ends(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        implement(session, admin, "011002", "sharing-economy", dt.date(2020, 5, 1))
        kpi = service.get_kpi(session, "sharing-economy-bodies")
        sapporo = service.scope_of(session, "group", "011002")  # away from figures page tests commit
        mid = service.kpi_progress(session, kpi, sapporo, as_of=dt.date(2020, 6, 30))
        # no record at FY2019's end: no point (not a zero); the value on the date counts the new record
        assert mid.points == [] and mid.value == 1 and mid.coverage == service.Coverage(1, 1)


class TestReportedFigures:
    def test_sums_and_ratios_of_reported_figures(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        for code, total, ready in (("011002", 300, 150), ("472018", 100, 90)):
            adoption.record_input(
                session,
                principal=admin,
                body_code=code,
                input_slug="schools-total",
                fiscal_year=2018,
                value=total,
            )
            adoption.record_input(
                session,
                principal=admin,
                body_code=code,
                input_slug="schools-cloud-ready",
                fiscal_year=2018,
                value=ready,
            )
        adoption.record_input(
            session,
            principal=admin,
            body_code="472018",
            input_slug="telework-facilities",
            fiscal_year=2018,
            value=4,
        )
        adoption.record_input(
            session,
            principal=admin,
            body_code="011002",
            input_slug="telework-facilities",
            fiscal_year=2018,
            value=6,
        )
        ratio = service.kpi_progress(
            session,
            service.get_kpi(session, "schools-using-cloud-materials"),
            service.NATION,
            as_of=FY_END[2018],
        )
        assert ratio.value == pytest.approx(60.0) and ratio.target == 100  # (150 + 90) / (300 + 100)
        okinawa = service.scope_of(session, "prefecture", "47")
        assert service.kpi_progress(session, ratio.kpi, okinawa, as_of=FY_END[2018]).value == pytest.approx(
            90.0
        )
        sites = service.kpi_progress(
            session, service.get_kpi(session, "telework-sites"), service.NATION, as_of=FY_END[2018]
        )
        assert sites.value == 10 and sites.share_of_target == pytest.approx(0.1)


class TestNationalFigures:
    def test_a_multiple_of_the_baseline_year(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        kpi = service.get_kpi(session, "telework-companies")
        assert service.national_target(session, kpi) is None  # 3倍 of an unknown base
        for year, value in ((2012, 11.5), (2016, 13.3), (2018, 19.1)):
            service.record_national_figure(
                session,
                principal=admin,
                kpi_slug=kpi.slug,
                fiscal_year=year,
                value=value,
                source="通信利用動向調査",
                observed_on=dt.date(year + 1, 6, 1),
            )
        progress = service.kpi_progress(session, kpi, service.NATION, as_of=dt.date(2020, 1, 1))
        assert progress.target == pytest.approx(34.5) and progress.value == 19.1
        assert progress.rating in (Rating.WATCH, Rating.DELAYED, Rating.ON_TRACK)
        assert (
            service.kpi_progress(
                session, kpi, service.scope_of(session, "block", "kanto"), as_of=dt.date(2020, 1, 1)
            ).points
            == []
        )  # national only

    def test_only_the_secretariat_and_only_for_national_kpis(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        naha = principal(create_user(session, Role.MUNICIPALITY, "472018"))
        with pytest.raises(Forbidden):
            service.record_national_figure(
                session,
                principal=naha,
                kpi_slug="telework-companies",
                fiscal_year=2018,
                value=1,
                source="x",
                observed_on=dt.date(2019, 1, 1),
            )
        with pytest.raises(InvalidInput, match="計算する"):
            service.record_national_figure(
                session,
                principal=admin,
                kpi_slug="open-data-bodies",
                fiscal_year=2018,
                value=1,
                source="x",
                observed_on=dt.date(2019, 1, 1),
            )


class TestReviewFindings:
    def test_a_year_nobody_reported_is_no_point_and_wards_are_refused(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        adoption.record_input(
            session,
            principal=admin,
            body_code="011002",
            input_slug="telework-facilities",
            fiscal_year=2019,
            value=50,
        )
        adoption.record_input(
            session,
            principal=admin,
            body_code="011002",
            input_slug="schools-total",
            fiscal_year=2017,
            value=10,
        )  # another input in an earlier year
        sites = service.kpi_progress(
            session, service.get_kpi(session, "telework-sites"), service.NATION, as_of=FY_END[2019]
        )
        assert [(p.fiscal_year, p.value) for p in sites.points] == [(2019, 50)]
        with pytest.raises(InvalidInput, match="行政区"):
            adoption.record_input(
                session,
                principal=admin,
                body_code="011011",
                input_slug="telework-facilities",
                fiscal_year=2019,
                value=1000,
            )  # 札幌市中央区

    def test_a_ratio_counts_only_bodies_that_gave_both_figures(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        adoption.record_input(
            session,
            principal=admin,
            body_code="011002",
            input_slug="schools-cloud-ready",
            fiscal_year=2019,
            value=600,
        )  # no total given
        adoption.record_input(
            session,
            principal=admin,
            body_code="472018",
            input_slug="schools-total",
            fiscal_year=2019,
            value=100,
        )
        adoption.record_input(
            session,
            principal=admin,
            body_code="472018",
            input_slug="schools-cloud-ready",
            fiscal_year=2019,
            value=40,
        )
        both = service.scope_of(session, "group", "011002,472018")  # away from other tests' committed figures
        ratio = service.kpi_progress(
            session, service.get_kpi(session, "schools-using-cloud-materials"), both, as_of=FY_END[2019]
        )
        assert ratio.value == pytest.approx(40.0)

    def test_dates_outside_the_programme_are_refused(self, session: Session) -> None:
        kpi = service.get_kpi(session, "open-data-bodies")
        for day in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):
            with pytest.raises(InvalidInput, match="基準日"):
                service.kpi_progress(session, kpi, service.NATION, as_of=day)
