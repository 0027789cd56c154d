"""The coverage map the seed draws (説明会等開催状況全国マップ), as a tile map: each prefecture coloured by
whether a prefecture-level session was held, is planned, or neither; a ring marks prefectures whose block
was reached by a block-level session."""

from __future__ import annotations

from typing import Any

import altair as alt

from chiiki_iot.outreach.service import Coverage
from chiiki_iot.registry import service as registry
from chiiki_iot.web.charts import chart_config, label_colour, render_svg

STATE_COLOURS = {"held": "#0072B2", "planned": "#56B4E9", "none": "#E0E0E0"}


def coverage_map_svg(cov: Coverage, prefectures: list[registry.Body], *, lang: str, version: str) -> str:
    return render_svg(lambda: _spec(cov, prefectures, lang), cache_key=f"coverage:{lang}:{version}")


def _spec(cov: Coverage, prefectures: list[registry.Body], lang: str) -> dict[str, Any]:
    ja = lang == "ja"
    labels = {
        "held": "都道府県単位の説明会等 実施" if ja else "Prefecture session held",
        "planned": "実施予定" if ja else "Planned",
        "none": "未実施" if ja else "None yet",
    }
    grid = registry.prefecture_tiles()
    rows = []
    for p in prefectures:
        state = (
            "held"
            if p.code in cov.prefectures_covered
            else "planned"
            if p.code in cov.prefectures_planned
            else "none"
        )
        rows.append(
            {
                "col": grid[p.code[:2]][0],
                "row": grid[p.code[:2]][1],
                "state": labels[state],
                "label": p.name if ja else (p.name_en or p.name),
                "ink": label_colour(STATE_COLOURS[state]),
                "reached": p.block_slug in cov.blocks_reached,
                "short": (p.name if p.name == "北海道" else p.name[:-1]) if ja else (p.name_en or p.name)[:3],
            }
        )
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None)
    )
    tiles = base.mark_rect(stroke="#ffffff", strokeWidth=2).encode(
        color=alt.Color(
            "state:N",
            title="説明会等" if ja else "Sessions",
            scale=alt.Scale(domain=[labels[k] for k in STATE_COLOURS], range=list(STATE_COLOURS.values())),
            legend=alt.Legend(orient="top-left"),
        ),
        tooltip=["label:N", "state:N"],
    )
    rings = base.transform_filter("datum.reached").mark_point(
        shape="circle", size=900, filled=False, color="#D55E00", strokeWidth=2
    )
    text = base.mark_text(fontSize=11 if ja else 8, fontWeight="bold").encode(
        text="short:N", color=alt.Color("ink:N", scale=None)
    )
    spec = alt.layer(tiles, rings, text).properties(width=13 * 46, height=11 * 46).to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec
