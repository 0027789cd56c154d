"""Reports' parts for the assembly: the PDCA workbook and the printable report."""

from __future__ import annotations

from pathlib import Path

from chiiki_iot.core.domain import Domain
from chiiki_iot.reports import cli, pages

TEMPLATES = Path(__file__).resolve().parent / "templates"

DOMAIN = Domain(name="reports", routers=(pages.router,), templates=TEMPLATES, cli=cli.app)
