"""Ratings and forecasts on known curves."""

import math

import pytest

from chiiki_iot.progress.kpi import Point, Rating, forecast, pace_ratio, rate


def series(values: dict[int, float]) -> list[Point]:
    return [Point(y, v) for y, v in sorted(values.items())]


class TestRating:
    def test_the_pace_ratio_compares_achieved_with_needed_pace(self) -> None:
        # 0 → 400 in four years when 1,000 by 2020 needed 250 a year: ratio 100 / 250 = 0.4
        assert pace_ratio(Point(2016, 0), Point(2020, 400), 1000, 2020) == pytest.approx(0.4)

    @pytest.mark.parametrize(
        ("now", "expected"),
        [
            (1000, Rating.ACHIEVED),
            (1200, Rating.ACHIEVED),
            (480, Rating.ON_TRACK),  # needed 125/yr to 2024; 120 = 0.96
            (300, Rating.WATCH),
            (100, Rating.DELAYED),
            (0, Rating.DELAYED),
        ],
    )
    def test_levels_follow_the_published_thresholds(self, now: float, expected: Rating) -> None:
        assert rate(series({2016: 0, 2020: now}), 1000, 2024)[0] == expected

    def test_going_backwards_is_delayed_and_no_target_is_not_rated(self) -> None:
        assert rate(series({2016: 50, 2019: 20}), 100, 2020)[0] == Rating.DELAYED
        assert rate(series({2016: 50, 2019: 20}), None, 2020)[0] == Rating.NOT_RATED
        assert rate(series({2016: 50}), 100, 2020)[0] == Rating.NOT_RATED  # one point says nothing of pace


class TestForecast:
    def test_a_straight_line_is_projected_as_one(self) -> None:
        result = forecast(series({2016: 100, 2017: 150, 2018: 200, 2019: 250}), 2022)
        assert result.method == "linear" and result.at(2022) == pytest.approx(400)
        assert result.low[-1] <= 400 <= result.high[-1]

    def test_an_adoption_curve_is_recognised_and_saturates(self) -> None:
        truth = {y: 1741 / (1 + math.exp(-0.9 * (y - 2019))) for y in range(2014, 2021)}
        result = forecast(series(truth), 2026, ceiling=1741)
        assert result.method == "logistic"
        assert result.at(2026) == pytest.approx(1741 / (1 + math.exp(-0.9 * 7)), rel=0.02)
        assert result.at(2026) <= 1741  # a line would have overshot every body there is

    def test_too_short_a_history_has_no_forecast(self) -> None:
        assert forecast(series({2020: 5}), 2022).method == "none"
