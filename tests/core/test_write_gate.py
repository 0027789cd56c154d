"""SQLite writers of one process queue in arrival order for the write lock (``core.write_gate``), and the
turn passes on however a transaction ends: commit, rollback, or a connection closed in the middle."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from chiiki_iot.core.db import is_unavailable, make_engine
from chiiki_iot.core.write_gate import WriteGate


def test_the_lock_goes_to_writers_in_the_order_they_came() -> None:
    gate = WriteGate()
    gate.acquire(1)
    order: list[int] = []

    def writer(n: int) -> None:
        gate.acquire(10)
        order.append(n)
        gate.release()

    threads = []
    for n in range(6):
        threads.append(threading.Thread(target=writer, args=(n,)))
        threads[-1].start()
        time.sleep(0.05)  # each is waiting before the next arrives
    gate.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == list(range(6))


def test_a_writer_that_waits_too_long_is_refused_as_busy_and_the_gate_still_works() -> None:
    gate = WriteGate()
    gate.acquire(1)
    with pytest.raises(sa_exc.TimeoutError) as refused:
        gate.acquire(0.1)
    assert is_unavailable(refused.value)  # answered 503 with Retry-After, like SQLite's own busy error
    gate.release()
    gate.acquire(0.1)  # free again: the refused waiter left no turn behind
    gate.release()


@pytest.mark.parametrize("ending", ["commit", "rollback", "close"])
def test_the_next_writer_goes_at_once_however_a_transaction_ends(tmp_path: Path, ending: str) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
    first = engine.connect()
    transaction = first.begin()
    first.execute(text("INSERT INTO t VALUES (1)"))
    if ending == "commit":
        transaction.commit()  # the connection stays checked out: the turn passes at the commit itself
    elif ending == "rollback":
        transaction.rollback()
    else:
        first.close()  # closed in the middle of its transaction, back to the pool
    started = time.monotonic()
    with engine.begin() as second:
        second.execute(text("INSERT INTO t VALUES (2)"))
    assert time.monotonic() - started < 1  # not the 15 s busy timeout
    first.close()
    engine.dispose()
