"""Geography without drawing: which bodies sit on remote islands, where each prefecture sits on the tile map.

Kept apart from ``maps`` (which draws with Altair, slow to import) so that the registry's service, and
everything that imports it — every CLI command — need not load a charting library.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

TILE_GRID_FILE = Path(__file__).resolve().parent.parent / "data" / "registry" / "tile_grid.yaml"


def prefecture_tiles() -> dict[str, tuple[int, int]]:
    """Where each prefecture sits on the tile map: (column, row) by its two-digit code."""
    grid = yaml.safe_load(TILE_GRID_FILE.read_text(encoding="utf-8"))
    return {code: (col, row) for code, (col, row) in grid.items()}


ISLAND_GAP_KM = 60  # points farther than this from every other point of a cluster start a new cluster
MAIN_SHARE = 0.5  # split only if the main cluster would fill less than half the drawing's extent


def split_remote(rows: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """(main, remote) body codes: clusters of points linked by gaps under ``ISLAND_GAP_KM``; the largest
    is the main area. Remote clusters are split off only when they stretch the extent so much that the
    main area would take less than ``MAIN_SHARE`` of it (東京都, 鹿児島県, 沖縄県; not 隠岐 or 対馬)."""
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(rows):
        for j in range(i + 1, len(rows)):
            if _km(a, rows[j]) <= ISLAND_GAP_KM:
                parent[root(i)] = root(j)
    clusters: dict[int, list[dict[str, Any]]] = {}
    for i, row in enumerate(rows):
        clusters.setdefault(root(i), []).append(row)
    main = max(clusters.values(), key=len, default=[])
    main_codes = {r["code"] for r in main}
    remote = {r["code"] for r in rows} - main_codes
    if not remote or _extent(main) >= MAIN_SHARE * _extent(rows):
        return {r["code"] for r in rows}, set()
    return main_codes, remote


def _km(a: dict[str, Any], b: dict[str, Any]) -> float:
    x = (a["lng"] - b["lng"]) * math.cos(math.radians((a["lat"] + b["lat"]) / 2)) * 111.3
    return math.hypot(x, (a["lat"] - b["lat"]) * 111.3)


def span_km(rows: list[dict[str, Any]], axis: str) -> float:
    values = [r[axis] for r in rows]
    scale = 111.3 * (math.cos(math.radians(sum(r["lat"] for r in rows) / len(rows))) if axis == "lng" else 1)
    return (max(values) - min(values)) * scale


def _extent(rows: list[dict[str, Any]]) -> float:
    """The area of the points' bounding box in square degrees (at least a small cell)."""
    lats, lngs = [r["lat"] for r in rows], [r["lng"] for r in rows]
    return max(max(lats) - min(lats), 0.05) * max(max(lngs) - min(lngs), 0.05)


# Which blocks neighbour which: neighbours share a land border or a short sea crossing. The matcher counts
# an organisation's track record here (「近隣ブロックで実装実績」), dispatch suggests mentors from here, and
# the case library looks here for cases from nearby bodies.
NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "hokkaido": ("tohoku",),
    "tohoku": ("hokkaido", "kanto", "shinetsu"),
    "kanto": ("tohoku", "shinetsu", "tokai"),
    "shinetsu": ("tohoku", "kanto", "hokuriku", "tokai"),
    "hokuriku": ("shinetsu", "tokai", "kinki"),
    "tokai": ("kanto", "shinetsu", "hokuriku", "kinki"),
    "kinki": ("hokuriku", "tokai", "chugoku", "shikoku"),
    "chugoku": ("kinki", "shikoku", "kyushu"),
    "shikoku": ("kinki", "chugoku", "kyushu"),
    "kyushu": ("chugoku", "shikoku", "okinawa"),
    "okinawa": ("kyushu",),
}


def neighbour_blocks(block_slug: str) -> tuple[str, ...]:
    return NEIGHBOURS.get(block_slug, ())
