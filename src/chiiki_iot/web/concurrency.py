"""How many requests the application works on at once: no more than the database pool has connections.

Every request to a page or the API holds one pooled connection from its first query to its end, and
FastAPI runs the parts of a request (dependencies, route, clean-up) as separate calls on its thread pool,
so limiting threads does not limit connections. Limiting requests does: with at most ``db_pool_size +
db_max_overflow`` requests inside the application, a burst beyond the pool waits here, in order, instead
of failing on the pool timeout (issue 12, finding 14: 15 slow requests exhausted the pool and the rest
answered 500). A request that waits longer than ``request_queue_seconds``, or arrives when
``request_queue_length`` are already waiting, is answered 503 with Retry-After at once.

Static files need no connection and pass straight through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import anyio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chiiki_iot.core.settings import get_settings


class RequestSlots:
    """ASGI middleware: a semaphore of one slot per pooled connection, with a bounded queue in front."""

    def __init__(self, app: ASGIApp, *, busy: Callable[[Request], Response]) -> None:
        self.app, self.busy = app, busy
        self._slots: dict[asyncio.AbstractEventLoop, anyio.Semaphore] = {}
        self.waiting = 0

    def _slots_here(self) -> anyio.Semaphore:
        """One semaphore per event loop (a test client runs a loop per client, a server one)."""
        loop = asyncio.get_running_loop()
        if loop not in self._slots:
            settings = get_settings()
            self._slots = {loop: anyio.Semaphore(settings.db_pool_size + settings.db_max_overflow)}
        return self._slots[loop]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        slots = self._slots_here()
        if self.waiting >= settings.request_queue_length:
            await self.busy(Request(scope))(scope, receive, send)
            return
        acquired = False
        self.waiting += 1
        try:
            with anyio.move_on_after(settings.request_queue_seconds):
                await slots.acquire()
                acquired = True
        finally:
            self.waiting -= 1
        if not acquired:
            await self.busy(Request(scope))(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()
