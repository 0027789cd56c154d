"""Cross-site form posts refused by a double-submit token: a random cookie that each form must echo.

A web concern, not an accounts one: every form of every domain carries the token, and the layout template
writes it, so it lives on the web floor below all domains.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from chiiki_iot.core.errors import Forbidden

CSRF_COOKIE = "chiiki_csrf"
CSRF_FIELD = "csrf_token"


async def csrf_protected(request: Request) -> None:
    """Refuse a form post whose token does not match the cookie (a post from another site)."""
    form = await request.form()
    sent, expected = str(form.get(CSRF_FIELD, "")), request.cookies.get(CSRF_COOKIE, "")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise Forbidden(
            "フォームの有効期限が切れたか、ほかのサイトから送信されました。ページを開き直してやり直してください。",
            "The form has expired or was sent from another site. Reload the page and try again.",
        )


def ensure_csrf_cookie(request: Request) -> str:
    """The token for this browser, created on first visit (the language middleware sets the cookie). A token
    issued during this request (first visit, or rotated at sign-in) wins over the cookie the browser sent."""
    token = getattr(request.state, "new_csrf", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def rotate_csrf(request: Request) -> str:
    """A new token for this browser, sent with this response: called when a session starts, so that a token
    planted or read before sign-in (on a shared computer, or set by a sibling subdomain) is worthless after
    it — the session-fixation rule (OWASP) applied to the CSRF cookie."""
    token = secrets.token_urlsafe(32)
    request.state.new_csrf = token
    return token
