"""Adoption's parts for the assembly: status per body and model, projects, barriers, surveys, indicators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from chiiki_iot.adoption import api, cli, indicators, models, pages, survey_pages
from chiiki_iot.core.domain import Domain
from chiiki_iot.web.sections import Section

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _indicators_on_body_page(session: Session, *, code: str) -> dict[str, Any]:
    return {"code": code, "indicators": indicators.indicators_of_body(session, code)}


DOMAIN = Domain(
    name="adoption",
    models=(models,),
    routers=(pages.router, survey_pages.router, api.router),
    templates=TEMPLATES,
    sections={"registry.body": Section("adoption/body_indicators.html", _indicators_on_body_page)},
    cli=cli.app,
)
