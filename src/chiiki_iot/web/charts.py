"""Render Vega-Lite charts (built with Altair) to SVG on the server, with vl-convert.

Rendering on the server means pages need no JavaScript to show a chart and nothing is fetched at run
time; every chart also has its data as a table on the page. Renders are cached by the caller's key
because the inputs (registry, roadmap, imported shapes) change rarely.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any

import vl_convert as vlc
from fastapi import Request
from fastapi.responses import Response

from chiiki_iot.core import memory

FONT = "Noto Sans JP, Hiragino Sans, Yu Gothic, Meiryo, IPAexGothic, sans-serif"
_CACHE: OrderedDict[str, str] = OrderedDict()
_CACHE_SIZE = 64
_LOCK = Lock()
memory.report_cache("rendered charts and maps", lambda: len(_CACHE))


def chart_config() -> dict[str, Any]:
    return {"font": FONT, "view": {"stroke": None}, "background": "#ffffff"}


def render_svg(build_spec: Callable[[], dict[str, Any]], *, cache_key: str) -> str:
    """SVG for the Vega-Lite spec ``build_spec`` returns, cached under ``cache_key`` (include a data
    version in it). The spec is only built on a cache miss: building it is half the cost."""
    with _LOCK:
        if cache_key in _CACHE:
            _CACHE.move_to_end(cache_key)
            return _CACHE[cache_key]
    svg = vlc.vegalite_to_svg(json.dumps(build_spec()))
    with _LOCK:
        _CACHE[cache_key] = svg
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return svg


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def label_colour(fill: str) -> str:
    """Black or white, whichever contrasts more with ``fill`` (WCAG relative luminance)."""

    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(fill[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def svg_response(request: Request, svg: str, *, cache_control: str, vary: str = "") -> Response:
    """A rendered chart with an ETag from its content: a browser that already holds the same picture (the
    figures behind it did not change) is answered 304 with no body, whatever it was rendered from."""
    etag = 'W/"' + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:24] + '"'
    headers = {"ETag": etag, "Cache-Control": cache_control, **({"Vary": vary} if vary else {})}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)
