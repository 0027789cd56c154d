"""Pages (and JSON) that only change when the data does, served from memory to visitors not signed in.

The dashboard and the KPI pages are what ministers, bureaus and the public open, and what a survey
deadline's readers open all at once; for a visitor who is not signed in they depend only on the address,
the language and the data version (``core.data_versions``, raised by every change to the figures or the
roadmap). Such a page is rendered once per version and kept (``PAGES_KEPT`` pages, newest first); its ETag
is derived from the same key, so a browser that asks again with ``If-None-Match`` gets 304 and no body.

A page kept here shows nothing of its visitor but the header's account box (name and sign-out, or the
sign-in link), so a signed-in visitor is served the same kept page with their own account box put in
(``templating.with_own_account_box``), without an ETag (the page is theirs). Such a visitor is shown the
figures at hand, which may be the previous ones for a few seconds after someone else's change; whoever has
just changed something (``WROTE_COOKIE``) waits for the newest, and however many such visitors come at once
the page of a version is rendered once (single flight), as the figures are computed once. A request with
an API token is always rendered for itself.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from chiiki_iot.core import data_versions, i18n, memory
from chiiki_iot.web import templating
from chiiki_iot.web.csrf import ensure_csrf_cookie

PAGES_KEPT = 256
"""About 50 KB each: 47 prefecture dashboards and 11 blocks in two languages, the KPI pages, the nation."""

_lock = threading.Lock()
Key = tuple[str, str, str, str]
"""Address, query (without ``lang``), language and data version."""
_pages: OrderedDict[Key, tuple[bytes, str]] = OrderedDict()
_rendering: dict[Key, threading.Lock] = {}
_rendered = 0  # pages rendered and kept (under ``_lock``)
memory.report_cache("kept pages", lambda: len(_pages), fills=lambda: _rendered)


def cached_page(request: Request, *, version: Callable[[], str], render: Callable[[], Response]) -> Response:
    """``render()``'s page (HTML or JSON) for this address, language and data ``version()``, from memory:
    as 304 to a visitor not signed in whose browser holds it, with their own header to one signed in. Anyone
    but whoever has just changed something may be shown the figures computed before the newest change while
    the next are computed (``core.data_versions.previous_allowed``); a request with a token is rendered."""
    if "authorization" in request.headers:
        return render()  # a program: the newest figures, rendered for its token
    wrote = WROTE_COOKIE in request.cookies  # someone who has just changed something: the newest figures
    allowed = data_versions.previous_allowed.set(not wrote)
    try:
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
    if getattr(request.state, "user", None) is not None:
        kept = _kept_or_render(key, render)
        if isinstance(kept, Response):
            return kept  # not a page to keep (an error, a download)
        page = templating.with_own_account_box(request, kept[0]) if "html" in kept[1] else kept[0]
        return Response(page, media_type=kept[1], headers={"Cache-Control": "private, no-cache"})
    etag = 'W/"' + hashlib.sha256(repr(key).encode()).hexdigest()[:20] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    kept = _kept_or_render(key, render)
    if isinstance(kept, Response):
        return kept
    return Response(kept[0], media_type=kept[1], headers=headers)


def _kept_or_render(key: Key, render: Callable[[], Response]) -> tuple[bytes, str] | Response:
    """The page kept under ``key``, rendered (as for a visitor not signed in) if it is not kept yet, once
    however many requests ask at the same moment; the rendered response itself when it is not a page to
    keep (only a 200 with a body is kept; a streamed download is passed through)."""
    global _rendered
    with _lock:
        kept = _pages.get(key)
        if kept is not None:
            _pages.move_to_end(key)
            return kept
        rendering = _rendering.setdefault(key, threading.Lock())
    try:
        with rendering:
            with _lock:
                kept = _pages.get(key)
            if kept is not None:
                return kept
            everyone = templating.rendering_for_everyone.set(True)
            try:
                response = render()
            finally:
                templating.rendering_for_everyone.reset(everyone)
            if response.status_code != 200 or not hasattr(response, "body"):
                return response
            kept = (bytes(response.body), response.media_type or "text/html")
            with _lock:
                _rendered += 1
                _pages[key] = kept
                while len(_pages) > PAGES_KEPT:
                    _pages.popitem(last=False)
            return kept
    finally:
        with _lock:
            _rendering.pop(key, None)


def _query(request: Request) -> str:
    """The query without ``lang`` (the language is part of the key already) and in a fixed order."""
    return "&".join(f"{k}={v}" for k, v in sorted(request.query_params.multi_items()) if k != "lang")


def clear() -> None:
    """Forget every kept page (tests that roll back their writes, and with them the version, call this)."""
    with _lock:
        _pages.clear()
