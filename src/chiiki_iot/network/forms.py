"""What the network's pages share: its form fields with several values, and the dependencies every page
route takes. Reading forms, amounts in yen and record ids are ``web.forms``'s."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import csrf_protected
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web import forms
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.forms import RowId as RowId
from chiiki_iot.web.forms import values as values
from chiiki_iot.web.forms import version_of as version_of
from chiiki_iot.web.forms import yen as yen

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
CSRF = [Depends(csrf_protected)]

MULTI = frozenset({"models", "barriers", "regions", "interests", "scores", "communities"})
"""Fields with several values (check boxes, one score per criterion)."""


async def read_form(request: Request) -> dict[str, str | list[str]]:
    return await forms.read_form(request, MULTI)


def models_of(session: Session) -> list[Any]:
    return [m for f in roadmap.get_revision(session).fields for m in f.models]
