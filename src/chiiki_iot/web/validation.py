"""Request-parameter errors in Japanese and English.

FastAPI reports a bad query parameter with Pydantic's English message ('Field required'). A Japanese
official should read why in Japanese, so the common error types are translated here; an unknown type
keeps Pydantic's English in both fields rather than guessing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import Request

from chiiki_iot.core.errors import InvalidInput, Problem

_MESSAGES: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "missing": lambda c: ("必須の項目です。", "This parameter is required."),
    "string_too_long": lambda c: (
        f"{c.get('max_length')} 文字以内で入力してください。",
        f"At most {c.get('max_length')} characters.",
    ),
    "int_parsing": lambda c: ("整数で入力してください。", "Must be a whole number."),
    "float_parsing": lambda c: ("数値で入力してください。", "Must be a number."),
    "bool_parsing": lambda c: ("true または false で指定してください。", "Must be true or false."),
    "greater_than_equal": lambda c: (
        f"{c.get('ge')} 以上の値を指定してください。",
        f"Must be at least {c.get('ge')}.",
    ),
    "less_than_equal": lambda c: (
        f"{c.get('le')} 以下の値を指定してください。",
        f"Must be at most {c.get('le')}.",
    ),
    "enum": lambda c: (
        f"次のいずれかを指定してください：{_choices_ja(str(c.get('expected', '')))}",
        f"Must be one of {c.get('expected')}.",
    ),
    "literal_error": lambda c: (
        f"次のいずれかを指定してください：{_choices_ja(str(c.get('expected', '')))}",
        f"Must be one of {c.get('expected')}.",
    ),
}


_DATE_ERRORS = frozenset(
    {
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
        "date_type",
        "date_future",
        "date_past",
        "datetime_parsing",
        "datetime_from_date_parsing",
        "datetime_type",
    }
)


def _date_problem(name: str, value: object) -> tuple[str, str]:
    """A date that could not be read (2019-02-30, 2019/02/03, 令和元年…): say which parameter and the form.

    Query parameters take the ISO form only, so 和暦 is named as not accepted rather than left to guess.
    """
    shown = str(value)[:40]
    ja = (
        f"「{name}」の「{shown}」は日付として読めないか、存在しない日付です。"
        "YYYY-MM-DD の形式（西暦、例 2026-03-31）で実在する日付を指定してください（和暦は使えません）。"
    )
    en = f"'{name}': '{shown}' is not a valid date. Use the form YYYY-MM-DD with a real date (e.g. 2026-03-31)."
    return ja, en


def _choices_ja(expected: str) -> str:
    """Pydantic's "'json' or 'csv'" as a Japanese list: 'json'、'csv'."""
    return expected.replace(" or ", "、").replace(", ", "、")


def problem_from_pydantic(error: dict[str, Any]) -> Problem:
    """One Pydantic validation error as a bilingual Problem located at its parameter."""
    location = ".".join(str(part) for part in error.get("loc", ()) if part not in ("query", "path", "body"))
    if str(error.get("type", "")) in _DATE_ERRORS:
        ja, en = _date_problem(location, error.get("input", ""))
        return Problem(ja, en, location)
    translate = _MESSAGES.get(str(error.get("type", "")))
    if translate is None:
        message = str(error.get("msg", ""))
        return Problem(message, message, location)
    ja, en = translate(error.get("ctx") or {})
    return Problem(ja, en, location)


# The most rows any list may skip: far beyond any list here, and well inside the 64-bit integers both
# databases take (PostgreSQL refuses a larger OFFSET with an error, which used to become a 500).
MAX_OFFSET = 10_000_000

NUL = "\x00"


def _nul_problem(name: str) -> Problem:
    return Problem(
        f"「{name}」に使えない文字（NUL, U+0000）が含まれています。",
        f"'{name}' contains a NUL character (U+0000), which is not accepted.",
        name,
    )


def _nul_locations(value: Any, where: str) -> Iterator[str]:
    """Where NUL characters sit in a decoded JSON document: 'items.3.name' (keys included)."""
    if isinstance(value, str):
        if NUL in value:
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{where}.{key}" if where else str(key)
            if NUL in key:
                yield inner
            yield from _nul_locations(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_locations(item, f"{where}.{index}" if where else str(index))


async def refuse_nul_characters(request: Request) -> None:
    """Refuse a NUL character (U+0000) anywhere in the path, the query, a form or a JSON body: 422, naming
    the field. An application-wide dependency, so it runs before any route reads its parameters.

    No text of ours can hold one, and PostgreSQL refuses it outright (a search for '%00' was a 500 there,
    though SQLite took it). In a multipart form only the text fields are looked at: an uploaded file's
    bytes are the file's own. Forms are parsed with Starlette's default limits, as the CSRF check does.
    """
    problems = [_nul_problem(name) for name, value in request.path_params.items() if NUL in str(value)]
    problems += [
        _nul_problem(name) for name, value in request.query_params.multi_items() if NUL in name + value
    ]
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        problems += [
            _nul_problem(name)
            for name, value in form.multi_items()
            if isinstance(value, str) and NUL in name + value
        ]
    elif content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if b"\\u0000" in body or b"\x00" in body:  # cheap test first; decode only a suspect body
            try:
                document = json.loads(body)
            except ValueError:
                document = None  # not JSON at all: the route's own parsing says so
            problems += [_nul_problem(where or "body") for where in _nul_locations(document, "")]
    if problems:
        names = "、".join(dict.fromkeys(p.location for p in problems))
        raise InvalidInput(
            f"入力内容に誤りがあります。「{names}」に使えない文字（NUL）が含まれています。",
            f"The request has invalid parameters: {names} contains a NUL character (U+0000).",
            problems=problems,
        )
