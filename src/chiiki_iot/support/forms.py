"""What the support package's pages share: the form fields with several values, the dependencies of every
page route, and the measure/body choices a form offers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import csrf_protected
from chiiki_iot.web import forms
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.forms import undone as undone  # the support pages' name for it

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CSRF = [Depends(csrf_protected)]

MULTI = frozenset(
    {
        "models",
        "kinds",
        "stages",
        "blocks",
        "members",
        "organisations",
        "item",
        "item_yen",
        "kpi",
        "kpi_target",
    }
)
"""Fields with several values: check boxes, and the rows of the budget and KPI tables."""


async def read_form(request: Request) -> dict[str, str | list[str]]:
    return await forms.read_form(request, MULTI)


def lines(form: dict, key: str) -> list[str]:
    """One value per line of a text area, blank lines left out."""
    return [line.strip() for line in str(form.get(key, "")).splitlines() if line.strip()]
