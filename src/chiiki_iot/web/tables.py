"""Lists as CSV: UTF-8 with a BOM so that Excel on Japanese Windows opens it without mojibake."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import Response

from chiiki_iot.web.files import file_response


def csv_response(rows: Iterable[Mapping[str, Any]], *, columns: list[str], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    body = "\ufeff" + buffer.getvalue()
    return file_response(
        body.encode("utf-8"), filename=filename, media_type="text/csv; charset=utf-8", fallback="data.csv"
    )
