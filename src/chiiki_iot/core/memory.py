"""What one server process holds in memory, for the operator (``GET /api/v1/health`` as the secretariat):
its resident and peak memory, and the entries of each in-process cache. Every cache is bounded where it is
defined; a module that keeps one reports its size here (``report_cache``), so nothing grows unseen.

Also how the process keeps the garbage collector out of the way of its answers: what it holds for good is
set aside at startup (``settle_long_lived``), and large computations pause collection
(``collection_paused``)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import os
import resource
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

_caches: dict[str, Callable[[], int]] = {}
_fills: dict[str, Callable[[], int]] = {}


def report_cache(name: str, entries: Callable[[], int], *, fills: Callable[[], int] | None = None) -> None:
    """Name a cache and how to count its entries (the count must be cheap: a ``len``), and for a cache of
    costly work how many times it was filled since the process started (the figures computed, the pages
    rendered): an operator then sees whether visitors share the work or each pays for their own."""
    _caches[name] = entries
    if fills is not None:
        _fills[name] = fills


@dataclass(frozen=True)
class MemoryReport:
    pid: int
    rss_bytes: int | None
    """Resident now (Linux /proc); None where the system does not say."""
    peak_rss_bytes: int
    caches: dict[str, int]
    cache_fills: dict[str, int]
    """Times each cache of costly work was filled since the process started."""
    long_lived_objects: int
    """Objects set aside at startup (``settle_long_lived``), which no collection walks."""
    collections: tuple[int, ...]
    """Garbage collections run since the process started, youngest generation first."""


def _resident_now() -> int | None:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def memory_report() -> MemoryReport:
    return MemoryReport(
        pid=os.getpid(),
        rss_bytes=_resident_now(),
        peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # KiB on Linux
        caches={name: entries() for name, entries in sorted(_caches.items())},
        cache_fills={name: fills() for name, fills in sorted(_fills.items())},
        long_lived_objects=gc.get_freeze_count(),
        collections=tuple(generation["collections"] for generation in gc.get_stats()),
    )


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    library = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(library), "malloc_trim", None) if library else None
    return trim  # glibc only; elsewhere freed memory stays with the process as before


def release_freed_memory() -> None:
    """Give the memory freed since the last call back to the system (glibc ``malloc_trim``). Replacing the
    figures of a long history frees tens of megabytes in pieces the allocator otherwise kept: a server at
    50× history grew by 5–6 MB with every write, past 500 MB after twenty, with no more Python objects
    alive. Called after such a replacement; ctypes releases the interpreter lock while it runs."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_settled = False


def settle_long_lived() -> None:
    """Take what the server holds for its whole life (modules, routes, compiled templates, reference data:
    about 265,000 objects) out of the garbage collector's view, once per process, after startup
    (``gc.freeze``). A full collection walked all of them every time: 120–230 ms, at random moments, inside
    whichever request happened to allocate; it now walks only what was made since (about 20 ms). Garbage
    made before startup is collected first; the frozen objects are still freed when nothing refers to
    them, and only a cycle among them would stay, which a server's startup state does not form."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()


_pause_lock = threading.Lock()
_pauses = 0
_paused_here = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """No automatic garbage collection while the block runs (in any thread: the collector is the process's).
    Computing the figures builds hundreds of thousands of young objects, and the collector walked the
    growing result a dozen times on the way: 60–110 ms of a 0.4 s computation. Reference counting still
    frees what is dropped at once; the few cycles made meanwhile (a rendered template's context, other
    requests' garbage) are collected when the last such block ends. Nests, and leaves the collector off if
    it was off before. Wrap CPU work only, never a wait on a lock: the pause is the whole process's, and
    one that spanned another thread's computation could keep the collector off for as long as they chain."""
    global _pauses, _paused_here
    with _pause_lock:
        if _pauses == 0 and gc.isenabled():
            gc.disable()
            _paused_here = True
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _paused_here:
                _paused_here = False
                gc.enable()
