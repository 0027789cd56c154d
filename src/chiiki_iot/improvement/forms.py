"""What the Act step's pages share: the dependencies of every page route and the fields with several
values."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import csrf_protected
from chiiki_iot.web import forms
from chiiki_iot.web.deps import get_session

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CSRF = [Depends(csrf_protected)]

MULTI = frozenset({"kpis", "models", "barriers", "blocks", "proposals", "countermeasures"})
"""Fields with several values (check boxes)."""


async def read_form(request: Request) -> dict[str, str | list[str]]:
    return await forms.read_form(request, MULTI)


def ids(form: dict, key: str) -> list[int]:
    """Record ids ticked in a form (anything not a number is ignored: it matches no record)."""
    return [int(v) for v in forms.values(form, key) if v.isdigit() and len(v) < 10]


def lines(form: dict, key: str) -> list[str]:
    """One value per line of a text area, blank lines left out."""
    return [line.strip() for line in str(form.get(key, "")).splitlines() if line.strip()]
