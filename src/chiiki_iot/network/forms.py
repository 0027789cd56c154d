"""What the network's pages share: reading a posted form (check boxes as lists), amounts in yen as officials
type them, a record id the database can hold, and the dependencies every page route takes."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import csrf_protected
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.deps import get_session

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="record id")]
"""A record id as the database can hold it: a larger number is a 422, not a 500 from the driver."""
CSRF = [Depends(csrf_protected)]


MULTI = frozenset({"models", "barriers", "regions", "interests", "scores", "communities"})
"""Fields with several values (check boxes, one score per criterion): always lists, so a form shown again
after an error keeps every box that was ticked."""


async def read_form(request: Request) -> dict[str, str | list[str]]:
    """The posted form: single values as trimmed text, the fields of ``MULTI`` as lists."""
    data = await request.form()
    out: dict[str, str | list[str]] = {key: [] for key in MULTI}
    for key in data:
        values = [str(v) for v in data.getlist(key)]
        out[key] = values if key in MULTI else values[0].strip()
    return out


def values(form: dict[str, Any], key: str) -> list[str]:
    value = form.get(key) or []
    return [v for v in ([value] if isinstance(value, str) else value) if v]


def yen(text: str, what_ja: str, what_en: str) -> int | None:
    """An amount as officials type it: 全角 or 半角 digits, commas, 円, and 万 (300万円 = 3,000,000)."""
    folded = unicodedata.normalize("NFKC", text).replace(",", "").replace("円", "").replace(" ", "").strip()
    if not folded:
        return None
    found = re.fullmatch(r"([0-9]{1,13})(?:\.([0-9]{1,4}))?(万)?", folded)
    if not found or (found[2] and not found[3]):
        raise InvalidInput(
            f"{what_ja}は数字で入力してください（例: 3000000、3,000,000、300万円）。",
            f"The {what_en} must be an amount in yen (e.g. 3000000, 3,000,000 or 300万円).",
        )
    amount = Decimal(f"{found[1]}.{found[2] or 0}") * (10_000 if found[3] else 1)
    if amount != amount.to_integral_value():
        raise InvalidInput(f"{what_ja}は1円単位で入力してください。", f"The {what_en} must be whole yen.")
    return int(amount)


def version_of(form: dict[str, Any]) -> int:
    text = str(form.get("version", ""))
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else 0


def models_of(session: Session) -> list[Any]:
    return [m for f in roadmap.get_revision(session).fields for m in f.models]
