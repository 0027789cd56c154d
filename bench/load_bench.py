"""Load benchmark of the read mix against a real server, side by side with a static file (issue 13).

``.venv/bin/python bench/load_bench.py [--database URL] [--workers N] [--clients 1,8,32] [--requests 40]``

Builds a demo site in a temporary directory (SQLite by default, or a fresh database on the PostgreSQL
server of ``--database``), starts ``chiiki-iot serve`` on a free port of 127.0.0.1, and for each number of
concurrent clients sends each address ``--requests`` requests per client (keep-alive, as a browser does),
anonymously. Each address is measured in the same run as ``/static/app.css`` on the same server, so the
figure to read is the throughput ratio, not the absolute rate (the machines are shared and noisy).
Bounded in count and time: every request has a 60 s timeout and the whole run stops the server at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
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

CLI = str(Path(sys.executable).parent / "chiiki-iot")
STATIC = "/static/app.css"
ADDRESSES = [
    STATIC,
    "/dashboard",
    "/api/v1/progress/kpis",
    "/dashboard/prefectures/13",
    "/dashboard/kpis/open-data-bodies",
    "/bodies",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _database(server_url: str | None, workdir: Path) -> Iterator[str]:
    if not server_url:
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    name = f"chiiki_load_bench_{os.getpid()}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def wait_until_serving(base: str, seconds: float = 300) -> None:
    """Until the server at ``base`` answers (migrations and a first start can take a while), bounded."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/api/v1/registry", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)


@contextmanager
def _server(url: str, workers: int) -> Iterator[str]:
    env = {**os.environ, "CHIIKI_DATABASE_URL": url, "CHIIKI_DEMO_MODE": "true"}
    subprocess.run([CLI, "init"], env=env, check=True, capture_output=True, timeout=600)
    subprocess.run([CLI, "demo"], env=env, check=True, capture_output=True, timeout=600)
    port = _free_port()
    server = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _client(base: str, path: str, count: int, times: list[float], failures: list[int]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for _ in range(count):
            started = time.perf_counter()
            response = await client.get(path)
            times.append(time.perf_counter() - started)
            if response.status_code >= 300:
                failures.append(response.status_code)


async def _measure(base: str, path: str, clients: int, requests: int) -> dict[str, float]:
    times: list[float] = []
    failures: list[int] = []
    await _client(base, path, 2, [], [])  # warm: the first visitor's computation is not the read mix
    started = time.perf_counter()
    await asyncio.gather(*(_client(base, path, requests, times, failures) for _ in range(clients)))
    elapsed = time.perf_counter() - started
    times.sort()
    return {
        "rate": len(times) / elapsed,
        "p50": statistics.median(times) * 1000,
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
        "failures": len(failures),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--requests", type=int, default=40, help="per client and address")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        _database(args.database, Path(tmp)) as url,
        _server(url, args.workers) as base,
    ):
        print(
            f"\n{'PostgreSQL' if args.database else 'SQLite'}, {args.workers} worker(s), demo history, anonymous\n"
        )
        print("| clients | address | req/s | of static | p50 ms | p99 ms | non-2xx |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for clients in (int(c) for c in args.clients.split(",")):
            results = {p: asyncio.run(_measure(base, p, clients, args.requests)) for p in ADDRESSES}
            static = results[STATIC]["rate"]
            for path, r in results.items():
                print(
                    f"| {clients} | `{path}` | {r['rate']:,.0f} | {r['rate'] / static:.0%} | "
                    f"{r['p50']:,.1f} | {r['p99']:,.1f} | {r['failures']:.0f} |"
                )


if __name__ == "__main__":
    main()
