"""Benchmark of status history queries at national volume and beyond.

``.venv/bin/python bench/adoption_bench.py [DATABASE_URL] [SCALE]``. One unit of volume is a status for
every prefecture and municipality (1,788) on every model (23) in each of five annual rounds (FY2016–FY2020):
205,620 rows. SCALE multiplies the rounds (10 → fifty rounds). Rows are inserted directly (no audit) and
the condensed history the figures read is rebuilt once (``adoption.year_ends``), then
a body's page data, a model's national adoption and its stage counts are timed as of a fiscal-year end.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from chiiki_iot.adoption import service, year_ends
from chiiki_iot.adoption.ladder import LADDER
from chiiki_iot.adoption.models import StatusChange
from chiiki_iot.app import initialise
from chiiki_iot.core.db import make_engine
from chiiki_iot.registry.models import MUNICIPAL_KINDS, Body, BodyKind
from chiiki_iot.roadmap import service as roadmap

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from registry_bench import print_results, reset, timed


def fill(session: Session, scale: int) -> int:
    rng = random.Random(2017)
    codes = list(
        session.scalars(select(Body.code).where(Body.kind.in_([*MUNICIPAL_KINDS, BodyKind.PREFECTURE])))
    )
    models = [m.slug for m in roadmap.list_models(session)]
    now, total, batch = dt.datetime.now(dt.UTC), 0, []
    for round_ in range(5 * scale):
        day = dt.date(2016, 9, 30) + dt.timedelta(days=round_ * 365 // scale)
        for code in codes:
            for model in models:
                batch.append(
                    {
                        "body_code": code,
                        "model_slug": model,
                        "stage": rng.choice(LADDER).value,
                        "effective_on": day,
                        "source_kind": "survey",
                        "source_ref": f"bench-{round_}",
                        "evidence": {},
                        "recorded_at": now,
                        "recorded_by": "bench",
                        "is_synthetic": True,
                    }
                )
                if len(batch) == 20_000:
                    session.execute(insert(StatusChange), batch)
                    total, batch = total + len(batch), []
    if batch:
        session.execute(insert(StatusChange), batch)
        total += len(batch)
    year_ends.rebuild(session)  # rows inserted around the service, as a restore would be: summarised once
    session.commit()
    return total


def main() -> None:
    url = (
        sys.argv[1]
        if len(sys.argv) > 1 and "://" in sys.argv[1]
        else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    )
    scale = int(sys.argv[-1]) if sys.argv[-1].isdigit() else 1
    reset(url)
    engine = make_engine(url)
    initialise(engine)
    with Session(engine) as session:
        start = time.perf_counter()
        rows = fill(session, scale)
        load_s = time.perf_counter() - start
        if engine.dialect.name == "postgresql":
            session.connection().exec_driver_sql("ANALYZE status_changes")
            session.commit()
        fy_end = dt.date(2020, 3, 31)
        results = [
            (
                "a body's page data: status of every model as of 2020-03-31",
                *timed(lambda: service.status_of_body(session, "011002", as_of=fy_end), 30),
            ),
            ("a body's whole timeline", *timed(lambda: service.history(session, "011002"), 30)),
            (
                "a model's adoption list, all bodies, as of 2020-03-31",
                *timed(lambda: service.adoption_of_model(session, "open-data", as_of=fy_end), 5),
            ),
            (
                "a model's stage counts, as of 2020-03-31",
                *timed(lambda: service.stage_counts(session, "open-data", as_of=fy_end), 5),
            ),
        ]
    print_results(
        f"database: {engine.dialect.name}, scale {scale}: {rows:,} history rows (inserted in {load_s:.1f} s)",
        results,
    )


if __name__ == "__main__":
    main()
