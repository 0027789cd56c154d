"""Reading a posted form, and what a page does when a form's action is refused.

A mistake in what was entered (a bad date, a stale version, a duplicate) is shown on the same form, with
what the user typed, at the error's status. A refusal of *who* is asking (401 not signed in, 403 not
allowed) is not a form mistake: it goes on to the error handler, which offers sign-in or explains the
permission, instead of re-showing a form the user may not use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path, Request
from sqlalchemy.orm import Session

from chiiki_iot.core.errors import InvalidInput, UserError

RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="record id")]
"""A record id as the database can hold it: a larger number is a 422, not a 500 from the driver."""

ACCESS_REFUSED = frozenset({401, 403})


def undone(session: Session, error: UserError) -> UserError:
    """A refused step changes nothing: whatever the service did before it refused is rolled back (the
    request's transaction would otherwise commit, since the page is answered normally), and the error is
    returned to show on the form (``form_error``: 401/403 go on to the error page)."""
    session.rollback()
    return form_error(error)


def form_error(error: UserError) -> UserError:
    """The error, to show on the re-rendered form; raises it instead when it refuses access (401/403).

    Use inside ``except UserError as error:`` as the first thing the re-render evaluates::

        except UserError as error:
            return _form(request, session, error=form_error(error), entered=form)
    """
    if error.status_code in ACCESS_REFUSED:
        raise error
    return error


async def read_form(request: Request, multi: Collection[str] = ()) -> dict[str, str | list[str]]:
    """The posted form: single values as trimmed text, the fields named in ``multi`` (check boxes, one
    score per criterion) as lists, so a form shown again after an error keeps every box that was ticked."""
    data = await request.form()
    out: dict[str, str | list[str]] = {key: [] for key in multi}
    for key in data:
        items = [str(v) for v in data.getlist(key)]
        out[key] = items if key in multi else items[0].strip()
    return out


def values(form: dict[str, Any], key: str) -> list[str]:
    """A form field's non-empty values, whether it came as one value or several."""
    value = form.get(key) or []
    return [v for v in ([value] if isinstance(value, str) else value) if v]


def yen(text: str, what_ja: str, what_en: str) -> int | None:
    """An amount as officials type it: 全角 or 半角 digits, commas, 円, and 万 or 億 (300万円 = 3,000,000;
    1.5億円 = 150,000,000)."""
    folded = unicodedata.normalize("NFKC", text).replace(",", "").replace("円", "").replace(" ", "").strip()
    if not folded:
        return None
    found = re.fullmatch(r"([0-9]{1,13})(?:\.([0-9]{1,4}))?(万|億)?", folded)
    if not found or (found[2] and not found[3]):
        raise InvalidInput(
            f"{what_ja}は数字で入力してください（例: 3000000、3,000,000、300万円、1.5億円）。",
            f"The {what_en} must be an amount in yen (e.g. 3000000, 3,000,000, 300万円 or 1.5億円).",
        )
    amount = Decimal(f"{found[1]}.{found[2] or 0}") * {"万": 10_000, "億": 100_000_000}.get(found[3] or "", 1)
    if amount != amount.to_integral_value():
        raise InvalidInput(f"{what_ja}は1円単位で入力してください。", f"The {what_en} must be whole yen.")
    return int(amount)


def whole_number(text: str, what_ja: str, what_en: str, *, unit: str = "") -> int | None:
    """A count as officials type it: 全角 or 半角 digits, commas, 万 (5万 = 50,000) and the unit (人, 日);
    None when left empty."""
    folded = unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "").strip()
    if unit:
        folded = folded.removesuffix(unicodedata.normalize("NFKC", unit))
    if not folded:
        return None
    found = re.fullmatch(r"([0-9]{1,9})(万)?", folded)
    if not found:
        raise InvalidInput(
            f"{what_ja}は数字で入力してください（例: 50000、5万）。", f"The {what_en} must be a whole number."
        )
    return int(found[1]) * (10_000 if found[2] else 1)


def version_of(form: dict[str, Any]) -> int:
    """The record version a form was opened at (0, never a match, when it is missing or not a number)."""
    text = str(form.get("version", ""))
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else 0
