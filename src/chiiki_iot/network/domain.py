"""The network's parts for the assembly: members, the IoTデザインハブ, symbol projects and policy proposals."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core.domain import Domain
from chiiki_iot.network import api, cli, models, pages
from chiiki_iot.network.loader import load_network

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(
    name="network",
    models=(models,),
    routers=(pages.router, api.router),
    templates=TEMPLATES,
    load_reference_data=lambda session, force: load_network(session),
    cli=cli.app,
)
