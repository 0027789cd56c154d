"""The registry's parts for the assembly: bodies, blocks and codes; loads the registry package first."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core.domain import Domain
from chiiki_iot.registry import api, cli, models, pages
from chiiki_iot.registry.loader import load_registry

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(
    name="registry",
    models=(models,),
    routers=(pages.router, api.router),
    templates=TEMPLATES,
    load_reference_data=lambda session, force: load_registry(session, force=force),
    cli=cli.app,
)
