"""Maps of the registry, drawn with Altair (Vega-Lite) and rendered to SVG by ``web.charts``.

Every municipality is drawn at its representative point. Prefecture shapes are added when an N03
prefecture layer has been imported; a prefecture's map draws its municipality shapes when that layer
has been imported. N03 features without a code (所属未定地) are filtered out: one is wound the wrong way
and would flood the map.
"""

from __future__ import annotations

import json
from typing import Any

import altair as alt
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.registry.geography import TILE_GRID_FILE, span_km, split_remote
from chiiki_iot.registry.models import MUNICIPAL_KINDS, Block, Body, BodyKind, BoundaryLayer
from chiiki_iot.web.charts import chart_config, label_colour, render_svg

# Colour-blind-safe categorical palette (Okabe–Ito, extended) for the 11 blocks.
BLOCK_COLOURS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#000000",
    "#F0E442",
    "#7F7F7F",
    "#8C564B",
    "#332288",
]


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
    key = (
        f"map:{prefecture.code if prefecture else 'jp'}:{lang}:{_version(pref_layer)}:{_version(muni_layer)}"
    )
    return render_svg(lambda: _map_spec(session, prefecture, pref_layer, muni_layer, lang), cache_key=key)


def _map_spec(
    session: Session,
    prefecture: Body | None,
    pref_layer: BoundaryLayer | None,
    muni_layer: BoundaryLayer | None,
    lang: str,
) -> dict[str, Any]:
    rows = _point_rows(session, prefecture, lang)
    main, remote = split_remote(rows) if prefecture is not None else ({r["code"] for r in rows}, set())
    if prefecture is None or not remote:
        width, height = (720, 720) if prefecture is None else (640, 560)
        chart: alt.TopLevelMixin = _panel(
            rows, prefecture, pref_layer, muni_layer, lang, codes=None
        ).properties(width=width, height=height)
    else:
        # Remote islands (伊豆諸島・小笠原, 奄美, 先島) would shrink the main area to a corner: draw the main
        # cluster on its own and the islands in a narrow inset at their own scale.
        title = "島しょ部（縮尺は異なります）" if lang == "ja" else "Outlying islands (different scale)"
        islands = [r for r in rows if r["code"] in remote]
        wide = span_km(islands, "lng") > span_km(islands, "lat")  # 先島・大東: below; 伊豆・小笠原: beside
        main_size, inset_size = ((640, 400), (640, 140)) if wide else ((450, 560), (170, 560))
        main_panel = _panel(rows, prefecture, pref_layer, muni_layer, lang, codes=main)
        inset = _panel(
            rows, prefecture, pref_layer, muni_layer, lang, codes=remote, fit_points=True
        ).properties(
            width=inset_size[0],
            height=inset_size[1],
            title=alt.Title(title, fontSize=12, anchor="start"),
            view=alt.ViewBackground(stroke="#999999"),
        )
        main_panel = main_panel.properties(width=main_size[0], height=main_size[1])
        chart = (
            alt.vconcat(main_panel, inset, spacing=12) if wide else alt.hconcat(main_panel, inset, spacing=12)
        )
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec


def _panel(
    rows: list[dict[str, Any]],
    prefecture: Body | None,
    pref_layer: BoundaryLayer | None,
    muni_layer: BoundaryLayer | None,
    lang: str,
    *,
    codes: set[str] | None,
    fit_points: bool = False,
) -> alt.LayerChart:
    """One map panel: shapes and points, limited to ``codes`` when the prefecture is split. With
    ``fit_points`` the view fits the points and clips shapes (小笠原村's shape reaches 南鳥島)."""
    shown = rows if codes is None else [r for r in rows if r["code"] in codes]
    layers: list[alt.Chart] = []
    fit = fit_points or (codes is not None and muni_layer is None)  # one prefecture shape: fit the points
    projection = (
        alt.Projection(type="mercator", fit=_fit_points(shown)) if fit else alt.Projection(type="mercator")
    )
    if prefecture is not None and muni_layer is not None:
        shapes = (
            alt.Chart(_shape_data(muni_layer))
            .mark_geoshape(fill="#e8f1fe", stroke="#4979f5", strokeWidth=0.5, clip=fit)
            .transform_filter(
                f"datum.properties.N03_007 && slice(datum.properties.N03_007, 0, 2) == '{prefecture.code[:2]}'"
            )
        )
        if codes is not None:
            shapes = shapes.transform_filter(
                f"indexof({json.dumps(sorted(c[:5] for c in codes))}, slice(datum.properties.N03_007, 0, 5)) >= 0"
            )
        layers.append(shapes)
    elif pref_layer is not None:
        shapes = alt.Chart(_shape_data(pref_layer)).mark_geoshape(
            fill="#f2f2f2", stroke="#999999", strokeWidth=0.5, clip=fit
        )
        if prefecture is not None:
            shapes = shapes.transform_filter(f"datum.properties.N03_001 == '{prefecture.name}'")
        layers.append(shapes)
    layers.append(_points_chart(shown, prefecture, lang))
    return alt.layer(*layers).project(**projection.to_dict())  # type: ignore[return-value]  # a layer stays a layer


def _fit_points(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON feature around the points, with a margin, for the projection to fit."""
    lats, lngs = [r["lat"] for r in rows], [r["lng"] for r in rows]
    pad_lat = max((max(lats) - min(lats)) * 0.12, 0.05)
    pad_lng = max((max(lngs) - min(lngs)) * 0.12, 0.05)
    corners = [[min(lngs) - pad_lng, min(lats) - pad_lat], [max(lngs) + pad_lng, max(lats) + pad_lat]]
    return {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPoint", "coordinates": corners}}


def remote_bodies(session: Session, prefecture: Body) -> list[str]:
    """Names of the prefecture's municipalities drawn in the islands inset (empty if none)."""
    rows = _point_rows(session, prefecture, "ja")
    _, remote = split_remote(rows)
    return [r["name"] for r in rows if r["code"] in remote]


def _point_rows(session: Session, prefecture: Body | None, lang: str) -> list[dict[str, Any]]:
    query = (
        select(Body.code, Body.name, Body.lat, Body.lng, Block.name_ja, Block.name_en, Block.sort_order)
        .join(Block, Block.slug == Body.block_slug)
        .where(Body.kind.in_(list(MUNICIPAL_KINDS)), Body.lat.is_not(None))
    )
    if prefecture is not None:
        query = query.where(Body.prefecture_code == prefecture.code)
    return [
        {"code": c, "name": n, "lat": lat, "lng": lng, "block": bja if lang == "ja" else ben, "order": o}
        for c, n, lat, lng, bja, ben, o in session.execute(query.order_by(Body.code))
    ]


def _points_chart(rows: list[dict[str, Any]], prefecture: Body | None, lang: str) -> alt.Chart:
    blocks = sorted({(r["order"], r["block"]) for r in rows})
    colour = alt.Color(
        "block:N",
        title="地域ブロック" if lang == "ja" else "Regional block",
        scale=alt.Scale(domain=[b for _, b in blocks], range=[BLOCK_COLOURS[o - 1] for o, _ in blocks]),
        legend=alt.Legend(orient="top-left", columns=1) if prefecture is None else None,
    )
    size = 12 if prefecture is None else 40
    return (
        alt.Chart(alt.InlineData(values=rows))
        .mark_circle(size=size, opacity=0.85)
        .encode(longitude="lng:Q", latitude="lat:Q", color=colour, tooltip=["name:N", "code:N"])
    )


def tile_map_svg(session: Session, *, lang: str) -> str:
    """The prefecture tile map (タイルマップ), coloured by regional block: prefecture shapes with no import."""
    return render_svg(lambda: _tile_spec(session, lang), cache_key=f"tiles:{lang}")


def _tile_spec(session: Session, lang: str) -> dict[str, Any]:
    grid = yaml.safe_load(TILE_GRID_FILE.read_text(encoding="utf-8"))
    query = (
        select(Body.code, Body.name, Body.name_en, Block.name_ja, Block.name_en, Block.sort_order)
        .join(Block, Block.slug == Body.block_slug)
        .where(Body.kind == BodyKind.PREFECTURE)
    )
    rows = [
        {
            "col": grid[c[:2]][0],
            "row": grid[c[:2]][1],
            "label": _short_name(n) if lang == "ja" else _short_en(en),
            "name": n if lang == "ja" else en,
            "block": bja if lang == "ja" else ben,
            "order": o,
            "ink": label_colour(BLOCK_COLOURS[o - 1]),
        }
        for c, n, en, bja, ben, o in session.execute(query)
    ]
    blocks = sorted({(r["order"], r["block"]) for r in rows})
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        x=alt.X("col:O", axis=None), y=alt.Y("row:O", axis=None)
    )
    tiles = base.mark_rect(stroke="#ffffff", strokeWidth=2).encode(
        color=alt.Color(
            "block:N",
            title="地域ブロック" if lang == "ja" else "Regional block",
            scale=alt.Scale(domain=[b for _, b in blocks], range=[BLOCK_COLOURS[o - 1] for o, _ in blocks]),
            legend=alt.Legend(orient="top-left", columns=2),
        ),
        tooltip=["name:N", "block:N"],
    )
    labels = base.mark_text(fontSize=11 if lang == "ja" else 7, fontWeight="bold").encode(
        text="label:N", color=alt.Color("ink:N", scale=None)
    )
    spec = alt.layer(tiles, labels).properties(width=13 * 46, height=11 * 46).to_dict()
    spec["config"] = {**spec.get("config", {}), **chart_config()}
    return spec


def _short_name(name: str) -> str:
    """東京都 → 東京, 北海道 stays: the tile label Japanese readers expect."""
    return name if name == "北海道" else name[:-1]


def _short_en(name_en: str | None) -> str:
    return (name_en or "").replace(" Prefecture", "").replace(" Metropolis", "")
