"""The assembly: the one list of domains, and what is built from it — the web application, the database
set-up with reference data (``chiiki-iot init`` and the server's first start) and the table registry.

This is the only module that names every domain. A new domain is one line in ``DOMAINS`` (plus its own
``domain.py``): its routers, templates, tables, loader, sections and CLI commands are found from there.
The order is the order of the floors: a domain's reference data may rely on the ones loaded before it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from chiiki_iot.accounts import places
from chiiki_iot.accounts.domain import DOMAIN as ACCOUNTS
from chiiki_iot.adoption.domain import DOMAIN as ADOPTION
from chiiki_iot.core import datasets
from chiiki_iot.core.db import get_engine
from chiiki_iot.core.domain import Domain
from chiiki_iot.core.settings import get_settings
from chiiki_iot.home.domain import DOMAIN as HOME
from chiiki_iot.improvement.domain import DOMAIN as IMPROVEMENT
from chiiki_iot.network.domain import DOMAIN as NETWORK
from chiiki_iot.outreach.domain import DOMAIN as OUTREACH
from chiiki_iot.progress.domain import DOMAIN as PROGRESS
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.domain import DOMAIN as REGISTRY
from chiiki_iot.reports.domain import DOMAIN as REPORTS
from chiiki_iot.roadmap.domain import DOMAIN as ROADMAP
from chiiki_iot.support.domain import DOMAIN as SUPPORT
from chiiki_iot.web import sections, templating
from chiiki_iot.web.app import new_app

DOMAINS: tuple[Domain, ...] = (
    REGISTRY,
    ROADMAP,
    ACCOUNTS,
    ADOPTION,
    PROGRESS,
    OUTREACH,
    NETWORK,
    SUPPORT,
    IMPROVEMENT,
    REPORTS,
    HOME,
)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _register_templates_and_sections() -> None:
    for domain in DOMAINS:
        if domain.templates:
            templating.add_templates(domain.templates, domain.template_globals)
        for slot, section in domain.sections.items():
            sections.add_section(slot, section)
        for entry in domain.datasets:
            datasets.add_dataset(entry)


def _wire_ports() -> None:
    """The few places where a lower floor asks a higher one, through a function handed down here."""
    places.use_resolver(registry.place_of_role)  # accounts checks a role's scope against the registry


_register_templates_and_sections()  # pages rendered outside a running app (tests, CLI) find them too
_wire_ports()


def create_app() -> FastAPI:
    """The site and API: every domain's routers on the web floor's application."""
    app = new_app(on_start=_initialise_if_configured)
    for domain in DOMAINS:
        for router in domain.routers:
            app.include_router(router)
    return app


def _initialise_if_configured() -> None:
    if get_settings().load_reference_data_on_start:
        initialise(get_engine())


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade_schema(engine: Engine) -> None:
    """``alembic upgrade head`` on the given engine."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def load_reference_data(engine: Engine, *, force: bool = False) -> dict[str, object]:
    """Each domain's reference data, in the order of ``DOMAINS``, in one transaction; what each loaded."""
    loaded: dict[str, object] = {}
    with Session(engine) as session, session.begin():
        for domain in DOMAINS:
            if domain.load_reference_data:
                loaded[domain.name] = domain.load_reference_data(session, force)
    return loaded


def initialise(engine: Engine, *, force: bool = False) -> dict[str, object]:
    """Bring a database to the current schema and load the reference data. Safe to run any number of times."""
    upgrade_schema(engine)
    return load_reference_data(engine, force=force)
