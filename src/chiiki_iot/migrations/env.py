"""Alembic environment: the database URL comes from chiiki-iot's settings unless the caller set one."""

from __future__ import annotations

from alembic import context

import chiiki_iot.app  # noqa: F401  (the assembly imports every domain's tables)
from chiiki_iot.core.db import Base, make_engine
from chiiki_iot.core.settings import get_settings

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
