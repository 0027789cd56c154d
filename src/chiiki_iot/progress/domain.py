"""Progress's parts for the assembly: the KPI engine's pages, API and open-data catalogue."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core.domain import Domain
from chiiki_iot.progress import api, models, pages

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(
    name="progress",
    models=(models,),
    routers=(pages.router, api.router),
    templates=TEMPLATES,
)
