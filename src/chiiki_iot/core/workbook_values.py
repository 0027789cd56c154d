"""The cell values of an uploaded workbook, read in an isolated process (``core.isolation``).

Importers plan from these plain values instead of from an open openpyxl workbook, so that reading the
file — the part whose cost the sender controls — happens before and outside any database transaction,
under its own limits, and a commit holds SQLite's write lock only for the writes.

``WorkbookValues`` and ``SheetValues`` offer the small part of openpyxl's read-only interface the
importers use (``sheetnames``, ``worksheets``, ``book[title]``, ``iter_rows(values_only=True)``,
``max_row``, ``max_column``), so planning code reads the same either way.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.packaging.custom import CustomPropertyList
from openpyxl.styles import PatternFill
from openpyxl.xml.functions import fromstring
from python_calamine import CalamineSheet, CalamineWorkbook, SheetTypeEnum

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
        seconds=settings.upload_parse_seconds,
        memory_bytes=settings.upload_parse_memory_bytes,
        what_ja=f"「{name}」",
        what_en=f"'{name}'",
    )


def _read(data: bytes, name: str, max_rows: int) -> WorkbookValues:
    """The child's work: every worksheet's cells, read by calamine (a reader in Rust: the national survey
    workbook in a seventh of openpyxl's time), each sheet's size checked again as it really is (a sheet
    may sit outside ``xl/worksheets`` or declare a false size). Values come as openpyxl gives them, which
    the importers were written against: empty cells None, whole numbers int, dates datetime. calamine reads
    a formula's error (``#N/A``, ``#DIV/0!``) as empty, which would pass a broken answer as no answer: a
    workbook holding one is read by openpyxl instead, which gives the error's text to be refused."""
    try:
        if _has_error_cells(data):
            return _read_by_openpyxl(data, name, max_rows)
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [
            _read_sheet(book.get_sheet_by_name(meta.name), name, max_rows)
            for meta in book.sheets_metadata
            if meta.typ == SheetTypeEnum.WorkSheet  # chart sheets hold no cells
        ]
        properties = _custom_properties(data)
    except InvalidInput:
        raise
    except Exception as exc:  # a file that is not a workbook fails in many ways
        raise InvalidInput(
            f"「{name}」を Excel ブック（.xlsx）として開けません。",
            f"'{name}' cannot be opened as an Excel workbook (.xlsx).",
        ) from exc
    return WorkbookValues(sheets, properties)


_ERROR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*\bt\s*=\s*[\"']e[\"']")


def _has_error_cells(data: bytes) -> bool:
    """Whether any part of the archive holds a cell of type error (``t="e"``)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return any(
            _ERROR_CELL.search(archive.read(member))
            for member in archive.namelist()
            if member.endswith(".xml")
        )


def _read_sheet(ws: CalamineSheet, name: str, max_rows: int) -> SheetValues:
    # The used range's far corner, counted from A1 (``height``/``width`` count from the first cell used,
    # so one value at GZ3 would pass as one column), checked before any row is built.
    rows_used, columns_used = (ws.end[0] + 1, ws.end[1] + 1) if ws.end else (0, 0)
    spreadsheets.check_sheet_size(rows_used, columns_used, name=name, sheet=ws.name, max_rows=max_rows)
    rows = [_trimmed(tuple(_as_openpyxl(v) for v in cells)) for cells in ws.to_python(skip_empty_area=False)]
    while rows and not rows[-1]:
        rows.pop()
    return SheetValues(ws.name, rows)


def _read_by_openpyxl(data: bytes, name: str, max_rows: int) -> WorkbookValues:
    """The slower, streamed reading (openpyxl read-only), each sheet read no further than the limits."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheets = []
        for ws in book.worksheets:
            spreadsheets.check_sheet_size(
                ws.max_row, ws.max_column, name=name, sheet=ws.title, max_rows=max_rows
            )
            ws.reset_dimensions()  # the declared size may lie: read what is there, up to the limits
            rows: list[Row] = []
            for cells in ws.iter_rows(
                max_row=max_rows + 1, max_col=spreadsheets.MAX_COLUMNS, values_only=True
            ):
                if len(rows) == max_rows:
                    raise spreadsheets.too_many_rows(name=name, sheet=ws.title, rows=None, max_rows=max_rows)
                rows.append(_trimmed(cells))
            while rows and not rows[-1]:
                rows.pop()
            sheets.append(SheetValues(ws.title, rows))
        properties = {p.name: str(p.value) for p in book.custom_doc_props.props if p.value is not None}
    finally:
        book.close()
    return WorkbookValues(sheets, properties)


def _as_openpyxl(value: object) -> object:
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # Excel stores 1 as a number; openpyxl reads it as int
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _custom_properties(data: bytes) -> dict[str, str]:
    """The workbook's custom document properties (where a survey workbook also names its round)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if CUSTOM_PROPERTIES not in archive.namelist():
            return {}
        found = CustomPropertyList.from_tree(fromstring(archive.read(CUSTOM_PROPERTIES)))
    return {p.name: str(p.value) for p in found.props if p.value is not None}


CUSTOM_PROPERTIES = "docProps/custom.xml"


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
