"""Run a parser in a process of its own, with its own memory and time limits (issue 12, finding 1).

A workbook is read by calamine or openpyxl, whose cost depends on what the sender put in the file. Read in the web
server's process, a hostile or merely huge file could take gigabytes or minutes from every other request,
and a Python thread cannot be stopped from outside. In a child process it can: the child gets an address
space limit (``RLIMIT_AS``) and is killed when its time is up, and the server only ever receives the
plain values it read.

Children are forked from a small fork server (``multiprocessing``'s ``forkserver``) rather than from the
server itself, which runs threads and holds database connections that a fork must never inherit. The
server preloads the readers (and the main module) once, so a child starts in milliseconds.
"""

from __future__ import annotations

import multiprocessing
import resource
import sys
import threading
import traceback
from collections.abc import Callable
from functools import lru_cache
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from typing import Any

from chiiki_iot.core.errors import InvalidInput, UserError

_PRELOAD = ["openpyxl", "python_calamine", "chiiki_iot.core.workbook_values"]
_starting = threading.Lock()


@lru_cache
def _context() -> ForkServerContext:
    context = multiprocessing.get_context("forkserver")
    assert isinstance(context, ForkServerContext)
    context.set_forkserver_preload(_PRELOAD)
    return context


class LimitExceeded(InvalidInput):
    """The work ran out of time or memory and was stopped; nothing it did is kept."""


def run_isolated[T](
    work: Callable[..., T], *args: Any, seconds: float, memory_bytes: int, what_ja: str, what_en: str
) -> T:
    """``work(*args)`` in a child process limited to ``memory_bytes`` of address space and ``seconds`` of
    wall-clock time. A ``UserError`` raised by the work is raised here as the same message; running out of
    time or memory raises ``LimitExceeded`` naming ``what``. ``work`` must be a module-level function and
    its arguments and result picklable."""
    receiving, sending = _context().Pipe(duplex=False)
    child = _context().Process(target=_child, args=(sending, memory_bytes, work, args), daemon=True)
    _start_without_main(child)
    sending.close()  # the child holds its own end; EOF here then means the child is gone
    try:
        if not receiving.poll(seconds):
            raise LimitExceeded(
                f"{what_ja}の読み取りが {seconds:g} 秒を超えたため中止しました。",
                f"Reading {what_en} took longer than {seconds:g} seconds and was stopped.",
            )
        try:
            outcome, payload = receiving.recv()
        except EOFError:  # killed (by the kernel, say) before it could answer
            outcome, payload = "memory", None
    finally:
        receiving.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if outcome == "ok":
        return payload
    if outcome == "refused":
        kind, ja, en, problems = payload
        raise kind(ja, en, problems=problems)
    if outcome == "memory":
        raise LimitExceeded(
            f"{what_ja}は読み取りに必要なメモリが上限（{memory_bytes / 2**20:,.0f} MB）を超えたため中止しました。",
            f"Reading {what_en} needed more memory than the limit ({memory_bytes / 2**20:,.0f} MB) and was stopped.",
        )
    raise RuntimeError(f"isolated work failed: {payload}")


def _start_without_main(child: multiprocessing.process.BaseProcess) -> None:
    """Start the child without re-running the parent's main module in it. multiprocessing runs the main
    script again in every child it starts (Python 3.11's fork server cannot preload it: its
    ``'__main__'`` preload looks for a key that is never set), and the server's main script is
    ``chiiki-iot``, which imports the whole application: 1.4 s before each workbook read instead of
    50 ms. The work always lives in this package, never in ``__main__``, so the child does not need it;
    hiding ``__main__.__file__`` while the child's start data is gathered leaves it out."""
    main = sys.modules["__main__"]
    with _starting:
        hidden = main.__dict__.pop("__file__", None)
        try:
            child.start()
        finally:
            if hidden is not None:
                main.__file__ = hidden


def _child(sending: Connection, memory_bytes: int, work: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The child's side: limit itself, work, send back one (outcome, payload) pair."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        message: tuple[str, Any] = ("ok", work(*args))
    except UserError as refusal:
        message = ("refused", (type(refusal), refusal.message_ja, refusal.message_en, refusal.problems))
    except MemoryError:
        message = ("memory", None)
    except BaseException:  # reported to the parent, which raises it as a server error
        message = ("crashed", traceback.format_exc(limit=5))
    try:
        sending.send(message)
    except MemoryError:
        sending.send(("memory", None))
    finally:
        sending.close()
