"""Maps of the registry, drawn with Altair (Vega-Lite) and rendered to SVG by ``web.charts``.

Every municipality is drawn at its representative point. Prefecture shapes are added when an N03
prefecture layer has been imported; a prefecture's map draws its municipality shapes when that layer
has been imported. N03 features without a code (所属未定地) are filtered out: one is wound the wrong way
and would flood the map.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import altair as alt
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.registry.models import MUNICIPAL_KINDS, Block, Body, BodyKind, BoundaryLayer
from chiiki_iot.web.charts import chart_config, render_svg

# Colour-blind-safe categorical palette (Okabe–Ito, extended) for the 11 blocks.
BLOCK_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
                 "#F0E442", "#7F7F7F", "#8C564B", "#332288"]


def _layer(session: Session, level: str) -> BoundaryLayer | None:
    return session.get(BoundaryLayer, level)


def _shape_data(layer: BoundaryLayer) -> alt.InlineData:
    doc = json.loads(layer.geometry)
    if layer.format == "topojson":
        return alt.InlineData(values=doc, format=alt.DataFormat(type="topojson", feature=layer.object_name))
    return alt.InlineData(values=doc, format=alt.DataFormat(type="json", property="features"))


def _version(layer: BoundaryLayer | None) -> str:
    return layer.imported_at.isoformat() if layer else "none"


def map_svg(session: Session, *, prefecture: Body | None, lang: str) -> str:
    """The national map, or one prefecture's map, as SVG."""
    pref_layer, muni_layer = _layer(session, "prefecture"), _layer(session, "municipality")
    key = f"map:{prefecture.code if prefecture else 'jp'}:{lang}:{_version(pref_layer)}:{_version(muni_layer)}"
    return render_svg(lambda: _map_spec(session, prefecture, pref_layer, muni_layer, lang), cache_key=key)


def _map_spec(session: Session, prefecture: Body | None, pref_layer: BoundaryLayer | None,
              muni_layer: BoundaryLayer | None, lang: str) -> dict[str, Any]:
    width, height = (720, 720) if prefecture is None else (640, 560)
    layers: list[alt.Chart] = []
    if prefecture is not None and muni_layer is not None:
        layers.append(
            alt.Chart(_shape_data(muni_layer)).mark_geoshape(fill="#e8f1fe", stroke="#4979f5", strokeWidth=0.5)
            .transform_filter(f"datum.properties.N03_007 && slice(datum.properties.N03_007, 0, 2) == "
                              f"'{prefecture.code[:2]}'")
        )
    elif pref_layer is not None:
        shapes = alt.Chart(_shape_data(pref_layer)).mark_geoshape(fill="#f2f2f2", stroke="#999999",
                                                                  strokeWidth=0.5)
        if prefecture is not None:
            shapes = shapes.transform_filter(f"datum.properties.N03_001 == '{prefecture.name}'")
        layers.append(shapes)
    layers.append(_points_chart(session, prefecture, lang))
    chart = alt.layer(*layers).properties(width=width, height=height).project(type="mercator")
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec


def _points_chart(session: Session, prefecture: Body | None, lang: str) -> alt.Chart:
    query = select(Body.code, Body.name, Body.lat, Body.lng, Block.name_ja, Block.name_en, Block.sort_order).join(
        Block, Block.slug == Body.block_slug).where(Body.kind.in_(list(MUNICIPAL_KINDS)), Body.lat.is_not(None))
    if prefecture is not None:
        query = query.where(Body.prefecture_code == prefecture.code)
    rows = [
        {"code": c, "name": n, "lat": lat, "lng": lng, "block": bja if lang == "ja" else ben, "order": o}
        for c, n, lat, lng, bja, ben, o in session.execute(query)
    ]
    blocks = sorted({(r["order"], r["block"]) for r in rows})
    colour = alt.Color(
        "block:N",
        title="地域ブロック" if lang == "ja" else "Regional block",
        scale=alt.Scale(domain=[b for _, b in blocks], range=[BLOCK_COLOURS[o - 1] for o, _ in blocks]),
        legend=alt.Legend(orient="top-left", columns=1) if prefecture is None else None,
    )
    size = 12 if prefecture is None else 40
    return alt.Chart(alt.InlineData(values=rows)).mark_circle(size=size, opacity=0.85).encode(
        longitude="lng:Q", latitude="lat:Q", color=colour, tooltip=["name:N", "code:N"]
    )


TILE_GRID_FILE = Path(__file__).resolve().parent.parent / "data" / "registry" / "tile_grid.yaml"


def tile_map_svg(session: Session, *, lang: str) -> str:
    """The prefecture tile map (タイルマップ), coloured by regional block: prefecture shapes with no import."""
    return render_svg(lambda: _tile_spec(session, lang), cache_key=f"tiles:{lang}")


def _tile_spec(session: Session, lang: str) -> dict[str, Any]:
    grid = yaml.safe_load(TILE_GRID_FILE.read_text(encoding="utf-8"))
    query = select(Body.code, Body.name, Body.name_en, Block.name_ja, Block.name_en, Block.sort_order).join(
        Block, Block.slug == Body.block_slug).where(Body.kind == BodyKind.PREFECTURE)
    rows = [
        {"col": grid[c[:2]][0], "row": grid[c[:2]][1], "label": _short_name(n) if lang == "ja" else _short_en(en),
         "name": n if lang == "ja" else en, "block": bja if lang == "ja" else ben, "order": o,
         "ink": label_colour(BLOCK_COLOURS[o - 1])}
        for c, n, en, bja, ben, o in session.execute(query)
    ]
    blocks = sorted({(r["order"], r["block"]) for r in rows})
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None))
    tiles = base.mark_rect(stroke="#ffffff", strokeWidth=2).encode(
        color=alt.Color("block:N", title="地域ブロック" if lang == "ja" else "Regional block",
                        scale=alt.Scale(domain=[b for _, b in blocks],
                                        range=[BLOCK_COLOURS[o - 1] for o, _ in blocks]),
                        legend=alt.Legend(orient="top-left", columns=2)),
        tooltip=["name:N", "block:N"])
    labels = base.mark_text(fontSize=11 if lang == "ja" else 7, fontWeight="bold").encode(
        text="label:N", color=alt.Color("ink:N", scale=None))
    spec = alt.layer(tiles, labels).properties(width=13 * 46, height=11 * 46).to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec


def _short_name(name: str) -> str:
    """東京都 → 東京, 北海道 stays: the tile label Japanese readers expect."""
    return name if name == "北海道" else name[:-1]


def _short_en(name_en: str | None) -> str:
    return (name_en or "").replace(" Prefecture", "").replace(" Metropolis", "")


def label_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(fill[i:i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"
