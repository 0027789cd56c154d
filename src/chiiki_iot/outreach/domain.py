"""Outreach's parts for the assembly: organisations, threads, councils and events from the seed."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core.domain import Domain
from chiiki_iot.outreach import api, models, pages
from chiiki_iot.outreach.loader import load_outreach

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(
    name="outreach",
    models=(models,),
    routers=(pages.router, api.router),
    templates=TEMPLATES,
    load_reference_data=lambda session, force: load_outreach(session),
)
