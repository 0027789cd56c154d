"""What one server process holds in memory, for the operator (``GET /api/v1/health`` as the secretariat):
its resident and peak memory, and the entries of each in-process cache. Every cache is bounded where it is
defined; a module that keeps one reports its size here (``report_cache``), so nothing grows unseen."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass

_caches: dict[str, Callable[[], int]] = {}


def report_cache(name: str, entries: Callable[[], int]) -> None:
    """Name a cache and how to count its entries (the count must be cheap: a ``len``)."""
    _caches[name] = entries


@dataclass(frozen=True)
class MemoryReport:
    pid: int
    rss_bytes: int | None
    """Resident now (Linux /proc); None where the system does not say."""
    peak_rss_bytes: int
    caches: dict[str, int]


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
