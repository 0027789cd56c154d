"""Security headers on every response, pages, API, files and errors alike.

The pages need no inline script or style: there is no JavaScript at all, the stylesheets are files under
/static, and charts and maps are SVG files that ``<img>`` loads from this site. So the policy allows only this
site's own files ('self') and no inline code; a page that added an inline ``<script>``, ``onclick`` or
``style=`` would be refused by the browser (the browser tests report it as a console error).

- Content-Security-Policy: own files only; no plugins; forms post only here; ``frame-ancestors 'none'``
  so no other site can frame a page (clickjacking a form), with X-Frame-Options DENY for older browsers.
- X-Content-Type-Options nosniff: an uploaded or exported file is never re-read as HTML or script.
- Referrer-Policy strict-origin-when-cross-origin: a link to another site does not leak the path (which can
  hold a body code or a search) — only the origin.

A header the route already set is kept, so a response that needs a different policy can say so.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class SecurityHeaders:
    """ASGI middleware: adds ``SECURITY_HEADERS`` to every HTTP response that does not already carry them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
