"""The garbage collector kept out of the way of answers (issue 13): collection pauses while the figures are
computed and resumes after, however such computations overlap, and never turns on a collector that
someone had switched off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from chiiki_iot.core import memory


@pytest.fixture(autouse=True)
def collector_on_after_each_test() -> Iterator[None]:
    """A failed assertion inside a pause must not leave the rest of the run without a collector."""
    yield
    gc.enable()


def test_collection_pauses_for_the_block_and_resumes_after() -> None:
    assert gc.isenabled()
    with memory.collection_paused():
        assert not gc.isenabled()
        with memory.collection_paused():  # a computation inside another (warming the figures)
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_overlapping_computations_in_two_threads_resume_collection_once_both_end() -> None:
    inside, leave = threading.Barrier(2), threading.Event()

    def compute() -> None:
        with memory.collection_paused():
            inside.wait()
            leave.wait(timeout=10)

    other = threading.Thread(target=compute)
    other.start()
    with memory.collection_paused():
        inside.wait()
    assert not gc.isenabled()  # the other thread's computation is still running
    leave.set()
    other.join(timeout=10)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with memory.collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_computation_that_fails_resumes_collection() -> None:
    with pytest.raises(RuntimeError), memory.collection_paused():
        raise RuntimeError("a query refused half-way through the figures")
    assert gc.isenabled()
    with memory.collection_paused():  # and the count of pauses is back to none
        assert not gc.isenabled()
    assert gc.isenabled()
