"""Bring a database to the current schema and load the reference data: what ``chiiki-iot init`` and the
server's first start do. Safe to run any number of times."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from chiiki_iot.models_registry import import_all_models
from chiiki_iot.outreach.loader import load_outreach
from chiiki_iot.registry.loader import LoadReport, load_registry
from chiiki_iot.roadmap.loader import load_roadmap

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
import_all_models()  # every table known, and the audit hook registered, before any session is used


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


def load_reference_data(engine: Engine, *, force: bool = False) -> tuple[LoadReport | None, list[str]]:
    """Load the registry and the roadmap in one transaction; return what was loaded."""
    with Session(engine) as session, session.begin():
        report = load_registry(session, force=force)
        revisions = load_roadmap(session, force=force)
        load_outreach(session)
    return report, revisions


def initialise(engine: Engine, *, force: bool = False) -> tuple[LoadReport | None, list[str]]:
    upgrade_schema(engine)
    return load_reference_data(engine, force=force)
