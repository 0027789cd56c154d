"""Benchmark of the foundation: loading reference data, searching the registry, rendering the maps.

Run on its own: ``.venv/bin/python bench/registry_bench.py [DATABASE_URL]``. It creates its own
database (a temporary SQLite file by default; a PostgreSQL URL's public schema is dropped and recreated),
so never point it at a database you care about. Results go to stdout as a Markdown table for
docs/benchmarks.md.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import MetaData, text
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.app import initialise
from chiiki_iot.core.db import make_engine
from chiiki_iot.registry import maps, service
from chiiki_iot.registry.importers import apply_boundary_import, plan_boundary_import
from chiiki_iot.web.charts import clear_cache

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

OPERATOR = Principal(actor="test-operator", grants=(Grant(Role.SECRETARIAT),), via="cli")


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and max wall time in milliseconds over ``repeat`` runs."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), max(samples)


def print_results(heading: str, rows: list[tuple[str, float, float]]) -> None:
    """The Markdown table that docs/benchmarks.md takes."""
    print(f"{heading}\n")
    print("| operation | median ms | max ms |\n|---|---:|---:|")
    for name, median, worst in rows:
        print(f"| {name} | {median:,.1f} | {worst:,.1f} |")


def reset(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            meta = MetaData()
            meta.reflect(conn)
            meta.drop_all(conn)
    engine.dispose()


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    reset(url)
    engine = make_engine(url)
    rows: list[tuple[str, float, float]] = []
    rows.append(("first start: migrate + load registry and roadmap", *timed(lambda: initialise(engine), 1)))
    with Session(engine) as session:
        for name in ("prefectures.topojson", "municipalities.topojson"):
            data = (SHARED / "boundaries" / name).read_bytes()
            plan = plan_boundary_import(session, data=data, file_name=name)
            apply_boundary_import(session, plan, principal=OPERATOR)
        session.commit()
        for query in ("さっぽろ", "府中", "01100", "ｶﾏｶﾞﾔ", "東京都府中市", "札幌市北区"):
            rows.append((f"search '{query}'", *timed(lambda q=query: service.search_bodies(session, q), 50)))
        directory = service.BodyFilter()
        rows.append(
            (
                "directory page 1 (50 of 1,741)",
                *timed(lambda: service.list_bodies(session, filters=directory, limit=50), 50),
            )
        )
        rows.append(
            (
                "all municipalities as one list (CSV export)",
                *timed(lambda: service.list_bodies(session, filters=directory, limit=5000), 10),
            )
        )
        hokkaido = service.get_body(session, "010006")

        def cold(prefecture):  # type: ignore[no-untyped-def]
            def run() -> None:
                clear_cache()
                maps.map_svg(session, prefecture=prefecture, lang="ja")

            return run

        rows.append(("national map SVG, cold", *timed(cold(None), 3)))
        rows.append(("Hokkaido map SVG with 179 shapes, cold", *timed(cold(hokkaido), 3)))
        rows.append(
            (
                "prefecture tile map SVG, cold",
                *timed(lambda: (clear_cache(), maps.tile_map_svg(session, lang="ja")), 3),
            )
        )
        rows.append(
            (
                "national map SVG, cached",
                *timed(lambda: maps.map_svg(session, prefecture=None, lang="ja"), 20),
            )
        )
    print_results(f"database: {engine.dialect.name}", rows)


if __name__ == "__main__":
    main()
