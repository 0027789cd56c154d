"""The dashboard over a long history, through a real server (issue 13: 50× history, the first request after a
write, 8 visitors at once, memory per worker).

``.venv/bin/python bench/history_bench.py [--database URL] [--scale 50] [--writes 20] [--workers 1] [--rounds 5]``

Fills SCALE × five annual rounds of status history for all 1,788 bodies × 23 models (``adoption_bench``;
scale 50 is 10.3 million rows), starts ``chiiki-iot serve`` on 127.0.0.1 and measures, side by side with
``/static/app.css`` on the same server: ``/dashboard`` warm for a visitor not signed in and for a signed-in
one; the first request of each after a write (a status recorded by another process, as a second worker or
the CLI would); eight signed-in visitors at once after a write against one alone, beside what answering
eight instead of one costs with nothing to compute (the kept page, the static file) and the server's
processor time; and the server's peak memory after ``--writes`` writes each followed by a signed-in visit. Bounded: every request has a 120 s
timeout, the server is stopped at the end, and a PostgreSQL database of its own is dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adoption_bench import fill
from load_bench import CLI, STATIC, _database, _free_port, wait_until_serving

from chiiki_iot.accounts.models import RoleGrant, User
from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import LADDER
from chiiki_iot.app import initialise
from chiiki_iot.core.db import make_engine
from chiiki_iot.core.fiscal import today_in_japan

PASSWORD = "bench-password-1"
EMAIL = "secretariat@bench.invalid"
OPERATOR = Principal(actor="bench", grants=(Grant(Role.SECRETARIAT),), via="cli")


def _prepare(url: str, scale: int) -> int:
    engine = make_engine(url)
    initialise(engine)
    with Session(engine) as session:
        rows = fill(session, scale)
        if engine.dialect.name == "postgresql":
            session.connection().exec_driver_sql("ANALYZE")
        user = User(email=EMAIL, display_name="bench", created_at=dt.datetime.now(dt.UTC),
                    password_hash=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD))  # fmt: skip
        user.grants.append(RoleGrant(role=Role.SECRETARIAT.value, scope="", granted_at=user.created_at))
        session.add(user)
        session.commit()
    engine.dispose()
    return rows


def _write(url: str, n: int) -> None:
    """One status recorded by another process (each write a different body, so each changes a figure)."""
    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        adoption.record_status(
            session, principal=OPERATOR, body_code=["011002", "131016", "472018", "271004"][n % 4],
            model_slug="open-data", stage=LADDER[n % len(LADDER)], effective_on=today_in_japan(),
            source_kind="manual",
        )  # fmt: skip
    engine.dispose()


async def _timed(client: httpx.AsyncClient, path: str) -> float:
    started = time.perf_counter()
    response = await client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code}")
    return time.perf_counter() - started


async def _median(client: httpx.AsyncClient, path: str, n: int = 20) -> float:
    return statistics.median([await _timed(client, path) for _ in range(n)]) * 1000


def _memory(pid: int) -> tuple[int, int]:
    """(peak, current) resident memory of the server process and its children, in MB."""
    peak = current = 0
    for p in _processes(pid):
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{p}/status").read_text().splitlines())
        peak = max(peak, int(fields["VmHWM"].split()[0]) // 1024)
        current = max(current, int(fields["VmRSS"].split()[0]) // 1024)
    return peak, current


def _processes(pid: int) -> list[int]:
    return [pid, *[int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]]


def _cpu(pid: int) -> float:
    """Seconds the server (its process and children, every thread) has spent on a processor, to the
    nanosecond (``schedstat``): what a request cost the server, whatever the machine's neighbours did to
    the wall-clock time."""
    total = 0
    for p in _processes(pid):
        for task in Path(f"/proc/{p}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


async def _episode(signed: httpx.AsyncClient, pid: int, visitors: int) -> tuple[float, float]:
    """(the slowest visitor's wait, the server's processor time) for ``visitors`` asking at once."""
    before = _cpu(pid)
    slowest = max(await asyncio.gather(*(_timed(signed, "/dashboard") for _ in range(visitors))))
    return slowest, _cpu(pid) - before


async def _eight_against_one(
    signed: httpx.AsyncClient, url: str, rounds: int, pid: int
) -> list[tuple[str, str]]:
    """One visitor who must see the new figures alone after a write, then eight at once after the next write,
    ``rounds`` times in turn (one pair of samples moved by 10 % between runs on a shared machine): the
    medians, and the median of each round's slowest of eight over that round's one alone.

    Each round also asks for the page once more alone and eight times at once while it is kept (nothing to
    compute): what answering eight costs over answering one on this server whatever the page. Eight
    answers are eight answers' work on one interpreter, so "eight wait no longer than one" can only mean no
    visitor waits for another's computation: the herd's extra wait is compared with that floor."""
    signed.cookies.set("chiiki_wrote", "1")  # as the browser of someone who has just written: no kept figures
    waits: dict[str, list[float]] = {k: [] for k in ("one", "kept one", "eight", "kept eight")}  # in turn
    cpu: dict[str, list[float]] = {k: [] for k in waits}
    for n in range(rounds):
        for name, visitors, write in (("one", 1, True), ("kept one", 1, False),
                                      ("eight", 8, True), ("kept eight", 8, False)):  # fmt: skip
            if write:
                _write(url, 20 + 2 * n + (visitors > 1))
            wait, spent = await _episode(signed, pid, visitors)
            waits[name].append(wait)
            cpu[name].append(spent)
    ratios = [e / o for e, o in zip(waits["eight"], waits["one"], strict=True)]
    extra = [(e - o) - (ke - ko) for o, ko, e, ke in zip(*waits.values(), strict=True)]
    cpu_extra = [(e - o) - (ke - ko) for o, ko, e, ke in zip(*cpu.values(), strict=True)]

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    def each(values: list[float]) -> str:
        return ", ".join(f"{v * 1000:.0f}" for v in values)

    return [
        ("one visitor alone after a write, waiting for the new figures: median", f"{statistics.median(waits['one']):.2f} s"),
        ("eight at once after a write: slowest, median", f"{statistics.median(waits['eight']):.2f} s"),
        (f"slowest of eight / one alone, median of {rounds} rounds (each round)",
         f"{statistics.median(ratios):.2f}× (" + ", ".join(f"{r:.2f}" for r in ratios) + ")"),
        ("the kept page: one alone / slowest of eight at once, medians",
         f"{ms(waits['kept one'])} / {ms(waits['kept eight'])}"),
        ("eight's extra wait after a write beyond eight kept pages' extra, median (each round)",
         f"{ms(extra)} ({each(extra)})"),
        ("server processor time: one / eight after a write; one / eight kept pages, medians",
         " / ".join(ms(cpu[k]) for k in ("one", "eight")) + "; " + " / ".join(ms(cpu[k]) for k in ("kept one", "kept eight"))),
        ("eight's extra processor time after a write beyond eight kept pages' extra, median (each round)",
         f"{ms(cpu_extra)} ({each(cpu_extra)})"),
    ]  # fmt: skip


async def _run(base: str, url: str, writes: int, pid: int, rounds: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    anonymous = httpx.AsyncClient(base_url=base, timeout=120)
    signed = httpx.AsyncClient(base_url=base, timeout=120)
    await signed.get("/login")
    answer = await signed.post("/login", data={"email": EMAIL, "password": PASSWORD,
                                               "csrf_token": signed.cookies["chiiki_csrf"]})  # fmt: skip
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in: {answer.status_code}")
    started = time.perf_counter()
    await _timed(signed, "/dashboard")
    out.append(
        ("first /dashboard after the server starts (signed in)", f"{(time.perf_counter() - started):.1f} s")
    )
    await _timed(anonymous, "/dashboard")
    out.append(("baseline: `/static/app.css` median", f"{await _median(anonymous, STATIC):.1f} ms"))
    one_file, eight_files = [], []
    for _ in range(20):
        one_file.append(await _timed(anonymous, STATIC))
        eight_files.append(max(await asyncio.gather(*(_timed(anonymous, STATIC) for _ in range(8)))))
    out.append(
        (
            "the same file: one alone / slowest of eight at once, medians of 20",
            f"{statistics.median(one_file) * 1000:.1f} / {statistics.median(eight_files) * 1000:.1f} ms",
        )
    )
    out.append(
        ("`/dashboard` warm, not signed in, median", f"{await _median(anonymous, '/dashboard'):.1f} ms")
    )
    out.append(("`/dashboard` warm, signed in, median", f"{await _median(signed, '/dashboard'):.1f} ms"))
    after_anon, after_signed = [], []
    for n in range(3):
        _write(url, n)
        after_anon.append(await _timed(anonymous, "/dashboard") * 1000)
        await asyncio.sleep(0.5)
        _write(url, n + 10)
        after_signed.append(await _timed(signed, "/dashboard") * 1000)
    out.append(
        (
            "first request after a write, not signed in (3 writes)",
            " / ".join(f"{t:.0f}" for t in after_anon) + " ms",
        )
    )
    out.append(
        (
            "first request after a write, signed in (3 writes)",
            " / ".join(f"{t:.0f}" for t in after_signed) + " ms",
        )
    )
    out.extend(await _eight_against_one(signed, url, rounds, pid))
    for n in range(writes):
        _write(url, 100 + n)
        await _timed(signed, "/dashboard")
    peak, current = _memory(pid)
    out.append(
        (
            f"server memory after {writes} more writes, each followed by a visit: peak / now",
            f"{peak} MB / {current} MB",
        )
    )
    await anonymous.aclose()
    await signed.aclose()
    return out


@contextmanager
def _bench_database(args: argparse.Namespace, workdir: Path) -> Iterator[tuple[str, int]]:
    """(url, rows already there): a fresh database, or with ``--keep`` one filled by an earlier run (a fill at
    50× takes a quarter of an hour; the writes of earlier runs stay in it, a handful among millions)."""
    if not args.keep:
        with _database(args.database or None, workdir) as url:
            yield url, 0
        return
    name = f"chiiki_history_bench_{args.scale}"
    if args.database:
        url = sa.make_url(args.database).set(database=name)
        admin = sa.create_engine(args.database, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    else:
        url = sa.make_url(f"sqlite:///{Path(tempfile.gettempdir()) / name}.db")
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    with engine.connect() as conn:
        rows = conn.scalar(sa.text("SELECT count(*) FROM status_changes")) if sa.inspect(conn).has_table(
            "status_changes"
        ) else 0  # fmt: skip
    engine.dispose()
    yield rendered, rows or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database", default="", help="a PostgreSQL server URL (a database of its own is made)"
    )
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5, help="pairs of one alone and eight at once")
    parser.add_argument(
        "--keep", action="store_true",
        help="fill a database named after the scale once (PostgreSQL, or a file in the temporary folder) "
        "and keep it for the next run",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, _bench_database(args, Path(tmp)) as (url, filled):
        started = time.perf_counter()
        rows = filled or _prepare(url, args.scale)
        print(f"{rows:,} history rows in {time.perf_counter() - started:.0f} s", flush=True)
        port = _free_port()
        env = {**os.environ, "CHIIKI_DATABASE_URL": url}
        server = subprocess.Popen([CLI, "serve", "--port", str(port), "--workers", str(args.workers)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base)
            results = asyncio.run(_run(base, url, args.writes, server.pid, args.rounds))
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(
        f"\n{make_engine(url).dialect.name}, scale {args.scale} ({rows:,} rows), {args.workers} worker(s)\n"
    )
    print("| measure | value |\n|---|---:|")
    for name, value in results:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
