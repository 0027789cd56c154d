"""The survey deadline under load (issue 13): every body answers while readers browse, against a real server.

``.venv/bin/python bench/deadline_bench.py [--database URL] [--workers N] [--bodies N] [--writers 16]
[--readers 32] [--minutes 10]``

A fresh site (temporary SQLite by default, or a database of its own on the PostgreSQL server of
``--database``) with one round on five models and a signed-in account for every counted body. Then, against
``chiiki-iot serve`` on 127.0.0.1, ``--writers`` bodies at a time sign in and send their answer — every tenth
by uploading its workbook (download, fill, upload, preview, commit), the others through the online form —
while ``--readers`` anonymous readers loop over the dashboard, the KPI list, a prefecture dashboard and the
directory. Bounded: each request has a 60 s timeout, the whole load stops after ``--minutes``, and the
server is stopped at the end. Afterwards the database is checked: every body answered exactly once, and no
body's model has two status changes from the round.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import io
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
import sqlalchemy as sa
from argon2 import PasswordHasher
from openpyxl import load_workbook
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import _database, _free_port, wait_until_serving

from chiiki_iot.accounts.models import RoleGrant, User
from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.adoption import survey
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.core.db import make_engine
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

CLI = str(Path(sys.executable).parent / "chiiki-iot")
PASSWORD = "deadline-bench-password"
OPERATOR = Principal(actor="bench", grants=(Grant(Role.SECRETARIAT),), via="cli")
READS = ["/dashboard", "/api/v1/progress/kpis", "/dashboard/prefectures/13", "/bodies"]
STAGES = [s.value for s in (Stage.INTERESTED, Stage.CONSIDERING, Stage.DEMONSTRATING, Stage.IMPLEMENTED)]


def _prepare(url: str, bodies: int) -> tuple[str, list[str], list[str]]:
    """A round on five models and an account for each of ``bodies`` counted bodies (one cheap hash shared
    by all: the bench measures the deadline, not argon2)."""
    env = {**os.environ, "CHIIKI_DATABASE_URL": url}
    subprocess.run([CLI, "init"], env=env, check=True, capture_output=True, timeout=600)
    engine = make_engine(url)
    shared_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with Session(engine) as session, session.begin():
        models = [m.slug for m in roadmap.list_models(session)][:5]
        fy = survey.open_round(
            session, principal=OPERATOR, fiscal_year=2030, deadline=dt.date(2031, 5, 31),
            force=True, model_slugs=models,
        )  # fmt: skip
        counted = registry.counted_bodies(session)[:bodies]
        codes = [b.code for b in counted]
        for body in counted:
            code = body.code
            role = Role.PREFECTURE if body.kind == "prefecture" else Role.MUNICIPALITY
            user = User(email=f"body-{code}@bench.invalid", display_name=code, password_hash=shared_hash,
                        created_at=dt.datetime.now(dt.UTC))  # fmt: skip
            user.grants.append(RoleGrant(role=role.value, scope=code, granted_at=user.created_at))
            session.add(user)
        slug = fy.slug
    engine.dispose()
    return slug, models, codes


async def _signed_in(base: str, code: str, log: dict[str, list[float]]) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=60)
    await client.get("/login")
    started = time.perf_counter()
    answer = await client.post(
        "/login",
        data={
            "email": f"body-{code}@bench.invalid",
            "password": PASSWORD,
            "csrf_token": client.cookies["chiiki_csrf"],
        },
    )
    log["sign-in"].append(time.perf_counter() - started)
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in {code}: {answer.status_code}")
    return client


async def _online(client: httpx.AsyncClient, slug: str, code: str, models: list[str], log) -> None:
    form = {f"stage__{m}": random.choice(STAGES) for m in models}
    started = time.perf_counter()
    answer = await client.post(
        f"/survey/{slug}/bodies/{code}/answer",
        data={**form, "action": "submit", "csrf_token": client.cookies["chiiki_csrf"]},
    )
    log["online answer"].append(time.perf_counter() - started)
    if answer.status_code != 303:
        raise RuntimeError(f"online answer {code}: {answer.status_code} {answer.text[:300]}")


async def _upload(client: httpx.AsyncClient, slug: str, code: str, log) -> None:
    started = time.perf_counter()
    book = load_workbook(
        io.BytesIO((await client.get(f"/survey/{slug}/workbook.xlsx", params={"body": code})).content)
    )
    sheet = book["回答"]
    header = [c.value for c in sheet[1]]
    column = header.index("今回の段階") + 1
    for row in range(2, sheet.max_row + 1):
        sheet.cell(row, column).value = random.choice(STAGES)
    out = io.BytesIO()
    book.save(out)
    csrf = client.cookies["chiiki_csrf"]
    staged = await client.post(
        f"/survey/{slug}/uploads", files={"file": ("回答.xlsx", out.getvalue())}, data={"csrf_token": csrf}
    )
    if staged.status_code != 303:
        raise RuntimeError(f"upload {code}: {staged.status_code} {staged.text[:300]}")
    preview = await client.get(staged.headers["location"])
    if preview.status_code != 200:
        raise RuntimeError(f"preview {code}: {preview.status_code} {preview.text[:300]}")
    committed = await client.post(staged.headers["location"], data={"csrf_token": csrf})
    log["workbook upload"].append(time.perf_counter() - started)
    if committed.status_code != 303:
        raise RuntimeError(f"commit {code}: {committed.status_code} {committed.text[:300]}")


async def _load(
    base: str, slug: str, models: list[str], codes: list[str], args
) -> tuple[dict, list[str], int]:
    log: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    writers = asyncio.Semaphore(args.writers)
    done = asyncio.Event()
    deadline = time.monotonic() + args.minutes * 60

    async def body(index: int, code: str) -> None:
        async with writers:
            if time.monotonic() > deadline:
                errors.append(f"{code}: not sent before the time limit")
                return
            try:
                client = await _signed_in(base, code, log)
                try:
                    if index % 10 == 0:
                        await _upload(client, slug, code, log)
                    else:
                        await _online(client, slug, code, models, log)
                finally:
                    await client.aclose()
            except Exception as error:  # every failure is counted and shown, never hidden
                errors.append(f"{code}: {error!r}"[:300])

    async def reader() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            while not done.is_set() and time.monotonic() < deadline:
                path = random.choice(READS)
                started = time.perf_counter()
                try:
                    answer = await client.get(path)
                except httpx.TransportError as error:  # counted like any failure, and the reader goes on
                    errors.append(f"read {path}: {error!r}"[:300])
                    continue
                log["read"].append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors.append(f"read {path}: {answer.status_code}")

    readers = [asyncio.create_task(reader()) for _ in range(args.readers)]
    started = time.monotonic()
    await asyncio.gather(*(body(i, c) for i, c in enumerate(codes)))
    elapsed = time.monotonic() - started
    done.set()
    await asyncio.gather(*readers)
    return log, errors, int(elapsed)


def _check(url: str, slug: str) -> tuple[int, int]:
    """(bodies that answered, body × model pairs with more than one status change from the round)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        answered = conn.execute(
            sa.text("SELECT count(DISTINCT body_code) FROM status_changes WHERE source_ref = :s"), {"s": slug}
        ).scalar_one()
        doubled = conn.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT body_code, model_slug FROM status_changes WHERE source_ref = :s "
                "GROUP BY body_code, model_slug HAVING count(*) > 1) AS d"
            ),
            {"s": slug},
        ).scalar_one()
    engine.dispose()
    return answered, doubled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--bodies", type=int, default=1788)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--server-log", default="", help="a file for the server's output")
    args = parser.parse_args()
    random.seed(2017)
    with tempfile.TemporaryDirectory() as tmp, _database(args.database, Path(tmp)) as url:
        slug, models, codes = _prepare(url, args.bodies)
        port = _free_port()
        env = {**os.environ, "CHIIKI_DATABASE_URL": url, "CHIIKI_LOAD_REFERENCE_DATA_ON_START": "false"}
        log = open(args.server_log, "wb") if args.server_log else subprocess.DEVNULL
        server = subprocess.Popen(
            [CLI, "serve", "--port", str(port), "--workers", str(args.workers)],
            env=env, stdout=log, stderr=log,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(base)
            log, errors, seconds = asyncio.run(_load(base, slug, models, codes, args))
        finally:
            server.terminate()
            server.wait(timeout=30)
        answered, doubled = _check(url, slug)
    database = "PostgreSQL" if args.database else "SQLite"
    print(f"\n{database}, {args.workers} worker(s): {len(codes):,} bodies, {args.writers} at a time, "
          f"{args.readers} readers; {seconds} s; {len(errors)} errors\n")  # fmt: skip
    print("| class | requests | p50 ms | p99 ms |\n|---|---:|---:|---:|")
    for name, times in sorted(log.items()):
        times.sort()
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(f"| {name} | {len(times):,} | {statistics.median(times) * 1000:,.0f} | {p99 * 1000:,.0f} |")
    print(
        f"\nbodies with recorded answers: {answered:,} of {len(codes):,}; body × model pairs recorded twice: {doubled}"
    )
    for line in errors[:20]:
        print("  error:", line)


if __name__ == "__main__":
    main()
