"""Files the site hands out (workbooks, CSV, calendars): one way to name them in ``Content-Disposition``.

HTTP header values are Latin-1, so a Japanese name (``fy2019-札幌市.xlsx``) cannot go in ``filename=``
as it is: it would fail to encode or arrive as mojibake. RFC 6266 says to send both forms — an ASCII
``filename=`` for old clients and ``filename*=UTF-8''…`` (RFC 5987 percent-encoding) with the real name,
which every current browser prefers. Building the header by hand in each route is how the ASCII form
went missing before, so every download goes through here.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import quote

from fastapi.responses import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ascii_filename(filename: str, *, fallback: str = "") -> str:
    """The name with everything that cannot stand in a quoted Latin-1 ``filename=`` removed.

    Non-ASCII letters, control characters, spaces, quotes and backslashes go; if nothing is left but the
    extension, the fallback (by default ``download`` with the name's extension) is used instead.
    """
    plain = "".join(ch for ch in filename if 32 < ord(ch) < 127 and ch not in '"\\')
    if plain and not plain.startswith("."):
        return plain
    if fallback:
        return fallback
    suffix = PurePosixPath(filename).suffix
    return "download" + (suffix if suffix.isascii() else "")


def download_headers(
    filename: str,
    *,
    fallback: str = "",
    disposition: Literal["attachment", "inline"] = "attachment",
) -> dict[str, str]:
    """``Content-Disposition`` with both the ASCII ``filename=`` and the UTF-8 ``filename*=`` forms."""
    plain = ascii_filename(filename, fallback=fallback)
    encoded = quote(filename, safe="")
    return {"Content-Disposition": f"{disposition}; filename=\"{plain}\"; filename*=UTF-8''{encoded}"}


def file_response(
    data: bytes,
    *,
    filename: str,
    media_type: str,
    fallback: str = "",
    disposition: Literal["attachment", "inline"] = "attachment",
) -> Response:
    """A download: the bytes, their media type, and the name in both forms (see ``download_headers``)."""
    return Response(
        data,
        media_type=media_type,
        headers=download_headers(filename, fallback=fallback, disposition=disposition),
    )
