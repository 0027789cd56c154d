"""One SQLite writer at a time in this process, handed over in arrival order.

SQLite lets one transaction write at a time and makes the others poll: its busy handler sleeps between
tries, up to 100 ms at a time. At a survey deadline (16 bodies answering at once while 32 readers browse,
``bench/deadline_bench.py``) the lock then sat free while the waiting writers slept, and the unlucky ones
waited out the whole busy timeout and got 503 though the lock had been free most of that time. Writers of
this process now queue here, first come first served, before asking SQLite for its lock, which still
guards against other processes. PostgreSQL, whose row locks queue properly, does not use this.
"""

from __future__ import annotations

import threading
from collections import deque

from sqlalchemy import exc as sa_exc


class WriteGate:
    """A lock handed to the longest waiter on release (``threading.Lock`` wakes any of them)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> None:
        """Wait in turn for up to ``timeout`` seconds; then refuse as the database does when busy (503)."""
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return  # handed over by ``release``
        with self._guard:
            if turn in self._waiters:
                self._waiters.remove(turn)
                raise sa_exc.TimeoutError(f"the write lock was not free within {timeout:g} s")
        # handed over just as the wait ran out: ours after all

    def release(self) -> None:
        with self._guard:
            if self._waiters:
                self._waiters.popleft().release()  # still held: now by the next in line
            else:
                self._held = False
