"""Benchmark of the survey's national workbook: write it, fill every answer, preview it, commit it.

``.venv/bin/python bench/survey_bench.py [DATABASE_URL]``: a fresh database (temporary SQLite by default),
one round over every model, 1,788 bodies × 23 models = 41,124 answer rows. Budget (issue 4): the national
import committed in under 10 s. Then the online answer of one body (issue 12, finding 3): preview and commit of
one body's 23 answers with the national history in place, each in its own transaction — budget ≤ 100 ms per
answer — against a baseline in the same run: the read the form made before, every body's status on every
model (``_stages_on``), which alone cost seconds per answer.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import statistics
import sys
import tempfile
import time

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiiki_iot.accounts.audit_recorder import act_as
from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.adoption import survey
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.adoption.workbooks import (
    SHEET,
    _stages_on,
    apply_workbook,
    plan_workbook,
    submit_form,
    write_workbook,
)
from chiiki_iot.app import initialise
from chiiki_iot.core.db import make_engine

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from registry_bench import reset

OPERATOR = Principal(actor="bench", grants=(Grant(Role.SECRETARIAT),), via="cli")


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    reset(url)
    engine = make_engine(url)
    initialise(engine)
    timings: list[tuple[str, float]] = []
    with Session(engine) as session:
        act_as(session, OPERATOR)
        fy = survey.open_round(
            session, principal=OPERATOR, fiscal_year=2019, deadline=dt.date(2020, 5, 31), force=True
        )
        session.commit()
        start = time.perf_counter()
        data = write_workbook(session, survey=fy)
        timings.append(
            ("write the national workbook (41,124 rows, validation, protection)", time.perf_counter() - start)
        )
        book = load_workbook(io.BytesIO(data))
        rng = random.Random(7)
        for row in book[SHEET].iter_rows(min_row=2, min_col=6, max_col=6):
            row[0].value = rng.choice(list(Stage)).value
        out = io.BytesIO()
        book.save(out)
        filled = out.getvalue()
        start = time.perf_counter()
        bare_read(filled)
        bare = time.perf_counter() - start
        timings.append(("baseline: a bare read-only openpyxl read of every cell of the same file", bare))
        start = time.perf_counter()
        plan = plan_workbook(session, survey=fy, data=filled, file_name="national.xlsx")
        timings.append(
            (
                "read and preview it (every cell checked, compared with the status in force)",
                time.perf_counter() - start,
            )
        )
        start = time.perf_counter()
        apply_workbook(session, survey=fy, plan=plan, principal=OPERATOR)
        session.commit()
        timings.append(
            (
                f"commit it ({plan.change_count:,} status changes with audit entries), all or nothing",
                time.perf_counter() - start,
            )
        )
        if engine.dialect.name == "postgresql":
            # As autovacuum would after a bulk load; without fresh statistics the planner assumes an empty table.
            session.connection().exec_driver_sql("ANALYZE status_changes; ANALYZE survey_responses")
            session.commit()
        start = time.perf_counter()
        again = plan_workbook(session, survey=fy, data=filled, file_name="national.xlsx")
        apply_workbook(session, survey=fy, plan=again, principal=OPERATOR)
        session.commit()
        timings.append(
            (f"upload the same workbook again ({again.change_count} changes)", time.perf_counter() - start)
        )
        imported = timings[2][1] + timings[3][1]
        timings.append(
            (
                "import (read, preview and commit) as a ratio of the bare read (×, not seconds)",
                imported / bare,
            )
        )
        timings.extend(online_answers(session, fy.slug))
    print(f"database: {engine.dialect.name}; workbook {len(data):,} bytes\n")
    print("| step | seconds |\n|---|---:|")
    for name, seconds in timings:
        print(f"| {name} | {seconds:.3f} |")


def bare_read(data: bytes) -> int:
    """Every cell value of every sheet, read-only and streamed: what no import can do in less time."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = sum(len(row) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    book.close()
    return cells


ONLINE_BODIES = 20
BASELINE_RUNS = 3


def online_answers(session: Session, slug: str) -> list[tuple[str, float]]:
    """Online answers of single bodies, each its own transaction, after the national history is in place."""
    fy = survey.get_round(session, slug)
    models = list(fy.model_slugs)
    rng = random.Random(11)
    codes = sorted({code for code, _ in _stages_on_pairs(session, fy)})[:: 1788 // ONLINE_BODIES][
        :ONLINE_BODIES
    ]
    baseline: list[float] = []
    for _ in range(BASELINE_RUNS):
        start = time.perf_counter()
        _stages_on(session, models, fy.as_of)
        baseline.append(time.perf_counter() - start)
    session.rollback()
    answers: list[float] = []
    for code in codes:
        form = {m: {"stage": rng.choice(list(Stage)).value} for m in models}
        start = time.perf_counter()
        submit_form(
            session, survey=survey.get_round(session, slug), body_code=code, answers=form, principal=OPERATOR
        )
        session.commit()
        answers.append(time.perf_counter() - start)
    base, one = statistics.median(baseline), statistics.median(answers)
    return [
        (
            f"before: the form's read of every body's status on {len(models)} models (median of {BASELINE_RUNS})",
            base,
        ),
        (f"online answer, one body: preview + commit of {len(models)} answers (median of {len(codes)})", one),
        (f"online answer, one body: slowest of {len(codes)}", max(answers)),
        (f"ratio before / after (×, not seconds): {base / one:.0f}", 0.0),
    ]


def _stages_on_pairs(session: Session, fy: survey.SurveyRound) -> list[tuple[str, str]]:
    """Every body with a status in the round, from one model's read (cheap: one model)."""
    return [
        (code, fy.model_slugs[0])
        for code in _stages_on(session, [fy.model_slugs[0]], fy.as_of)[fy.model_slugs[0]]
    ]


if __name__ == "__main__":
    main()
