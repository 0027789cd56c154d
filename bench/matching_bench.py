"""Ranking 100,000 solutions for one need (issue 14: under 100 ms warm), on SQLite and PostgreSQL.

``.venv/bin/python bench/matching_bench.py [--database URL] [--solutions 100000] [--repeat 20]``

A fresh site (temporary SQLite, or a database of its own on the PostgreSQL server of ``--database``) gets
``--solutions`` catalogue entries, made by recombining the development set's solutions
(tests/network/data/matching_eval.jsonl) with numbered variations, written in bulk. Then, for needs of that
set, ``network.ranking.solutions_for_need`` (what the need page and the API call) is timed: the first call
builds the index; the warm calls are the figure. Side by side in the same run, the baseline is numpy
sorting 100,000 random floats (a fixed amount of work, to read the ratio against on a noisy machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_bench import CLI, _database

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.core import bulk
from chiiki_iot.core.db import make_engine
from chiiki_iot.network import hub, ranking
from chiiki_iot.network.models import Solution

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "network" / "data" / "matching_eval.jsonl"
ADMIN = Principal(actor="bench", grants=(Grant(Role.SECRETARIAT),), via="cli")


def _rows(count: int) -> list[dict]:
    lines = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    base = [r for r in lines if r["type"] == "solution"]
    now = dt.datetime.now(dt.UTC)
    return [
        {
            "organisation_slug": "tca",
            "title": f"{base[i % len(base)]['title']} 第{i}版",
            "description": base[i % len(base)]["description"]
            + base[(i * 7 + 3) % len(base)]["description"][:40],
            "model_slugs": base[i % len(base)].get("models", []),
            "regions": base[i % len(base)].get("regions", []),
            "price_min_yen": (base[i % len(base)].get("price_yen") or [None])[0],
            "price_max_yen": (base[i % len(base)].get("price_yen") or [None, None])[1],
            "track_record": "",
            "project_ids": [],
            "active": True,
            "created_by": "bench",
            "created_at": now,
            "version": 1,
        }
        for i in range(count)
    ]


def _needs(session: Session, count: int) -> list[hub.Need]:
    lines = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    needs = [r for r in lines if r["type"] == "need"][:count]
    return [
        hub.Need(
            body_code=r["body"],
            title=r["title"],
            description=r["description"],
            model_slugs=r.get("models", []),
            budget_yen=r.get("budget_yen"),
            status="published",
        )
        for r in needs
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=None)
    parser.add_argument("--solutions", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, _database(args.database, Path(workdir)) as url:
        subprocess.run(
            [CLI, "init"], env={"CHIIKI_DATABASE_URL": url, "PATH": ""}, check=True, capture_output=True
        )
        engine = make_engine(url)
        with Session(engine) as session:
            started = time.perf_counter()
            bulk.insert_rows(session, Solution, _rows(args.solutions))
            session.commit()
            print(f"wrote {args.solutions:,} solutions in {time.perf_counter() - started:.1f} s")
        with Session(engine) as session:
            needs = _needs(session, 10)
            started = time.perf_counter()
            ranking.solutions_for_need(session, needs[0], limit=10)
            print(f"first call (builds the index): {time.perf_counter() - started:.1f} s")
            warm, baseline = [], []
            values = np.random.default_rng(1).random(100_000)
            for i in range(args.repeat):
                started = time.perf_counter()
                ranking.solutions_for_need(session, needs[i % len(needs)], limit=10)
                warm.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                np.sort(values)
                baseline.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    w, b = statistics.median(warm), statistics.median(baseline)
    print(
        f"{url.split(':')[0]}: warm rank of {args.solutions:,} for one need: median {w:.1f} ms, max {max(warm):.1f} ms; "
        f"baseline np.sort(100,000) median {b:.2f} ms; ratio {w / b:.1f}×"
    )


if __name__ == "__main__":
    main()
