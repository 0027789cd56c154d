"""A figure is never NaN or infinity, and a missing value is 評価なし, never 達成 (issue 12, finding 5): two
bodies' 1.7e308 summed to infinity, the KPI read ``value: null, rating: 達成`` and its trend chart was a 500.
Inputs are now bounded where they come in; should such rows exist anyway (written before the bound), the sum
is treated as no data."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.adoption.models import InputValue
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.progress.kpi import Point, Rating, forecast, pace_ratio, rate


class TestRatingOfNoData:
    def test_no_series_or_no_target_is_no_data(self) -> None:
        assert rate([], 100, 2020) == (Rating.NOT_RATED, None)
        assert rate([Point(2016, 0), Point(2019, 50)], None, 2020) == (Rating.NOT_RATED, None)

    @pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
    def test_a_non_finite_value_is_no_data_not_achieved(self, bad: float) -> None:
        assert rate([Point(2016, 0), Point(2019, bad)], 100, 2020) == (Rating.NOT_RATED, None)
        assert rate([Point(2016, bad), Point(2019, 50)], 100, 2020) == (Rating.NOT_RATED, None)
        assert rate([Point(2016, 0), Point(2019, 50)], bad, 2020) == (Rating.NOT_RATED, None)
        assert forecast([Point(2016, 0), Point(2017, 1), Point(2018, bad)], 2022).method == "none"

    def test_an_overflowing_pace_is_no_ratio(self) -> None:
        assert pace_ratio(Point(2016, -1.7e308), Point(2019, 1.7e308), 1e-300, 2020) is None


def _store_legacy_figures(codes: list[str], value: float) -> None:
    """Rows as an unbounded input wrote them before this fix (straight into the table: the API refuses them)."""
    with get_sessionmaker()() as session, session.begin():
        for code in codes:
            session.add(
                InputValue(
                    body_code=code,
                    input_slug="wifi-disaster-sites",
                    fiscal_year=2019,
                    value=value,
                    source_kind="manual",
                    source_ref="",
                    recorded_at=dt.datetime(2019, 6, 1, tzinfo=dt.UTC),
                    recorded_by="legacy",
                )
            )


def test_an_infinite_national_sum_is_no_data(client: TestClient) -> None:
    _store_legacy_figures(["011002", "012025"], 1.7e308)  # 札幌市, 函館市: 3.4e308 overflows
    kpi = client.get("/api/v1/progress/kpis/wi-fi-sites", params={"as_of": "2020-03-31"})
    assert kpi.status_code == 200, kpi.text
    assert kpi.json()["value"] is None and kpi.json()["rating"] == Rating.NOT_RATED.value
    chart = client.get("/dashboard/kpis/wi-fi-sites/trend.svg", params={"as_of": "2020-03-31"})
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg")
    page = client.get("/dashboard/kpis/wi-fi-sites", params={"as_of": "2020-03-31"})
    assert page.status_code == 200
