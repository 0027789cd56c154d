"""How many requests the application works on at once: no more than the database pool has connections.

Every request to a page or the API holds one pooled connection from its first query to its end, and
FastAPI runs the parts of a request (dependencies, route, clean-up) as separate calls on its thread pool,
so limiting threads does not limit connections. Limiting requests does: with at most ``db_pool_size +
db_max_overflow`` requests inside the application, a burst beyond the pool waits here, in order, instead
of failing on the pool timeout (issue 12, finding 14: 15 slow requests exhausted the pool and the rest
answered 500). A request that waits longer than ``request_queue_seconds``, or arrives when
``request_queue_length`` are already waiting, is answered 503 with Retry-After at once.

Static files need no connection and pass straight through.

On SQLite, reads (GET, HEAD) hold at most ``request_read_slots`` of the slots at once. One process runs
Python one thread at a time, so reads beyond a few add no throughput; they only took turns with the
writers, and a SQLite writer holds the database's one write lock while it waits for its turn (at a survey
deadline, 32 readers made each answer's 30 ms of work last seconds, and the other writers queued behind
it). PostgreSQL locks rows, not the database, so there reads are not held back.
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
        self._slots: dict[asyncio.AbstractEventLoop, tuple[anyio.Semaphore, anyio.Semaphore]] = {}
        self.waiting = 0

    def _slots_here(self) -> tuple[anyio.Semaphore, anyio.Semaphore]:
        """The slots, and the share of them reads may hold, per event loop (a test client runs a loop per
        client, a server one)."""
        loop = asyncio.get_running_loop()
        if loop not in self._slots:
            settings = get_settings()
            total = settings.db_pool_size + settings.db_max_overflow
            reads = min(total, settings.request_read_slots) if _one_writer(settings.database_url) else total
            self._slots = {loop: (anyio.Semaphore(total), anyio.Semaphore(reads))}
        return self._slots[loop]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        if self.waiting >= settings.request_queue_length:
            await self.busy(Request(scope))(scope, receive, send)
            return
        slots, read_slots = self._slots_here()
        held: list[anyio.Semaphore] = []
        self.waiting += 1
        try:
            with anyio.move_on_after(settings.request_queue_seconds):
                for needed in (read_slots, slots) if scope["method"] in ("GET", "HEAD") else (slots,):
                    await needed.acquire()
                    held.append(needed)
        finally:
            self.waiting -= 1
        try:
            if len(held) == (2 if scope["method"] in ("GET", "HEAD") else 1):
                await self.app(scope, receive, send)
            else:
                await self.busy(Request(scope))(scope, receive, send)
        finally:
            for slot in held:
                slot.release()


def _one_writer(database_url: str) -> bool:
    """Whether the database lets one transaction write at a time (SQLite)."""
    return database_url.startswith("sqlite")
