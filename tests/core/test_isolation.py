"""Workbooks are read in a child process with its own time and memory limits (issue 12, finding 1): a
parse that runs too long is stopped, one that needs too much memory fails in the child, not in the server,
and a refusal from the reader reaches the user with its message intact."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest
from openpyxl import Workbook

from chiiki_iot.core import workbook_values
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.isolation import LimitExceeded, run_isolated

LIMITS = {"memory_bytes": 512 * 1024 * 1024, "what_ja": "「回答.xlsx」", "what_en": "'回答.xlsx'"}


def test_work_that_runs_too_long_is_stopped_at_its_budget() -> None:
    started = time.monotonic()
    with pytest.raises(LimitExceeded) as stopped:
        run_isolated(time.sleep, 60, seconds=0.5, **LIMITS)  # type: ignore[arg-type]
    assert time.monotonic() - started < 5
    assert (
        "0.5 秒を超えた" in stopped.value.message_ja and "longer than 0.5 seconds" in stopped.value.message_en
    )


def test_work_that_needs_too_much_memory_fails_in_the_child() -> None:
    with pytest.raises(LimitExceeded) as stopped:
        run_isolated(bytearray, 2 * 1024 * 1024 * 1024, seconds=30, **LIMITS)  # type: ignore[arg-type]
    assert "メモリが上限（512 MB）" in stopped.value.message_ja and "more memory" in stopped.value.message_en


def test_a_refusal_in_the_child_reaches_the_user_unchanged() -> None:
    with pytest.raises(InvalidInput) as refused:
        run_isolated(workbook_values._read, b"not a workbook", "回答.xlsx", 10, seconds=30, **LIMITS)  # type: ignore[arg-type]
    assert refused.value.message_ja == "「回答.xlsx」を Excel ブック（.xlsx）として開けません。"


def test_the_values_come_back_as_the_sheet_holds_them() -> None:
    book = Workbook()
    book.active.title = "回答"
    book.active.append(["団体コード", None, "今回の段階"])
    book.active.append(["011002", "札幌市", "実証中", None, None])
    out = io.BytesIO()
    book.save(out)
    values = workbook_values.read_workbook(out.getvalue(), name="回答.xlsx", max_rows=10)
    assert values.sheetnames == ["回答"]
    sheet = values["回答"]
    assert sheet.rows == [("団体コード", None, "今回の段階"), ("011002", "札幌市", "実証中")]
    assert sheet["C2"].value == "実証中" and sheet["Z9"].value is None
    assert list(sheet.iter_rows(min_row=2, max_col=4)) == [("011002", "札幌市", "実証中", None)]


SLOW_MAIN = """
import io, sys, time
from openpyxl import Workbook
from chiiki_iot.core.workbook_values import read_workbook
time.sleep(3)  # a main module that is slow to import, as the chiiki-iot script (the whole app) is
if __name__ == "__main__":
    book = Workbook()
    book.active.append(["団体コード"])
    out = io.BytesIO()
    book.save(out)
    started = time.monotonic()
    read_workbook(out.getvalue(), name="x.xlsx", max_rows=10)
    print(time.monotonic() - started)
"""


def test_the_reader_does_not_import_the_servers_main_module_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """multiprocessing re-runs the parent's main script in each child: for the server that was the whole
    application, 1.4 s before every workbook read."""
    script = tmp_path / "slow_main.py"
    script.write_text(SLOW_MAIN, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    assert float(done.stdout.strip()) < 2.0, done.stdout
