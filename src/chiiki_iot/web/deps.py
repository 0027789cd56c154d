"""Dependencies shared by routes: the database session for one request, and the request's language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from chiiki_iot.core import data_versions
from chiiki_iot.core.db import session_scope
from chiiki_iot.core.i18n import DEFAULT_LANGUAGE, LANGUAGES

# Methods that only read (RFC 9110 safe methods). HEAD arrives here as GET (``HeadAsGet``).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.

    Routes use it with ``scope="function"`` so the commit happens before the response is sent: a browser
    that follows the redirect after signing in must find its session already stored.

    A GET only reads, so its transaction is read-only in intent (``session_scope(write=False)``): on SQLite
    it takes no lock, and one slow request can no longer hold up every reader. Other methods take SQLite's
    write lock at their start, the one moment it can still be waited for. The choice is made from the
    method rather than at the first write because SQLite cannot wait to upgrade a transaction that has
    already read (see ``chiiki_iot.core.db``); a GET that wrote anyway would still be correct, only refused
    with 503 if another writer held the lock at that moment.
    """
    route = request.scope.get("route")
    reads_first = getattr(getattr(route, "endpoint", None), READS_FIRST, False)
    session = yield from session_scope(write=request.method not in READ_METHODS and not reads_first)
    if data_versions.raised(session):
        request.state.wrote_data = True  # the browser is told (``web.page_cache.WROTE_COOKIE``)


READS_FIRST = "chiiki_reads_first"


def reads_first[Endpoint: Callable[..., Any]](endpoint: Endpoint) -> Endpoint:
    """Mark a route that reads for a long time before it writes (a workbook commit): its transaction
    begins without SQLite's write lock, and the route calls ``core.db.begin_writing`` when it is ready
    to write, so other requests are not held up while it reads."""
    setattr(endpoint, READS_FIRST, True)
    return endpoint


def language_of(request: Request) -> str:
    """?lang= wins (and is remembered in a cookie), then the cookie, then Japanese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
