"""Charts of progress (Altair → SVG): a KPI's trend with its target line and forecast band, and a map of
bodies by stage. Every chart stands beside a table of the same data on its page."""

from __future__ import annotations

from typing import Any

import altair as alt
from sqlalchemy.orm import Session

from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.fiscal import revision_label
from chiiki_iot.progress.facts import Facts
from chiiki_iot.progress.funnel import NOT_REPORTED
from chiiki_iot.progress.service import KpiProgress, Scope
from chiiki_iot.registry import service as registry
from chiiki_iot.web.charts import chart_config, render_svg

# Okabe–Ito, ordered along the ladder; stopped in grey; no record (未報告) in a pale grey of its own, so a
# body that has not answered is not drawn as one that answered 未着手.
STAGE_COLOURS = {
    NOT_REPORTED: "#E4E4E4",
    Stage.NOT_STARTED.value: "#BBBBBB",
    Stage.INTERESTED.value: "#56B4E9",
    Stage.CONSIDERING.value: "#E69F00",
    Stage.DEMONSTRATING.value: "#009E73",
    Stage.IMPLEMENTED.value: "#0072B2",
    Stage.STOPPED.value: "#7F7F7F",
}


def _finish(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec


def trend_svg(
    progress: KpiProgress, *, lang: str, version: str, earlier: list[tuple[str, float]] | None = None
) -> str:
    """Values by fiscal year, the target as a dashed rule, and the forecast with its band; targets of
    earlier roadmap revisions (``earlier``: revision, target) as grey rules, so a revised target is seen
    beside the one it replaced."""
    key = f"trend:{progress.kpi.slug}:{progress.scope.kind}:{progress.scope.key}:{lang}:{version}:{earlier}"
    return render_svg(lambda: _trend_spec(progress, lang, earlier or []), cache_key=key)


def _trend_spec(p: KpiProgress, lang: str, earlier: list[tuple[str, float]]) -> dict[str, Any]:
    ja = lang == "ja"
    actual = [{"year": x.fiscal_year, "value": x.value, "kind": "実績" if ja else "Actual"} for x in p.points]
    ahead = [
        {
            "year": x.fiscal_year,
            "value": x.value,
            "low": lo,
            "high": hi,
            "kind": "見通し" if ja else "Forecast",
        }
        for x, lo, hi in zip(p.outlook.points, p.outlook.low, p.outlook.high, strict=True)
    ]
    if actual and ahead:
        ahead.insert(
            0,
            {
                **actual[-1],
                "low": actual[-1]["value"],
                "high": actual[-1]["value"],
                "kind": "見通し" if ja else "Forecast",
            },
        )
    # A quantitative axis, not an ordinal one: years without a figure keep their width, so a gap in the
    # series (2020 … 2026) is seen as a gap instead of two neighbouring ticks.
    x = alt.X(
        "year:Q",
        title="年度" if ja else "Fiscal year",
        scale=alt.Scale(zero=False, nice=False),
        axis=alt.Axis(format="d", tickMinStep=1, labelAngle=0),
    )
    y_title = f"{p.kpi.name_ja}（{p.kpi.unit_ja}）" if ja else f"{p.kpi.name_en} ({p.kpi.unit_en})"
    layers: list[alt.Chart] = []
    if ahead:
        band = alt.Chart(alt.InlineData(values=ahead)).mark_area(opacity=0.2, color="#0072B2")
        layers.append(band.encode(x=x, y=alt.Y("low:Q", title=y_title), y2="high:Q"))
        layers.append(
            alt.Chart(alt.InlineData(values=ahead))
            .mark_line(strokeDash=[6, 4], color="#0072B2")
            .encode(x=x, y="value:Q")
        )
    if actual:
        layers.append(
            alt.Chart(alt.InlineData(values=actual))
            .mark_line(point=True, color="#0072B2")
            .encode(x=x, y=alt.Y("value:Q", title=y_title))
        )
    if (position := p.as_of_position) is not None:
        label = "基準日の値（年度途中・暫定を含む）" if ja else "Value on the as-of date (year under way)"
        here = [{"year": position, "value": p.value, "kind": label}]
        layers.append(
            alt.Chart(alt.InlineData(values=here))
            .mark_point(shape="diamond", size=90, filled=False, color="#0072B2", strokeWidth=2)
            .encode(x=x, y="value:Q", tooltip=["kind:N", "value:Q"])
        )
    if p.target is not None:
        rule = [{"target": p.target, "label": ("目標 " if ja else "Target ") + f"{p.target:,.0f}"}]
        layers.append(
            alt.Chart(alt.InlineData(values=rule))
            .mark_rule(color="#D55E00", strokeDash=[2, 2])
            .encode(y="target:Q")
        )
        layers.append(
            alt.Chart(alt.InlineData(values=rule))
            .mark_text(align="left", dx=4, dy=-6, color="#A33E00")
            .encode(y="target:Q", text="label:N")
        )
    if earlier and p.target is not None:
        old = [
            {
                "target": value,
                "label": f"{revision_label(slug, lang)}"
                + ("の目標 " if ja else " target ")
                + f"{value:,.0f}",
            }
            for slug, value in earlier
            if value != p.target
        ]
        layers.append(
            alt.Chart(alt.InlineData(values=old))
            .mark_rule(color="#7F7F7F", strokeDash=[1, 3])
            .encode(y="target:Q")
        )
        layers.append(
            alt.Chart(alt.InlineData(values=old))
            .mark_text(align="left", dx=4, dy=10, color="#555555")
            .encode(y="target:Q", text="label:N")
        )
    if not layers:
        layers.append(alt.Chart(alt.InlineData(values=[{"year": 0}])).mark_point(opacity=0).encode(x=x))
    return _finish(alt.layer(*layers).properties(width=560, height=260))


def stage_map_svg(session: Session, facts: Facts, model_slug: str, scope: Scope, *, lang: str) -> str:
    """Every body of the scope at its representative point, coloured by its stage on one model."""
    key = f"stages:{model_slug}:{scope.kind}:{scope.key}:{lang}:{facts.version}:{facts.as_of}"
    return render_svg(lambda: _stage_map_spec(session, facts, model_slug, scope, lang), cache_key=key)


def _stage_map_spec(
    session: Session, facts: Facts, model_slug: str, scope: Scope, lang: str
) -> dict[str, Any]:
    points = [
        {
            "code": b.code,
            "lng": b.lng,
            "lat": b.lat,
            "name": b.full_name,
            "stage": facts.current.get((b.code, model_slug), NOT_REPORTED),
        }
        for b in registry.all_points(session)
        if scope.holds(b.code) and b.lat is not None
    ]
    left_out = 0
    if scope.kind == "prefecture":  # remote islands would squeeze the main area into a corner
        remote = registry.remote_islands(
            [{"code": p["code"], "lat": p["lat"], "lng": p["lng"]} for p in points]
        )
        points, left_out = [p for p in points if p["code"] not in remote], len(remote)
    order = list(STAGE_COLOURS)
    chart = (
        alt.Chart(alt.InlineData(values=points))
        .mark_circle(size=22, opacity=0.85)
        .encode(
            longitude="lng:Q",
            latitude="lat:Q",
            color=alt.Color(
                "stage:N",
                title="段階" if lang == "ja" else "Stage",
                scale=alt.Scale(domain=order, range=[STAGE_COLOURS[s] for s in order]),
                legend=alt.Legend(orient="top-left"),
            ),
            order=alt.Order("stage:N"),
            tooltip=["name:N", "stage:N"],
        )
        .project(type="mercator")
        .properties(width=560, height=560)
    )
    if left_out:
        note = (
            f"島しょ部の {left_out} 団体は地図に含めていません（上の表の団体数には含まれます）"
            if lang == "ja"
            else f"{left_out} bodies on remote islands are not drawn (the table above counts them)"
        )
        chart = chart.properties(
            title=alt.TitleParams(note, orient="bottom", fontSize=12, fontWeight="normal")
        )
    return _finish(chart)
