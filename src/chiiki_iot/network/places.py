"""Which blocks neighbour which: the matcher counts an organisation's track record in the body's own block
and in these (「近隣ブロックで実装実績」). Neighbours share a land border or a short sea crossing."""

from __future__ import annotations

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
