"""Benchmark of the survey's national workbook: write it, fill every answer, preview it, commit it.

``.venv/bin/python bench/survey_bench.py [DATABASE_URL]``: a fresh database (temporary SQLite by default),
one round over every model, 1,788 bodies × 23 models = 41,124 answer rows. Budget (issue 4): the national
import committed in under 10 s.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import tempfile
import time

from openpyxl import load_workbook
from sqlalchemy.orm import Session

from chiiki_iot.accounts.audit_recorder import act_as
from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.adoption import survey
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.adoption.workbooks import SHEET, apply_workbook, plan_workbook, write_workbook
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
    print(f"database: {engine.dialect.name}; workbook {len(data):,} bytes\n")
    print("| step | seconds |\n|---|---:|")
    for name, seconds in timings:
        print(f"| {name} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
