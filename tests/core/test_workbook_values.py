"""Uploaded workbooks are read in a child process by calamine; values come as the importers expect them,
and what calamine would lose or hide is caught: a formula's error, a cell far outside the limits."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook

from chiiki_iot.core import workbook_values
from chiiki_iot.core.errors import InvalidInput
from tests.adoption.test_upload_limits import with_sheet


def _book(**cells: object) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "回答"
    for reference, value in cells.items():
        sheet[reference] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_values_come_as_the_importers_expect_them() -> None:
    data = _book(A1="011002", B1=3, C1=2.5, D1=dt.date(2020, 3, 31), E1=True, B2="x")
    rows = workbook_values.read_workbook(data, name="t.xlsx", max_rows=10)["回答"].rows
    assert rows == [("011002", 3, 2.5, dt.datetime(2020, 3, 31), True), (None, "x")]


def test_an_error_in_a_cell_is_read_as_the_error_not_as_empty() -> None:
    """A broken formula's #N/A must be refused as an answer, not skipped as a blank one."""
    rows = workbook_values.read_workbook(_book(A1="011002", F1="#N/A"), name="t.xlsx", max_rows=10)[
        "回答"
    ].rows
    assert rows == [("011002", None, None, None, None, "#N/A")]


def test_one_value_far_to_the_right_is_refused_by_the_column_limit() -> None:
    """The sheet declares A1:A1 but holds one value at GZ3: counted from A1, it is 208 columns wide."""
    lone = b'<row r="3"><c r="GZ3" t="inlineStr"><is><t>x</t></is></c></row>'
    with pytest.raises(InvalidInput) as refused:
        workbook_values.read_workbook(with_sheet([lone], dimension=b"A1:A1"), name="t.xlsx", max_rows=10)
    assert "208 列あります" in refused.value.message_ja and "208 columns" in refused.value.message_en
