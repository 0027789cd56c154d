"""The web floor of the application: static files, language and CSRF cookies, HEAD, and error handling
(user errors as pages or problem+json). It knows no domain; ``chiiki_iot.app`` mounts the domains on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chiiki_iot import __version__
from chiiki_iot.core import i18n, memory
from chiiki_iot.core.db import is_unavailable
from chiiki_iot.core.errors import (
    Conflict,
    InvalidInput,
    MethodNotAllowed,
    NotFound,
    ServerFault,
    ServiceUnavailable,
    UserError,
)
from chiiki_iot.web import page_cache
from chiiki_iot.web.concurrency import RequestSlots
from chiiki_iot.web.csrf import CSRF_COOKIE
from chiiki_iot.web.deps import language_of
from chiiki_iot.web.limits import BodyLimit
from chiiki_iot.web.security import SECURITY_HEADERS, SecurityHeaders
from chiiki_iot.web.templating import render
from chiiki_iot.web.validation import problem_from_pydantic, refuse_nul_characters

STATIC_DIR = Path(__file__).resolve().parent / "static"
PROBLEM_JSON = "application/problem+json"
# Seconds a client is asked to wait after a 503 (database busy or reconnecting): a lock or a pool slot is
# usually free again within a few seconds.
RETRY_AFTER_SECONDS = 5


def new_app(*, on_start: Callable[[], None]) -> FastAPI:
    """An application with no routes yet: ``on_start`` runs once before the first request is served."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        on_start()
        memory.settle_long_lived()  # what the process holds for good, out of the collector's way
        yield

    app = FastAPI(
        title="chiiki-iot API — 地域IoT実装推進プラットフォーム",
        version=__version__,
        description="全国の都道府県・市区町村と地域IoT実装推進ロードマップのデータ。 / "
        "Registry of Japan's local bodies and the regional IoT implementation roadmap.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI loads from a CDN; /api/docs is rendered here instead (home.pages)
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
        # Runs before every route's own parameters are read: NUL characters are refused in one place.
        dependencies=[Depends(refuse_nul_characters)],
    )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.middleware("http")(_language_middleware)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestSlots, busy=busy_response)  # no more requests at once than connections
    app.add_middleware(BodyLimit, refuse=_error_response)  # 413 before a huge body is read (web.limits)
    app.add_middleware(SecurityHeaders)  # CSP, frame-ancestors, nosniff, Referrer-Policy (web.security)
    app.add_exception_handler(UserError, _user_error_handler)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_handler)  # type: ignore[arg-type]
    app.add_exception_handler(404, _not_found_handler)
    app.add_exception_handler(405, _method_not_allowed_handler)
    app.add_exception_handler(StaleDataError, _stale_handler)
    app.add_exception_handler(sa_exc.DBAPIError, _database_unavailable_handler)
    app.add_exception_handler(sa_exc.TimeoutError, _database_unavailable_handler)
    app.add_exception_handler(Exception, _server_fault_handler)
    return app


class HeadAsGet:
    """Answer HEAD like GET without the body, so link checkers and uptime monitors get 200, not 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # drop streamed chunks; the last message ends the empty body
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


async def _language_middleware(request: Request, call_next):
    lang = language_of(request)
    token = i18n.current_language.set(lang)
    try:
        response: Response = await call_next(request)
    finally:
        i18n.current_language.reset(token)
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax", httponly=True)
    new_csrf = getattr(request.state, "new_csrf", None)
    if new_csrf:
        response.set_cookie(
            CSRF_COOKIE,
            new_csrf,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
            max_age=12 * 3600,
        )
    page_cache.tell_writer(request, response)
    response.headers["Content-Language"] = lang
    # Pages and charts follow the language cookie, so a cache must key on it.
    response.headers["Vary"] = ", ".join(filter(None, (response.headers.get("Vary"), "Cookie")))
    return response


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, error: UserError) -> Response:
    if _wants_json(request):
        return JSONResponse(
            error.as_problem(request.url.path), status_code=error.status_code, media_type=PROBLEM_JSON
        )
    return render(request, "error.html", status_code=error.status_code, error=error)


async def _user_error_handler(request: Request, exc: UserError) -> Response:
    return _error_response(request, exc)


async def _validation_handler(request: Request, exc: RequestValidationError) -> Response:
    problems = [problem_from_pydantic(err) for err in exc.errors()]
    # The first reasons go into the message itself: an API client's 'detail' then says what was wrong.
    error = InvalidInput(
        "入力内容に誤りがあります。" + "".join(p.message_ja for p in problems[:2]),
        " ".join(["The request has invalid parameters.", *(p.message_en for p in problems[:2])]),
        problems=problems,
    )
    return _error_response(request, error)


async def _stale_handler(request: Request, _exc: Exception) -> Response:
    """Two saves of one record at the same instant: the database refused the second (version check)."""
    return _error_response(
        request,
        Conflict(
            "ほかの人が同時に同じ記録を更新しました。開き直してからもう一度お試しください。",
            "Someone else changed this record at the same moment. Reload and try again.",
        ),
    )


async def _database_unavailable_handler(request: Request, exc: Exception) -> Response:
    """The database is busy or out of reach for a moment (SQLite's write lock not free within the busy
    timeout, no pooled PostgreSQL connection within the pool timeout, a connection dropped under the
    request): 503 with ``Retry-After``, in both languages, never a 500. The transaction has rolled back.
    Any other database error is a fault of ours and goes on to the 500 handler."""
    if not is_unavailable(exc):
        raise exc
    return busy_response(request)


def busy_response(request: Request) -> Response:
    """503 with ``Retry-After``, as a page or problem+json: the database (or the queue in front of it) is
    full for a moment; nothing was done."""
    busy = ServiceUnavailable(
        "ただいま混み合っているため処理できませんでした。入力は保存されていません。"
        f"{RETRY_AFTER_SECONDS} 秒ほどおいてもう一度お試しください。",
        "The service is busy at the moment; nothing was saved. "
        f"Please try again in {RETRY_AFTER_SECONDS} seconds.",
    )
    response = _error_response(request, busy)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


async def _server_fault_handler(request: Request, _exc: Exception) -> Response:
    """Anything unforeseen: the request's transaction has already rolled back (the session scope does that);
    say so in both languages, in the site's layout or as problem+json, rather than a bare English line.
    Starlette still logs the exception with its traceback."""
    fault = ServerFault(
        "サーバー側の問題で処理できませんでした。入力は保存されていません。時間をおいてもう一度お試しください。",
        "A fault on the server stopped the request; nothing was saved. Please try again later.",
    )
    try:
        response = _error_response(request, fault)
    except Exception:  # the layout itself failed: fall back to plain text
        response = Response(str(fault), status_code=500, media_type="text/plain; charset=utf-8")
    # Starlette answers a fault outside every added middleware, so the headers are set here as well.
    response.headers.update(SECURITY_HEADERS)
    return response


async def _method_not_allowed_handler(request: Request, exc: Exception) -> Response:
    """A form's address opened directly (from the history, a bookmark, a pasted link after the form was
    sent) used to answer a bare English JSON line: say what happened in both languages, in the layout, and
    keep the ``Allow`` header."""
    allowed = (getattr(exc, "headers", None) or {}).get("Allow", "")
    if request.method == "GET":
        error = MethodNotAllowed(
            "このアドレスはフォームの送信先のため、直接は開けません。前のページに戻ってもう一度操作してください。",
            "This address receives a form and cannot be opened directly. Go back and try again.",
        )
    else:
        error = MethodNotAllowed(
            f"このアドレスでは {request.method} は使えません（使えるのは {allowed}）。",
            f"{request.method} is not allowed at this address (allowed: {allowed}).",
        )
    response = _error_response(request, error)
    if allowed:
        response.headers["Allow"] = allowed
    return response


async def _not_found_handler(request: Request, _exc: Exception) -> Response:
    return _error_response(request, NotFound("お探しのページは見つかりませんでした。", "Page not found."))
