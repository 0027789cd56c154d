"""Lists as CSV: UTF-8 with a BOM so that Excel on Japanese Windows opens it without mojibake."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from fastapi.responses import Response


def csv_response(rows: Iterable[Mapping[str, Any]], *, columns: list[str], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    body = "\ufeff" + buffer.getvalue()
    # The plain filename= must be Latin-1 (HTTP headers); filename*= carries the real, UTF-8 name.
    plain = "".join(ch for ch in filename if 32 < ord(ch) < 127 and ch not in '"\\') or "data.csv"
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
