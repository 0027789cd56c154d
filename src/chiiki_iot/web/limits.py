"""How much a request may send: a cap on the body, counted as it arrives, so no client can make the server
hold a 22 MB list in memory (and then copy it into an audit row) before any rule has looked at it.

Workbook and CSV uploads (multipart) get room for the largest file an import accepts; everything else
(forms, JSON) is small. The cap is checked against Content-Length first and against the bytes actually
received, for clients that send no length or lie about it.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chiiki_iot.core.errors import UserError
from chiiki_iot.core.settings import get_settings

MAX_UPLOAD_BYTES = 25 * 1024 * 1024  # multipart: a survey workbook or an import file, with room to spare
MAX_BODY_BYTES = 1024 * 1024  # forms and JSON


class RequestTooLarge(UserError):
    status_code = 413
    type_slug = "request-too-large"
    title_en = "Request too large"


def limit_for(content_type: str) -> int:
    """Multipart room follows the operator's upload limit (``CHIIKI_UPLOAD_MAX_BYTES``) with a margin for
    the form around the file, and is never below ``MAX_UPLOAD_BYTES``."""
    if content_type.startswith("multipart/form-data"):
        return max(MAX_UPLOAD_BYTES, get_settings().upload_max_bytes + MAX_BODY_BYTES)
    return MAX_BODY_BYTES


def _refusal(limit: int) -> RequestTooLarge:
    megabytes = limit / (1024 * 1024)
    return RequestTooLarge(
        f"送信された内容が大きすぎます（上限 {megabytes:g} MB）。ファイルを分けるか、内容を減らしてください。",
        f"The request is too large (limit {megabytes:g} MB). Split the file or send less.",
    )


class BodyLimit:
    """ASGI middleware. A declared length over the cap is answered 413 at once, as a page or problem+json
    (``refuse`` is the web floor's error renderer), without reading the body. A body that grows past the
    cap without declaring it is cut off: the app sees the client go away and reads no further."""

    def __init__(self, app: ASGIApp, *, refuse: Callable[[Request, UserError], Response]) -> None:
        self.app, self.refuse = app, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = limit_for(headers.get(b"content-type", b"").decode("latin-1").lower())
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self.refuse(Request(scope), _refusal(limit))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, counted, send)
