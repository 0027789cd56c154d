"""The roadmap's parts for the assembly: sector models, plans and KPIs, loaded from the package's data files."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core.domain import Domain
from chiiki_iot.roadmap import api, cli, models, pages
from chiiki_iot.roadmap.loader import load_roadmap

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(
    name="roadmap",
    models=(models,),
    routers=(pages.router, api.router),
    templates=TEMPLATES,
    load_reference_data=lambda session, force: load_roadmap(session, force=force),
    cli=cli.app,
)
