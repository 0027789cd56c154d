"""Workbooks we generate carry text as text: a name starting with = is never stored as a formula."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from chiiki_iot.core.spreadsheets import workbook_bytes


def test_text_that_looks_like_a_formula_is_saved_as_text() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["札幌市", '=HYPERLINK("http://evil.example","開く")', 42])
    saved = load_workbook(io.BytesIO(workbook_bytes(book)))
    cell = saved.active["B1"]  # type: ignore[index]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil.example","開く")'
    assert saved.active["C1"].value == 42  # type: ignore[index]
