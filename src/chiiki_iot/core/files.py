"""Reading files that users bring: detect the encoding and say which one was read.

Japanese public data arrives as UTF-8 (with or without BOM) or as Shift_JIS (in practice Microsoft's
cp932). We try those in order and fall back to charset-normalizer's guess; if nothing decodes cleanly
the import is refused with a message naming what was tried.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from chiiki_iot.core.errors import InvalidInput, Problem, UserError
from chiiki_iot.core.settings import get_settings
from chiiki_iot.core.text import search_key

_ENCODING_LABELS = {"utf-8-sig": "UTF-8 (BOM付き)", "utf-8": "UTF-8", "cp932": "Shift_JIS (cp932)"}


@dataclass
class DecodedText:
    text: str
    encoding: str

    @property
    def encoding_label(self) -> str:
        return _ENCODING_LABELS.get(self.encoding, self.encoding)


def decode_bytes(data: bytes, *, name: str) -> DecodedText:
    """Decode ``data``; UTF-8 first (BOM or not), then Shift_JIS, then a detector's best guess."""
    for encoding in ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", "cp932"):
        try:
            return DecodedText(data.decode(encoding), encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is not None and best.encoding:
        return DecodedText(str(best), best.encoding)
    raise InvalidInput(
        f"「{name}」の文字コードを判別できません（UTF-8 と Shift_JIS を試しました）。UTF-8 で保存し直してください。",
        f"Could not tell the character encoding of '{name}' (tried UTF-8 and Shift_JIS). "
        "Please save it as UTF-8.",
    )


def read_file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise InvalidInput(f"ファイル「{path}」が見つかりません。", f"File '{path}' not found.") from exc
    except IsADirectoryError as exc:
        raise InvalidInput(
            f"「{path}」はフォルダです。ファイルを指定してください。", f"'{path}' is a folder, not a file."
        ) from exc


@dataclass
class CsvTable:
    """A CSV file as header + rows, with the encoding it was read in."""

    name: str
    encoding_label: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (1-based record number in the file, cells), data rows only


MAX_CSV_ROWS = 500_000
"""A yearly figure for every body over fifty years is under 100,000 rows; more is not one of our files."""


def check_text_size(data: bytes, *, name: str) -> None:
    """Refuse a text file (CSV, GeoJSON, TopoJSON) larger than ``CHIIKI_UPLOAD_MAX_UNPACKED_BYTES`` (64 MB
    by default) before it is decoded: decoding and parsing hold several copies of it in memory."""
    limit = get_settings().upload_max_unpacked_bytes
    if len(data) > limit:
        size, most = f"{len(data) / 1048576:g} MB", f"{limit / 1048576:g} MB"
        raise InvalidInput(
            f"「{name}」は大きすぎます（{size}、{most} まで。設定 CHIIKI_UPLOAD_MAX_UNPACKED_BYTES）。",
            f"'{name}' is too large ({size}; at most {most}, setting CHIIKI_UPLOAD_MAX_UNPACKED_BYTES).",
        )


def read_csv(data: bytes, *, name: str, max_rows: int = MAX_CSV_ROWS) -> CsvTable:
    """Parse a CSV; blank lines (Excel leaves trailing ones) are dropped, cells trimmed. A file over the
    size limit is refused before decoding, one with more than ``max_rows`` records as soon as it has them."""
    check_text_size(data, name=name)
    decoded = decode_bytes(data, name=name)
    sample = decoded.text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(decoded.text), dialect)
    records: list[tuple[int, list[str]]] = []
    for n, row in enumerate(reader, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(records) > max_rows:  # the header plus max_rows data rows are allowed
            raise InvalidInput(
                f"「{name}」の行が多すぎます（{max_rows:,} 行まで）。",
                f"'{name}' has too many rows (at most {max_rows:,}).",
            )
        records.append((n, cells))
    if not records:
        raise InvalidInput(f"「{name}」にデータがありません。", f"'{name}' contains no data.")
    header = [h.lstrip("\ufeff") for h in records[0][1]]
    return CsvTable(name=name, encoding_label=decoded.encoding_label, header=header, rows=records[1:])


def find_column(
    header: list[str], candidates: Iterable[str], chosen: str | None, what: tuple[str, str], table: CsvTable
) -> int:
    keys = [search_key(h) for h in header]
    if chosen:
        if search_key(chosen) in keys:
            return keys.index(search_key(chosen))
        raise InvalidInput(
            f"「{table.name}」に列「{chosen}」がありません（列: {', '.join(header)}）。",
            f"'{table.name}' has no column '{chosen}' (columns: {', '.join(header)}).",
        )
    for candidate in candidates:
        if search_key(candidate) in keys:
            return keys.index(search_key(candidate))
    # A header that merely contains the word, e.g. 「人口（総数）」, is taken only if it is the only one:
    # with 男性人口 and 女性人口 side by side, guessing would import the wrong figures.
    partial = [i for i, key in enumerate(keys) if any(search_key(c) in key for c in candidates if len(c) > 1)]
    if len(partial) == 1:
        return partial[0]
    if len(partial) > 1:
        names = "、".join(header[i] for i in partial)
        raise InvalidInput(
            f"「{table.name}」には{what[0]}の列の候補が複数あります（{names}）。どの列かを指定してください。",
            f"'{table.name}' has several possible {what[1]} columns ({', '.join(header[i] for i in partial)}). "
            "Name the one to use with an option.",
        )
    raise InvalidInput(
        f"「{table.name}」に{what[0]}の列が見つかりません（列: {', '.join(header)}）。列名を指定してください。",
        f"'{table.name}' has no {what[1]} column (columns: {', '.join(header)}). Name it with an option.",
    )


def refused(file_name: str, encoding_label: str, problems: list[Problem]) -> UserError:
    return InvalidInput(
        f"「{file_name}」（{encoding_label} として読み込み）に {len(problems)} 件の誤りがあるため、取り込みませんでした。",
        f"'{file_name}' (read as {encoding_label}) has {len(problems)} problem(s); nothing was imported.",
        problems=problems,
        extra={"encoding": encoding_label},
    )
