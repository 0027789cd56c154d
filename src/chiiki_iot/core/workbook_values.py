"""The cell values of an uploaded workbook, read in an isolated process (``core.isolation``).

Importers plan from these plain values instead of from an open openpyxl workbook, so that reading the
file — the part whose cost the sender controls — happens before and outside any database transaction,
under its own limits, and a commit holds SQLite's write lock only for the writes.

``WorkbookValues`` and ``SheetValues`` offer the small part of openpyxl's read-only interface the
importers use (``sheetnames``, ``worksheets``, ``book[title]``, ``iter_rows(values_only=True)``,
``max_row``, ``max_column``), so planning code reads the same either way.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from chiiki_iot.core import spreadsheets
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.isolation import run_isolated
from chiiki_iot.core.settings import get_settings

Row = tuple[object, ...]


@dataclass(frozen=True)
class Cell:
    value: object


@dataclass
class SheetValues:
    """One worksheet's values, rows from 1, each row without its trailing empty cells."""

    title: str
    rows: list[Row] = field(default_factory=list)

    @property
    def max_row(self) -> int:
        return len(self.rows)

    @property
    def max_column(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def iter_rows(
        self,
        min_row: int = 1,
        max_row: int | None = None,
        max_col: int | None = None,
        values_only: bool = True,
    ) -> Iterator[Row]:
        """Rows ``min_row``..``max_row`` as value tuples, padded or cut to ``max_col`` where given."""
        assert values_only, "only values were read"
        for row in self.rows[min_row - 1 : max_row]:
            if max_col is None:
                yield row
            else:
                yield (row + (None,) * (max_col - len(row)))[:max_col]

    def __getitem__(self, reference: str) -> Cell:
        """``sheet["B1"]``: one cell by its A1 reference."""
        column, row = spreadsheets.cell_position(reference)
        cells = self.rows[row - 1] if row <= len(self.rows) else ()
        return Cell(cells[column - 1] if column <= len(cells) else None)


@dataclass
class WorkbookValues:
    """Every worksheet's values (chart sheets hold none and are left out) and the custom properties."""

    worksheets: list[SheetValues]
    properties: dict[str, str]

    @property
    def sheetnames(self) -> list[str]:
        return [s.title for s in self.worksheets]

    def __getitem__(self, title: str) -> SheetValues:
        return next(s for s in self.worksheets if s.title == title)


def read_workbook(data: bytes, *, name: str, max_rows: int) -> WorkbookValues:
    """The values of an uploaded .xlsx, read in a child process limited by the settings
    ``upload_parse_seconds`` and ``upload_parse_memory_bytes``. The cheap checks of ``check_xlsx`` come
    first, in this process; a sheet longer than ``max_rows`` or wider than ``MAX_COLUMNS`` is refused."""
    spreadsheets.check_xlsx(data, name=name, max_rows=max_rows)
    settings = get_settings()
    return run_isolated(
        _read,
        data,
        name,
        max_rows,
        settings.upload_parse_seconds,
        seconds=settings.upload_parse_seconds + 5,  # the child stops itself first, with a row count
        memory_bytes=settings.upload_parse_memory_bytes,
        what_ja=f"「{name}」",
        what_en=f"'{name}'",
    )


def _read(data: bytes, name: str, max_rows: int, seconds: float) -> WorkbookValues:
    """The child's work: a streamed (read-only) parse, every sheet's size checked again as openpyxl sees
    it (a sheet may sit outside ``xl/worksheets`` or declare a false size)."""
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidInput(
            f"「{name}」を Excel ブック（.xlsx）として開けません。",
            f"'{name}' cannot be opened as an Excel workbook (.xlsx).",
        ) from exc
    started = time.monotonic()
    try:
        sheets = [_read_sheet(ws, name, max_rows, started + seconds) for ws in book.worksheets]
        properties = {p.name: str(p.value) for p in book.custom_doc_props.props if p.value is not None}
    finally:
        book.close()
    return WorkbookValues(sheets, properties)


def _read_sheet(ws, name: str, max_rows: int, deadline: float) -> SheetValues:
    spreadsheets.check_sheet_size(ws.max_row, ws.max_column, name=name, sheet=ws.title, max_rows=max_rows)
    ws.reset_dimensions()  # the declared size may lie: read what is there, up to the limits
    rows: list[Row] = []
    for number, cells in enumerate(
        ws.iter_rows(max_row=max_rows + 1, max_col=spreadsheets.MAX_COLUMNS, values_only=True), start=1
    ):
        if number > max_rows:
            raise spreadsheets.too_many_rows(name=name, sheet=ws.title, rows=None, max_rows=max_rows)
        if number % 1000 == 0 and time.monotonic() > deadline:
            raise InvalidInput(
                f"「{name}」の読み取りが時間の上限を超えたため、{number:,} 行目で中止しました。",
                f"Reading '{name}' ran out of time and was stopped at row {number:,}.",
            )
        rows.append(_trimmed(cells))
    while rows and not rows[-1]:
        rows.pop()
    return SheetValues(ws.title, rows)


def _trimmed(cells: Row) -> Row:
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return tuple(cells[:end])


@dataclass(frozen=True)
class CellMark:
    """One problem to mark in an annotated copy: where (sheet, row, column from 1) and why."""

    sheet: str
    row: int
    column: int
    column_name: str
    message_ja: str
    message_en: str


def annotated_copy(data: bytes, *, name: str, marks: list[CellMark]) -> bytes:
    """The workbook as sent, each marked cell red with a comment, and a first sheet listing every problem,
    so the sender can fix the file they know. Loading a workbook for editing takes it whole into memory,
    so this too runs isolated; the caller decides first whether the file is small enough to try."""
    settings = get_settings()
    return run_isolated(
        _annotate,
        data,
        marks,
        seconds=settings.upload_parse_seconds,
        memory_bytes=settings.upload_parse_memory_bytes,
        what_ja=f"「{name}」",
        what_en=f"'{name}'",
    )


def _annotate(data: bytes, marks: list[CellMark]) -> bytes:
    book = load_workbook(io.BytesIO(data), data_only=True)
    red = PatternFill("solid", fgColor="FFC7CE")
    listing = book.create_sheet("エラー一覧", 0)
    listing.append(["シート / sheet", "行 / row", "列 / column", "内容", "problem"])
    for mark in marks:
        sheet = book[mark.sheet]
        sheet.protection.sheet = False
        cell = sheet.cell(row=mark.row, column=mark.column)
        cell.fill = red
        cell.comment = Comment(f"{mark.message_ja}\n{mark.message_en}", "chiiki-iot")
        listing.append([mark.sheet, mark.row, mark.column_name, mark.message_ja, mark.message_en])
    return spreadsheets.workbook_bytes(book)
