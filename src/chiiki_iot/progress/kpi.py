"""Pure computation of KPI progress: ratings and forecasts, free of the database so they are easy to test.

Rating (評価). We follow the method Open SDG publishes, which is Statistics Canada's progress measure:
compare the pace achieved since the base year with the pace needed to reach the target in the target year,

    ratio = ((value_now - value_base) / (year_now - year_base)) / ((target - value_base) / (year_target - year_base))

Statistics Canada states the ratio on compound growth; we use the linear form because most of our series
(bodies that have implemented a model) start at zero, where compound growth is undefined. Levels, with
Open SDG's thresholds:

    達成 achieved    the value has reached the target
    順調 on track    ratio ≥ 0.95
    要注意 watch     0.5 ≤ ratio < 0.95
    遅延 delayed     ratio < 0.5 (including no progress or going backwards)

Forecast (見通し). Two curves are fitted to the fiscal-year-end values: a straight line (least squares) and a
saturating adoption curve (logistic, fitted with scipy; its ceiling is the number of bodies that could
adopt, when known). The one with the smaller root-mean-square error wins, provided the logistic fit
converged on at least four points. The band is ±1.96 × the residual error of the winning fit, widened by
√(1 + h/n) for a forecast h years beyond the last of n observations — a plain, stated approximation, not a
full prediction interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from chiiki_iot.core.terms import N_


class Rating(StrEnum):
    ACHIEVED = "達成"
    ON_TRACK = "順調"
    WATCH = "要注意"
    DELAYED = "遅延"
    NOT_RATED = "評価なし"


RATING_LABELS = {r: N_(r.value) for r in Rating}
ON_TRACK_RATIO = 0.95
WATCH_RATIO = 0.5


@dataclass(frozen=True)
class Point:
    fiscal_year: int  # a 年度末 point; a point between two (today) may carry a fraction
    value: float


def pace_ratio(base: Point, now: Point, target: float, target_year: int) -> float | None:
    """Achieved pace over needed pace (see the module docstring); None when it cannot be said."""
    if now.fiscal_year <= base.fiscal_year or target_year <= base.fiscal_year or target == base.value:
        return None
    achieved = (now.value - base.value) / (now.fiscal_year - base.fiscal_year)
    needed = (target - base.value) / (target_year - base.fiscal_year)
    ratio = achieved / needed
    return ratio if math.isfinite(ratio) else None


def rate(series: list[Point], target: float | None, target_year: int) -> tuple[Rating, float | None]:
    """The rating of a series (oldest first) against its target, and the pace ratio behind it. A missing or
    non-finite value or target is no data (評価なし), never 達成: infinity is not "reached the target"."""
    if target is None or not series or not math.isfinite(target):
        return Rating.NOT_RATED, None
    if not all(math.isfinite(p.value) for p in series):
        return Rating.NOT_RATED, None
    if series[-1].value >= target:
        return Rating.ACHIEVED, None
    ratio = pace_ratio(series[0], series[-1], target, target_year)
    if ratio is None:
        return Rating.NOT_RATED, None
    if ratio >= ON_TRACK_RATIO:
        return Rating.ON_TRACK, ratio
    return (Rating.WATCH if ratio >= WATCH_RATIO else Rating.DELAYED), ratio


@dataclass
class Forecast:
    """見通し: the fitted curve's values for future fiscal years, with a band."""

    method: str  # "linear" | "logistic" | "none"
    points: list[Point] = field(default_factory=list)
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    rmse: float | None = None

    def at(self, fiscal_year: int) -> float | None:
        return next((p.value for p in self.points if p.fiscal_year == fiscal_year), None)


FORECAST_LABELS = {
    "linear": N_("直線（最小二乗法）"),
    "logistic": N_("普及曲線（ロジスティック）"),
    "none": N_("見通しなし"),
}


def _logistic(t: np.ndarray, ceiling: float, rate_: float, midpoint: float) -> np.ndarray:
    return ceiling / (1 + np.exp(-rate_ * (t - midpoint)))


def forecast(series: list[Point], until: int, *, ceiling: float | None = None) -> Forecast:
    """Fit a line and a logistic curve to the series and project it to ``until`` (see module docstring)."""
    if len(series) < 2 or until <= series[-1].fiscal_year or not all(math.isfinite(p.value) for p in series):
        return Forecast("none")
    t = np.array([p.fiscal_year for p in series], dtype=float)
    y = np.array([p.value for p in series], dtype=float)
    slope, intercept = np.polyfit(t, y, 1)
    fits = {
        "linear": (lambda x: slope * x + intercept, float(np.sqrt(np.mean((slope * t + intercept - y) ** 2))))
    }
    logistic = _fit_logistic(t, y, ceiling)
    if logistic is not None:
        fits["logistic"] = logistic
    method = min(fits, key=lambda k: fits[k][1])
    curve, rmse = fits[method]
    years = list(range(series[-1].fiscal_year + 1, until + 1))
    values = [max(0.0, float(curve(np.array([year], dtype=float))[0])) for year in years]
    spread = [1.96 * rmse * math.sqrt(1 + (year - series[-1].fiscal_year) / len(series)) for year in years]
    return Forecast(
        method,
        [Point(yr, v) for yr, v in zip(years, values, strict=True)],
        [max(0.0, v - s) for v, s in zip(values, spread, strict=True)],
        [v + s for v, s in zip(values, spread, strict=True)],
        rmse,
    )


def _fit_logistic(t: np.ndarray, y: np.ndarray, ceiling: float | None):
    """(curve, rmse) of a logistic fit, or None when there are too few points or it does not converge."""
    if len(t) < 4 or float(np.max(y)) <= 0:
        return None
    top = ceiling if ceiling else float(np.max(y)) * 2
    start = (top, 1.0, float(t[-1]))
    bounds = (
        [float(np.max(y)), 1e-3, float(t[0]) - 30],
        [ceiling or float(np.max(y)) * 50, 10.0, float(t[-1]) + 30],
    )
    if ceiling:
        bounds = ([ceiling * 0.999, 1e-3, float(t[0]) - 30], [ceiling, 10.0, float(t[-1]) + 30])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from scipy.optimize import curve_fit  # ~0.3 s to import; only a logistic forecast needs it

            params, _ = curve_fit(_logistic, t, y, p0=start, bounds=bounds, maxfev=5000)
    except (RuntimeError, ValueError):
        return None
    fitted = _logistic(t, *params)
    return (lambda x: _logistic(x, *params)), float(np.sqrt(np.mean((fitted - y) ** 2)))
