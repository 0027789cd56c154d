"""The map of a case's spread (横展開): the original body and the bodies that copied it, by generation."""

from __future__ import annotations

from typing import Any

import altair as alt

from chiiki_iot.improvement.cases import Spread
from chiiki_iot.registry.service import Body
from chiiki_iot.web.charts import chart_config, render_svg


def spread_svg(spread: Spread, bodies: dict[str, Body], *, lang: str) -> str:
    key = f"spread:{spread.original.id}:{[c.id for _, c in spread.copies]}:{lang}"
    return render_svg(lambda: _spec(spread, bodies, lang), cache_key=key)


def _spec(spread: Spread, bodies: dict[str, Body], lang: str) -> dict[str, Any]:
    ja = lang == "ja"
    rows = [(0, spread.original), *spread.copies]
    points = [
        {
            "lng": bodies[c.body_code].lng,
            "lat": bodies[c.body_code].lat,
            "name": bodies[c.body_code].full_name,
            "generation": ("元の事例" if ja else "Original")
            if g == 0
            else (f"第{g}世代" if ja else f"Generation {g}"),
        }
        for g, c in rows
        if c.body_code in bodies and bodies[c.body_code].lat is not None
    ]
    chart = (
        alt.Chart(alt.InlineData(values=points))
        .mark_circle(size=120, opacity=0.9)
        .encode(
            longitude="lng:Q",
            latitude="lat:Q",
            color=alt.Color(
                "generation:N", title="横展開" if ja else "Spread", legend=alt.Legend(orient="top-left")
            ),
            tooltip=["name:N", "generation:N"],
        )
        .project(type="mercator")
        .properties(width=520, height=520)
    )
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec
