"""全国地方公共団体コード: the 6-digit code of every local public body, with its check digit.

The first five digits are the JIS X 0402 code (2 digits prefecture, 3 digits body); the sixth is a check
digit computed modulo 11 with weights 6, 5, 4, 3, 2. People write the code in 5 or 6 digits, with
full-width digits or a dropped leading zero, so input is normalised before it is validated.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.text import digits_only, normalize

_WEIGHTS = (6, 5, 4, 3, 2)
# Excel saves a numeric code as 1100.0 once it has dropped the leading zero; the '.0' is not a digit.
_WHOLE_NUMBER_AS_FLOAT = re.compile(r"(?<=\d)\.0+$")


def check_digit(code5: str) -> str:
    """The check digit for a 5-digit code: 11 minus the weighted sum mod 11, last digit kept.

    (A remainder of 0 gives 1 and a remainder of 1 gives 0, as the 総務省 rule states.)
    """
    total = sum(int(d) * w for d, w in zip(code5, _WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def is_valid(code6: str) -> bool:
    return len(code6) == 6 and code6.isdigit() and check_digit(code6[:5]) == code6[5]


def normalize_code(raw: str | int) -> str:
    """Turn what a user typed into a valid 6-digit code, or raise ``InvalidInput`` saying why.

    Accepts 6-digit codes, 5-digit codes without check digit (the JIS X 0402 form most statistics
    use), 4 digits where a spreadsheet dropped the leading zero of a 5-digit code, and full-width digits.
    """
    text = str(raw)
    digits = digits_only(_WHOLE_NUMBER_AS_FLOAT.sub("", normalize(text)))
    if len(digits) in (4, 5):
        code5 = digits.zfill(5)
        return code5 + check_digit(code5)
    if len(digits) == 6:
        if not is_valid(digits):
            expected = check_digit(digits[:5])
            raise InvalidInput(
                f"団体コード「{text}」の検査数字が正しくありません（{digits[:5]} の検査数字は {expected}）。",
                f"Local government code '{text}' has a wrong check digit "
                f"(the check digit of {digits[:5]} is {expected}).",
            )
        return digits
    raise InvalidInput(
        f"団体コード「{text}」は5桁または6桁の数字で入力してください。",
        f"Local government code '{text}' must be 5 or 6 digits.",
    )


def prefecture_code(code6: str) -> str:
    """The 6-digit code of the prefecture a body belongs to ('011002' → '010006')."""
    code5 = code6[:2] + "000"
    return code5 + check_digit(code5)


def column_reader(values: list[str]) -> Callable[[str], str]:
    """How to read a whole column of codes. Spreadsheets drop the leading zero of 6-digit codes too
    (010006 → 10006), which then looks like a 5-digit JIS code. If every code in the column is a valid
    6-digit code once zero-padded, the column is read that way; otherwise each cell as ``normalize_code``."""
    digits = [digits_only(_WHOLE_NUMBER_AS_FLOAT.sub("", normalize(v))) for v in values if v.strip()]
    if (
        digits
        and all(len(d) <= 6 for d in digits)
        and any(len(d) < 6 for d in digits)
        and all(is_valid(d.zfill(6)) for d in digits)
    ):
        return lambda raw: normalize_code(
            digits_only(_WHOLE_NUMBER_AS_FLOAT.sub("", normalize(raw))).zfill(6)
        )
    return normalize_code
