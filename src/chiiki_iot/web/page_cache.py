"""Pages (and JSON) that only change when the data does, served from memory to visitors not signed in.

The dashboard and the KPI pages are what ministers, bureaus and the public open, and what a survey
deadline's readers open all at once; for a visitor who is not signed in they depend only on the address,
the language and the data version (``core.data_versions``, raised by every change to the figures or the
roadmap). Such a page is rendered once per version and kept (``PAGES_KEPT`` pages, newest first); its ETag
is derived from the same key, so a browser that asks again with ``If-None-Match`` gets 304 and no body.

A signed-in visitor's pages carry their name and links of their role: they are always rendered (from the
figures at hand, which may be the previous ones for a few seconds after someone else's change), and still
get the ETag-free ``Cache-Control: no-cache`` of any page. Whoever has just changed something (and any API
token) is shown figures that include the change (``WROTE_COOKIE``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from chiiki_iot.core import data_versions, i18n, memory
from chiiki_iot.web.csrf import ensure_csrf_cookie

PAGES_KEPT = 256
"""About 50 KB each: 47 prefecture dashboards and 11 blocks in two languages, the KPI pages, the nation."""

_lock = threading.Lock()
_pages: OrderedDict[tuple[str, str, str, str], tuple[bytes, str]] = OrderedDict()
memory.report_cache("kept pages", lambda: len(_pages))


def cached_page(request: Request, *, version: Callable[[], str], render: Callable[[], Response]) -> Response:
    """``render()``'s page (HTML or JSON) for this address, language and data ``version()``: from memory
    (or as 304) for a visitor who is neither signed in nor using a token, who may also be shown the figures
    computed before the newest change while the next are computed (``core.data_versions.previous_allowed``);
    rendered afresh for anyone else or when it failed (only a 200 with a body is kept; a streamed download
    is passed through)."""
    if "authorization" in request.headers or WROTE_COOKIE in request.cookies:
        return render()  # a program, or someone who has just changed something: the newest figures
    allowed = data_versions.previous_allowed.set(True)
    try:
        if getattr(request.state, "user", None) is not None:
            return render()  # their name and role's links: rendered for them, from the figures at hand
        return _kept_or_rendered(request, version=version, render=render)
    finally:
        data_versions.previous_allowed.reset(allowed)


WROTE_COOKIE = "chiiki_wrote"
"""Set (``WROTE_SECONDS``) on the browser of someone whose request changed data: their next pages wait for
figures that include the change, where anyone else is shown the kept figures while the next are computed."""
WROTE_SECONDS = 120  # far longer than one computation of the figures (about 2 s at 50 annual rounds)


def tell_writer(request: Request, response: Response) -> None:
    """Mark the browser of a request that changed data (``web.deps.get_session`` notes it)."""
    if getattr(request.state, "wrote_data", False):
        response.set_cookie(
            WROTE_COOKIE,
            "1",
            max_age=WROTE_SECONDS,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def _kept_or_rendered(
    request: Request, *, version: Callable[[], str], render: Callable[[], Response]
) -> Response:
    ensure_csrf_cookie(request)  # a first visit still gets its token, as a rendered page would give it
    key = (request.url.path, _query(request), i18n.current_language.get(), version())
    etag = 'W/"' + hashlib.sha256(repr(key).encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    with _lock:
        kept = _pages.get(key)
        if kept is not None:
            _pages.move_to_end(key)
    if kept is None:
        response = render()
        if response.status_code != 200 or not hasattr(response, "body"):
            return response
        kept = (bytes(response.body), response.media_type or "text/html")
        with _lock:
            _pages[key] = kept
            while len(_pages) > PAGES_KEPT:
                _pages.popitem(last=False)
    return Response(kept[0], media_type=kept[1], headers=headers)


def _query(request: Request) -> str:
    """The query without ``lang`` (the language is part of the key already) and in a fixed order."""
    return "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()) if k != "lang")


def clear() -> None:
    """Forget every kept page (tests that roll back their writes, and with them the version, call this)."""
    with _lock:
        _pages.clear()
