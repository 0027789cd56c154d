"""Lists as CSV: UTF-8 with a BOM so that Excel on Japanese Windows opens it without mojibake.

Every CSV export goes through ``csv_response``, and every cell through ``csv_cell``, which neutralises
formula injection (CWE-1236): a text cell that a spreadsheet would read as a formula — starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return — gets a leading ``'``, as OWASP advises, so that
``=HYPERLINK("http://x")`` in an event title is shown as text, not run. True numbers stay numbers (the
spreadsheet must still add them up), and so does text that is only a number (``-5``, ``+81``: a negative
figure read from a form); ``-`` followed by anything else is neutralised.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel

from chiiki_iot.web.files import file_response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """The cell as written to CSV: empty for None, numbers as they are, formula-like text made inert."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_response(rows: Iterable[Mapping[str, Any]], *, columns: list[str], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    body = "\ufeff" + buffer.getvalue()
    return file_response(
        body.encode("utf-8"), filename=filename, media_type="text/csv; charset=utf-8", fallback="data.csv"
    )


def schema_csv(items: Sequence[BaseModel], model: type[BaseModel], filename: str) -> Response:
    """Read schemas as a CSV download, one column per field, lists joined with spaces."""
    rows = (
        {k: " ".join(map(str, v)) if isinstance(v, list) else v for k, v in i.model_dump().items()}
        for i in items
    )
    return csv_response(rows, columns=list(model.model_fields), filename=filename)
