"""Limits on the files users upload, checked before a parser sees them (issue 12, finding 1).

A 5 KB workbook with one cell at XFD1048576 made openpyxl iterate every row × column (> 4 GB), and a 10 MB
zip of 299 MB of XML took 5.4 GB. Everything here reads only what is cheap to read — the byte length, the
zip's central directory (sizes as declared, never decompressed) and the first kilobytes of each sheet — so
that a hostile file is refused in milliseconds with the limit it broke named in Japanese and English.

Python's ``zipfile`` stops decompressing a member at its declared size (and fails its CRC check if the data
goes on), so the declared sizes checked here really bound what a reader can unpack later (calamine reads
a sheet whole, within the reading process's memory limit; openpyxl streams it).
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any
from xml.etree import ElementTree

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.utils import column_index_from_string

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.settings import get_settings

MAX_COMPRESSION_RATIO = 100
"""Per zip member; the national survey workbook's largest sheet is 13.7:1, a zip bomb ~1,000:1."""
RATIO_CHECKED_FROM = 1024 * 1024
"""A member smaller than this cannot hurt whatever its ratio (an empty style sheet compresses well)."""
MAX_MEMBERS = 1000
MAX_WHOLE_PART = 16 * 1024 * 1024
"""Parts every reader takes whole (shared strings, styles, the workbook)."""
MAX_COLUMNS = 200
"""The survey sheets have 11 and 8 columns; a person may add a few notes, not hundreds."""
_HEAD = 64 * 1024
_DIMENSION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_TAIL = 64
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def check_upload_size(data: bytes, *, name: str, limit: int | None = None) -> None:
    """Refuse a file larger than the upload limit (``CHIIKI_UPLOAD_MAX_BYTES``, 10 MB by default)."""
    limit = limit if limit is not None else get_settings().upload_max_bytes
    if len(data) > limit:
        raise InvalidInput(
            f"「{name}」は大きすぎます（{_mb(len(data))}）。アップロードできるのは {_mb(limit)} までです。",
            f"'{name}' is too large ({_mb(len(data))}); uploads are limited to {_mb(limit)}.",
        )


@dataclass(frozen=True)
class SheetSize:
    """A worksheet part and the size its ``<dimension>`` declares (None where it declares none)."""

    part: str
    rows: int | None
    columns: int | None


def check_xlsx(data: bytes, *, name: str, max_rows: int | None = None) -> list[SheetSize]:
    """Refuse an .xlsx that would cost too much to open: too large, too many parts, too much unpacked XML,
    a part packed more tightly than a real workbook ever is, or a sheet declaring more rows than
    ``max_rows`` or more than ``MAX_COLUMNS`` columns. Returns each sheet's declared size."""
    check_upload_size(data, name=name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise InvalidInput(
            f"「{name}」を Excel ブック（.xlsx）として開けません。",
            f"'{name}' cannot be opened as an Excel workbook (.xlsx).",
        ) from exc
    with archive:
        if len(members) > MAX_MEMBERS:
            raise InvalidInput(
                f"「{name}」には部品が多すぎます（{len(members)} 個、{MAX_MEMBERS} 個まで）。",
                f"'{name}' has too many parts ({len(members)}; at most {MAX_MEMBERS}).",
            )
        unpacked_limit = get_settings().upload_max_unpacked_bytes
        unpacked = sum(m.file_size for m in members)
        if unpacked > unpacked_limit:
            raise InvalidInput(
                f"「{name}」は展開すると {_mb(unpacked)} になり、上限の {_mb(unpacked_limit)} を超えます。",
                f"'{name}' unpacks to {_mb(unpacked)}, more than the limit of {_mb(unpacked_limit)}.",
            )
        sheets: list[SheetSize] = []
        for member in members:
            _check_member(member, name)
        titles = _sheet_titles(archive)
        for member in members:
            if _is_sheet(member.filename):
                sheets.append(_declared_size(archive, member, name, max_rows, titles))
            elif member.file_size > MAX_WHOLE_PART:
                raise InvalidInput(
                    f"「{name}」の部品「{member.filename}」が大きすぎます（{_mb(member.file_size)}、"
                    f"{_mb(MAX_WHOLE_PART)} まで）。",
                    f"Part '{member.filename}' of '{name}' is too large ({_mb(member.file_size)}; "
                    f"at most {_mb(MAX_WHOLE_PART)}).",
                )
        return sheets


def _check_member(member: zipfile.ZipInfo, name: str) -> None:
    if member.file_size < RATIO_CHECKED_FROM:
        return
    ratio = member.file_size / max(member.compress_size, 1)
    if ratio > MAX_COMPRESSION_RATIO:
        raise InvalidInput(
            f"「{name}」の部品「{member.filename}」の圧縮率が高すぎます（{ratio:.0f}:1、"
            f"{MAX_COMPRESSION_RATIO}:1 まで）。Excel で保存し直したブックを提出してください。",
            f"Part '{member.filename}' of '{name}' is compressed too tightly ({ratio:.0f}:1; at most "
            f"{MAX_COMPRESSION_RATIO}:1). Submit a workbook saved by Excel.",
        )


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part → the title a person sees (「回答」), from the workbook part and its relationships (both
    small, already bounded); a part not found there is named by its path."""
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {
            r.get("Id"): "xl/" + (r.get("Target") or "").lstrip("/").removeprefix("xl/")
            for r in rels
            if r.get("Id")
        }
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        return {
            targets[rid]: sheet.get("name") or ""
            for sheet in book.iter(f"{{{_MAIN}}}sheet")
            if (rid := sheet.get(f"{{{_RELS}}}id")) in targets
        }
    except (KeyError, ElementTree.ParseError):
        return {}


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _is_sheet(part: str) -> bool:
    """Worksheets are the parts openpyxl streams; any other XML it reads whole."""
    return part.startswith("xl/worksheets/") and part.endswith(".xml") and part.count("/") == 2


def _declared_size(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    name: str,
    max_rows: int | None,
    titles: dict[str, str],
) -> SheetSize:
    """The sheet's ``<dimension ref>`` from its first kilobytes (only those are decompressed)."""
    title = titles.get(member.filename) or member.filename
    with archive.open(member) as stream:
        head = stream.read(_HEAD)
        data_at = _SHEET_DATA.search(head)
        found = _DIMENSION.search(head, 0, data_at.start() if data_at else len(head))
        if found is None:
            # openpyxl will parse the whole sheet to size it; count its rows first, which costs a pass
            # over the (bounded) XML in C, and refuse before that parse if there are too many.
            if max_rows is not None and _count_rows(head, stream) > max_rows:
                raise too_many_rows(name=name, sheet=title, rows=None, max_rows=max_rows)
            return SheetSize(member.filename, None, None)
    last = found.group(1).decode("ascii", "replace").split(":")[-1]
    cell = _CELL_REF.match(last.strip())
    if cell is None:
        return SheetSize(member.filename, None, None)
    rows, columns = int(cell.group(2)), column_index_from_string(cell.group(1).upper())
    check_sheet_size(rows, columns, name=name, sheet=title, max_rows=max_rows)
    return SheetSize(member.filename, rows, columns)


def _count_rows(head: bytes, stream: IO[bytes]) -> int:
    """How many ``<row`` elements the sheet's XML holds (a tag split across two chunks is caught by
    keeping each chunk's last bytes)."""
    count, tail, chunk = 0, b"", head
    while chunk:
        text = tail + chunk
        count += len(_ROW.findall(text))
        tail = text[-_TAIL:]
        count -= len(_ROW.findall(tail))  # counted again with the next chunk
        chunk = stream.read(1024 * 1024)
    return count + len(_ROW.findall(tail))


def check_sheet_size(
    rows: int | None, columns: int | None, *, name: str, sheet: str, max_rows: int | None
) -> None:
    """Refuse a sheet whose used range is beyond what the import can hold."""
    if columns is not None and columns > MAX_COLUMNS:
        raise InvalidInput(
            f"「{name}」の「{sheet}」は {columns:,} 列あります（{MAX_COLUMNS} 列まで）。"
            "余分な列を削除してから提出してください。",
            f"Sheet '{sheet}' of '{name}' has {columns:,} columns (at most {MAX_COLUMNS}). "
            "Delete the extra columns and submit it again.",
        )
    if max_rows is not None and rows is not None and rows > max_rows:
        raise too_many_rows(name=name, sheet=sheet, rows=rows, max_rows=max_rows)


def cell_position(reference: str) -> tuple[int, int]:
    """``"B1"`` → (column 2, row 1)."""
    cell = _CELL_REF.match(reference.strip())
    if cell is None:
        raise ValueError(f"not a cell reference: {reference!r}")
    return column_index_from_string(cell.group(1).upper()), int(cell.group(2))


def too_many_rows(*, name: str, sheet: str, rows: int | None, max_rows: int) -> InvalidInput:
    counted = f"{rows:,} 行あります" if rows is not None else f"{max_rows:,} 行を超えています"
    counted_en = f"{rows:,} rows" if rows is not None else f"more than {max_rows:,} rows"
    return InvalidInput(
        f"「{name}」の「{sheet}」は{counted}（{max_rows:,} 行まで）。"
        "末尾の余分な行を削除してから提出してください。",
        f"Sheet '{sheet}' of '{name}' has {counted_en} (at most {max_rows:,}). "
        "Delete the extra rows at the end and submit it again.",
    )


def workbook_bytes(book: Workbook) -> bytes:
    """A workbook we generate, saved with every cell as data. openpyxl stores any string that starts with
    ``=`` as a formula, so a project or message text such as ``=HYPERLINK(...)`` would run in the reader's
    Excel; the CSV exports neutralise the same text (``web.tables.csv_cell``). A streamed (write-only)
    workbook keeps no cells to look at: its rows were written as data by ``data_row``."""
    for sheet in [] if book.write_only else book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def styled_cell(sheet: Any, **style: object) -> Cell:
    """A cell of a streamed (write-only) sheet with a style, to pass as ``data_row``'s ``like``: the cells
    made like it share its style entry instead of each being filed among the workbook's styles."""
    cell = WriteOnlyCell(sheet)
    for name, value in style.items():
        setattr(cell, name, value)
    return cell


def data_row(sheet: Any, values: Iterable[object], like: dict[int, Cell] | None = None) -> list[object]:
    """One row for a streamed (write-only) sheet: every value written as data (a text that starts with
    ``=`` stays text, as ``workbook_bytes`` does for other workbooks), and the cells of the columns in
    ``like`` (index from 0) styled as that cell — the open answer cells of a protected sheet, say."""
    row: list[object] = []
    for index, value in enumerate(values):
        model = like.get(index) if like else None
        formula_like = isinstance(value, str) and value.startswith("=")
        if model is None and not formula_like:
            row.append(value)
            continue
        cell = WriteOnlyCell(sheet, value)
        if formula_like:
            cell.data_type = "s"
        if model is not None:
            cell._style = copy.copy(model._style)
        row.append(cell)
    return row
