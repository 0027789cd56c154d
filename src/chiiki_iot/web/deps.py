"""Dependencies shared by routes: the database session for one request, and the request's language."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from chiiki_iot.core.db import session_scope
from chiiki_iot.core.i18n import DEFAULT_LANGUAGE, LANGUAGES


def get_session() -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error.

    Routes use it with ``scope="function"`` so the commit happens before the response is sent: a browser
    that follows the redirect after signing in must find its session already stored.
    """
    yield from session_scope()


def language_of(request: Request) -> str:
    """?lang= wins (and is remembered in a cookie), then the cookie, then Japanese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT_LANGUAGE
