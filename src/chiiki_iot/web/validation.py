"""Request-parameter errors in Japanese and English.

FastAPI reports a bad query parameter with Pydantic's English message ('Field required'). A Japanese
official should read why in Japanese, so the common error types are translated here; an unknown type
keeps Pydantic's English in both fields rather than guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chiiki_iot.core.errors import Problem

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
