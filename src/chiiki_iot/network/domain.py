"""The network's parts for the assembly: members, the IoTデザインハブ, symbol projects and policy proposals."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core import data_versions
from chiiki_iot.core.datasets import DatasetEntry
from chiiki_iot.core.domain import Domain
from chiiki_iot.network import api, cli, hub, hub_pages, models, pages, symbol_pages
from chiiki_iot.network.loader import load_network
from chiiki_iot.web.sections import Section

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(
    name="network",
    models=(models,),
    routers=(pages.router, hub_pages.router, symbol_pages.router, api.router),
    templates=TEMPLATES,
    load_reference_data=lambda session, force: load_network(session),
    cli=cli.app,
    datasets=(
        DatasetEntry(
            "network-members",
            "地域IoT官民ネットの参加メンバー",
            "Members of the regional IoT public-private network",
            "/api/v1/network/members",
            landing_page="/network/members",
        ),
        DatasetEntry(
            "network-needs",
            "IoTデザインハブの課題（公開分）",
            "IoT design hub: published needs",
            "/api/v1/network/needs",
            landing_page="/network/needs",
        ),
        DatasetEntry(
            "network-solutions",
            "IoTデザインハブの解決策",
            "IoT design hub: solutions",
            "/api/v1/network/solutions",
            landing_page="/network/solutions",
        ),
    ),
    sections={
        "progress.dashboard": Section(
            "network/dashboard_figures.html",
            lambda session: {"hub_stats": hub.round_statistics(session)},
            version=lambda session: str(data_versions.current(session, hub.HUB)),
        )
    },
)
