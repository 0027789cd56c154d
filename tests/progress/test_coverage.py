"""Figures an official can trust: a sum carries each body's last figure forward, so an early answer moves a
KPI by that body's own contribution only; every figure says what it covers; a scope nobody has reported
for has no value, rating or ranking (no data is not zero); ratings and forecasts read complete years only;
figures from answers the prefecture has not confirmed are counted as provisional.

Each test works on a group of bodies of its own, away from figures other tests commit."""

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption import survey
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.progress import facts, funnel, service
from chiiki_iot.progress.kpi import Rating
from tests.accounts.factories import create_user, principal

SAPPORO, HAKODATE, NAHA = "011002", "012025", "472018"


@pytest.fixture
def admin(session: Session):  # type: ignore[no-untyped-def]
    return principal(create_user(session, Role.SECRETARIAT))


def report(session: Session, admin, code: str, slug: str, year: int, value: float, **source: str) -> None:  # type: ignore[no-untyped-def]
    adoption.record_input(
        session, principal=admin, body_code=code, input_slug=slug, fiscal_year=year, value=value, **source
    )


def sites(session: Session, scope: service.Scope, day: dt.date) -> service.KpiProgress:
    return service.kpi_progress(session, service.get_kpi(session, "telework-sites"), scope, as_of=day)


class TestCarriedForward:
    def test_an_early_answer_changes_the_sum_by_its_own_contribution_only(
        self, session: Session, admin
    ) -> None:  # type: ignore[no-untyped-def]
        group = service.scope_of(session, "group", f"{SAPPORO},{HAKODATE},{NAHA}")
        for code, value in ((SAPPORO, 6), (HAKODATE, 3), (NAHA, 4)):
            report(session, admin, code, "telework-facilities", 2019, value)
        before = sites(session, group, dt.date(2020, 11, 30))
        assert before.value == 13 and before.coverage == service.Coverage(3, 3, 2019, 2019)
        report(session, admin, SAPPORO, "telework-facilities", 2020, 10)  # one answer in the year under way
        after = sites(session, group, dt.date(2020, 11, 30))
        assert after.value == 13 - 6 + 10  # not 10: the others' figures are carried forward
        assert after.coverage == service.Coverage(3, 3, 2019, 2020)
        assert [(p.fiscal_year, p.value) for p in after.points] == [
            (2019, 13)
        ]  # the year under way is no point
        assert after.rating == before.rating and after.outlook == before.outlook  # complete years only

    def test_a_ratio_carries_numerator_and_denominator_forward(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        group = service.scope_of(session, "group", f"{SAPPORO},{NAHA}")
        for code, total, ready in ((SAPPORO, 300, 30), (NAHA, 100, 10)):
            report(session, admin, code, "schools-total", 2019, total)
            report(session, admin, code, "schools-cloud-ready", 2019, ready)
        report(session, admin, SAPPORO, "schools-total", 2020, 320)
        report(session, admin, SAPPORO, "schools-cloud-ready", 2020, 250)
        kpi = service.get_kpi(session, "schools-using-cloud-materials")
        now = service.kpi_progress(session, kpi, group, as_of=dt.date(2020, 11, 30))
        assert now.value == pytest.approx((250 + 10) / (320 + 100) * 100)  # not 250 / 320
        assert now.coverage == service.Coverage(2, 2, 2019, 2020)


class TestNoDataIsNotZero:
    def test_a_scope_nobody_reported_for_has_no_value_no_rating_and_says_so(self, session: Session) -> None:
        group = service.scope_of(session, "group", f"{HAKODATE},{NAHA}")
        for slug in ("telework-sites", "tourism-cloud-bodies"):
            p = service.kpi_progress(
                session, service.get_kpi(session, slug), group, as_of=dt.date(2020, 3, 31)
            )
            assert p.value is None and p.rating == Rating.NOT_RATED and p.points == []
            assert p.coverage is not None and p.coverage.empty and p.coverage.eligible == 2

    def test_the_funnel_counts_bodies_without_a_record_as_not_reported(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        adoption.record_status(
            session,
            principal=admin,
            body_code=SAPPORO,
            model_slug="tourism-cloud",
            stage=Stage.NOT_STARTED,
            effective_on=dt.date(2019, 5, 1),
            source_kind="manual",
        )
        group = service.scope_of(session, "group", f"{SAPPORO},{HAKODATE},{NAHA}")
        steps = funnel.funnel(session, "tourism-cloud", group, as_of=dt.date(2020, 3, 31))
        assert (steps[-1].fiscal_year, steps[-1].counts, steps[-1].not_reported) == (2019, {"未着手": 1}, 2)


class TestProvisional:
    def test_a_figure_counts_as_provisional_until_the_prefecture_confirms(
        self, session: Session, admin
    ) -> None:  # type: ignore[no-untyped-def]
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2020,
            deadline=dt.date(2021, 5, 31),
            force=True,
            model_slugs=["telework"],
        )
        survey.mark_answered(session, survey=fy, body_codes=[HAKODATE], actor=admin.actor)
        report(
            session, admin, HAKODATE, "telework-facilities", 2020, 5, source_kind="survey", source_ref=fy.slug
        )
        group = service.scope_of(session, "group", f"{HAKODATE},{NAHA}")
        assert sites(session, group, dt.date(2020, 11, 30)).coverage == service.Coverage(1, 2, 2020, 2020, 1)
        answer = next(
            r
            for b, r in survey.responses_to_review(session, principal=admin, slug=fy.slug)
            if b.code == HAKODATE
        )
        survey.review_response(
            session,
            principal=admin,
            slug=fy.slug,
            body_code=HAKODATE,
            decision="confirm",
            expected_version=answer.version,
        )
        assert sites(session, group, dt.date(2020, 11, 30)).coverage == service.Coverage(1, 2, 2020, 2020, 0)

    def test_a_stage_counts_as_provisional_until_the_prefecture_confirms(
        self, session: Session, admin
    ) -> None:  # type: ignore[no-untyped-def]
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2020,
            deadline=dt.date(2021, 5, 31),
            force=True,
            model_slugs=["tourism-cloud"],
        )
        survey.mark_answered(session, survey=fy, body_codes=[HAKODATE], actor=admin.actor)
        adoption.record_status(
            session,
            principal=admin,
            body_code=HAKODATE,
            model_slug="tourism-cloud",
            stage=Stage.IMPLEMENTED,
            effective_on=dt.date(2020, 10, 1),
            source_kind="survey",
            source_ref=fy.slug,
        )
        group = service.scope_of(session, "group", f"{HAKODATE},{NAHA}")
        kpi = service.get_kpi(session, "tourism-cloud-bodies")
        early = service.kpi_progress(session, kpi, group, as_of=dt.date(2020, 11, 30))
        assert early.value == 1 and early.coverage == service.Coverage(1, 2, provisional=1)
        answer = next(
            r
            for b, r in survey.responses_to_review(session, principal=admin, slug=fy.slug)
            if b.code == HAKODATE
        )
        survey.review_response(
            session,
            principal=admin,
            slug=fy.slug,
            body_code=HAKODATE,
            decision="confirm",
            expected_version=answer.version,
        )
        approved = service.kpi_progress(session, kpi, group, as_of=dt.date(2020, 11, 30))
        assert approved.value == 1 and approved.coverage == service.Coverage(1, 2, provisional=0)

    def test_saving_a_draft_keeps_the_cached_figures(self, session: Session, admin) -> None:  # type: ignore[no-untyped-def]
        fy = survey.open_round(
            session,
            principal=admin,
            fiscal_year=2020,
            deadline=dt.date(2021, 5, 31),
            force=True,
            model_slugs=["tourism-cloud"],
        )
        before = facts.facts(session, dt.date(2020, 11, 30))
        survey.save_draft(
            session,
            principal=admin,
            slug=fy.slug,
            body_code=HAKODATE,
            answers={"tourism-cloud": {"stage": "関心あり"}},
        )
        assert facts.facts(session, dt.date(2020, 11, 30)) is before  # a draft changes no figure


def test_a_dashboard_with_no_reports_ranks_and_rates_nobody(client) -> None:  # type: ignore[no-untyped-def]
    """As on a fresh install: the first day of the programme, before anyone has reported anything."""
    page = client.get("/dashboard", params={"as_of": "2016-04-01", "model": "tourism-cloud"})
    assert page.status_code == 200
    assert "まだどの団体も報告していないため、順位と評価は示しません。" in page.text
    assert "遅延" not in page.text.split('id="rating-method"')[0]  # no body is rated delayed for lack of data
    assert '"num">0 団体' not in page.text and "報告なし（対象 1,788 団体）" in page.text
    kpis = client.get("/api/v1/progress/kpis", params={"as_of": "2016-04-01"}).json()
    counted = next(k for k in kpis if k["kpi"] == "tourism-cloud-bodies")
    assert (
        counted["value"] is None and counted["coverage"]["reported"] == 0 and counted["rating"] == "評価なし"
    )
    rows = client.get(
        "/api/v1/progress/kpis/tourism-cloud-bodies/breakdown",
        params={"level": "block", "as_of": "2016-04-01", "format": "csv"},
    ).content.decode("utf-8-sig")
    table = list(csv.DictReader(io.StringIO(rows)))
    assert len(table) == 11 and {(r["value"], r["coverage_reported"], r["rating"]) for r in table} == {
        ("", "0", "評価なし")
    }


def test_a_kpi_page_marks_a_label_the_seed_does_not_print(client) -> None:  # type: ignore[no-untyped-def]
    """「防災拠点等のWi-Fi整備箇所数」 is our extension of the seed's shorter label: the page says so."""
    page = client.get("/dashboard/kpis/wi-fi-sites", params={"as_of": "2020-03-31"})
    assert page.status_code == 200 and 'class="note transcription-note"><summary>注' in page.text


def test_the_support_list_looks_back_from_the_as_of_date(client) -> None:  # type: ignore[no-untyped-def]
    """Bodies held back are those that reported a barrier in the two fiscal years up to the as-of date."""
    from tests.accounts.test_auth import make_user, token_for

    headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
    code = "452025"  # 都城市: no other test writes to it
    assert (
        client.post(
            f"/api/v1/bodies/{code}/status",
            headers=headers,
            json={"model": "big-data", "stage": "関心あり", "effective_on": "2017-06-01"},
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/api/v1/bodies/{code}/barriers",
            headers=headers,
            json={"model": "big-data", "barrier": "人材の不足", "reported_on": "2017-09-01"},
        ).status_code
        == 201
    )

    def listed(day: str) -> bool:
        rows = client.get(
            "/api/v1/progress/support", params={"scope": "group", "key": code, "as_of": day}
        ).json()
        return any(r["body_code"] == code and r["barrier"] == "人材の不足" for r in rows)

    assert listed("2018-03-31") and listed("2019-03-31") and not listed("2020-03-31")


def test_years_nobody_reported_for_are_no_points(session: Session, admin) -> None:  # type: ignore[no-untyped-def]
    """Carried figures fill one body's gap in a year others reported; a year with no report at all is not a
    flat point (it would pull the forecast), and the value on the date is marked apart on the axis."""
    group = service.scope_of(session, "group", f"{SAPPORO},{NAHA}")
    report(session, admin, SAPPORO, "telework-facilities", 2018, 5)
    report(session, admin, NAHA, "telework-facilities", 2018, 2)
    report(session, admin, NAHA, "telework-facilities", 2020, 4)
    p = sites(session, group, dt.date(2021, 11, 30))
    assert [(x.fiscal_year, x.value) for x in p.points] == [(2018, 7), (2020, 9)]  # no 2019 point
    assert p.value == 9 and p.as_of_position == pytest.approx(2020.67, abs=0.01)
    assert sites(session, group, dt.date(2021, 3, 31)).as_of_position is None  # a 年度末 already drawn


def test_a_prefecture_dashboard_shows_targets_as_people_count_them(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/dashboard/prefectures/13", params={"as_of": "2021-03-31"}).text
    assert (
        re.search(r"\d\.\d (団体|箇所|人|校)", page) is None
    )  # no 3.5 箇所 or 45.9 団体 as a share of a target
    assert "全国の目標のみ：" in page  # a national-only target is not passed off as 東京都's own


def test_a_bodys_page_says_which_year_its_figure_is_from(client) -> None:  # type: ignore[no-untyped-def]
    from tests.accounts.test_auth import make_user, token_for

    headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
    code = "452017"  # 宮崎市: no other test writes to it
    assert (
        client.post(
            f"/api/v1/bodies/{code}/inputs",
            headers=headers,
            json={"input": "telework-facilities", "fiscal_year": 2020, "value": 7},
        ).status_code
        == 201
    )
    page = client.get(f"/bodies/{code}/progress", params={"as_of": "2022-06-30"}).text
    assert re.search(r"7 箇所<span class=\"coverage\">2020年度（令和2年度）の報告</span>", page)


def test_tokyos_stage_map_leaves_the_islands_out_and_says_so(client) -> None:  # type: ignore[no-untyped-def]
    svg = client.get("/dashboard/stages/open-data.svg", params={"scope": "prefecture", "key": "13"}).text
    assert (
        "島しょ部の 9 団体は地図に含めていません" in svg
    )  # 大島町 … 小笠原村: the 23 wards are no longer a smudge
    nagano = client.get("/dashboard/stages/open-data.svg", params={"scope": "prefecture", "key": "20"}).text
    assert "島しょ部" not in nagano
