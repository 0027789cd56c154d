"""The Alembic migrations create exactly the schema the models describe, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

import chiiki_iot.app  # noqa: F401  (the assembly imports every domain's tables)
from chiiki_iot.core.db import Base


def test_no_drift_between_models_and_migrations(connection: Connection) -> None:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, Base.metadata)
    assert diff == []
