"""The front door's parts for the assembly: home page, API reference, problem types."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core.domain import Domain
from chiiki_iot.home import api, pages

DOMAIN = Domain(
    name="home", routers=(pages.router, api.router), templates=Path(__file__).resolve().parent / "templates"
)
