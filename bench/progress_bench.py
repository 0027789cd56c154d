"""Benchmark of the national dashboard's data and the national PDCA workbook.

``.venv/bin/python bench/progress_bench.py [DATABASE_URL] [SCALE]``. The history is the one
``adoption_bench.py`` writes (SCALE × five annual rounds for all 1,788 bodies × 23 models). The dashboard's data is what ``/dashboard`` computes: every KPI's progress for
the nation, the funnel of one model and the support needs. Cold = the facts cache emptied first (one sweep
through the history); warm = the cache as a second visitor finds it.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))
from adoption_bench import fill
from registry_bench import print_results, reset, timed

from chiiki_iot.adoption.models import InputValue, SurveyResponse, SurveyRound
from chiiki_iot.app import initialise
from chiiki_iot.core.db import make_engine
from chiiki_iot.progress import facts, funnel, service
from chiiki_iot.registry.models import MUNICIPAL_KINDS, Body, BodyKind
from chiiki_iot.reports import pdca
from chiiki_iot.roadmap import service as roadmap

AS_OF = dt.date(2021, 3, 31)


def dashboard(session: Session) -> None:
    service.overview(session, service.NATION, as_of=AS_OF)
    funnel.funnel(session, "open-data", service.NATION, as_of=AS_OF)
    funnel.held_back(session, service.NATION, as_of=AS_OF)


def cold(session: Session) -> None:
    facts.clear()
    dashboard(session)


def national_workbook(session: Session) -> None:
    report = pdca.build(session, scope=service.NATION, as_of=AS_OF)
    pdca.workbook(session, report)


def figures(session: Session, scale: int) -> int:
    """KPI input figures as the surveys bring them: every body reports every input in each of SCALE × five
    rounds, each round's answers half approved by the prefecture (so carrying figures forward and telling
    provisional from approved both have work to do)."""
    codes = list(
        session.scalars(select(Body.code).where(Body.kind.in_([*MUNICIPAL_KINDS, BodyKind.PREFECTURE])))
    )
    inputs = [i.slug for i in roadmap.list_kpi_inputs(session)]
    now, total = dt.datetime.now(dt.UTC), 0
    for round_ in range(5 * scale):
        year = 2016 + round_ * 5 // (5 * scale)
        survey = SurveyRound(
            slug=f"bench-fig-{round_}",
            fiscal_year=year,
            title="bench",
            as_of=dt.date(year + 1, 3, 31),
            deadline=dt.date(year + 1, 5, 31),
            model_slugs=[],
            input_slugs=inputs,
            state="closed",
            opened_by="bench",
        )
        session.add(survey)
        session.flush()
        session.execute(
            insert(SurveyResponse),
            [
                {
                    "round_id": survey.id,
                    "body_code": c,
                    "state": "confirmed" if i % 2 else "submitted",
                    "submitted_at": now,
                    "submitted_by": "bench",
                }
                for i, c in enumerate(codes)
            ],
        )
        rows = [
            {
                "body_code": c,
                "input_slug": s,
                "fiscal_year": year,
                "value": float(i % 97),
                "source_kind": "survey",
                "source_ref": survey.slug,
                "recorded_at": now,
                "recorded_by": "bench",
                "is_synthetic": True,
            }
            for i, c in enumerate(codes)
            for s in inputs
        ]
        session.execute(insert(InputValue), rows)
        total += len(rows)
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
        rows = fill(session, scale)
        if engine.dialect.name == "postgresql":
            session.connection().exec_driver_sql("ANALYZE")
            session.commit()
        baseline = (
            "baseline: the dashboard's data, cold, before any figure is reported",
            *timed(lambda: cold(session), 3),
        )
        reported = figures(session, scale)
        if engine.dialect.name == "postgresql":
            session.connection().exec_driver_sql("ANALYZE")
            session.commit()
        results = [
            baseline,
            ("the national dashboard's data, cold (facts read afresh)", *timed(lambda: cold(session), 3)),
            ("the national dashboard's data, warm (cached facts)", *timed(lambda: dashboard(session), 20)),
            ("the national PDCA workbook (warm facts)", *timed(lambda: national_workbook(session), 3)),
        ]
    print_results(
        f"database: {engine.dialect.name}, scale {scale}: {rows:,} history rows, {reported:,} reported "
        f"figures; cold with figures / baseline = {results[1][1] / baseline[1]:.2f}",
        results,
    )


if __name__ == "__main__":
    main()
