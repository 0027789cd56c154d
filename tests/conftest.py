"""Shared test set-up: one real database per run (SQLite by default, PostgreSQL when
``CHIIKI_TEST_DATABASE_URL`` says so), migrated with Alembic and loaded with the reference data.

Service tests get a session inside a transaction that is rolled back; page and API tests go through the
real app with ``TestClient``; browser tests (tests/e2e) start the real server.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="chiiki-test-"))
TEST_DATABASE_URL = os.environ.get("CHIIKI_TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.db'}"
# Settings are read once per process; point them at the test database before the app is imported.
os.environ["CHIIKI_DATABASE_URL"] = TEST_DATABASE_URL
os.environ["CHIIKI_LOAD_REFERENCE_DATA_ON_START"] = "false"
os.environ["CHIIKI_TEST_FAST_PASSWORD_HASHING"] = "true"  # cheap argon2 (production's is pinned by a test)

from sqlalchemy import MetaData, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from chiiki_iot.core.bootstrap import initialise  # noqa: E402
from chiiki_iot.core.db import get_engine  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CHIIKI_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def reset_database(engine: Engine) -> None:
    """Start from an empty schema so every run migrates from scratch."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            existing = MetaData()
            existing.reflect(conn)
            existing.drop_all(conn)


@pytest.fixture(scope="session")
def engine() -> Engine:
    engine = get_engine()
    reset_database(engine)
    initialise(engine)
    return engine


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (commits become savepoints)."""
    connection = engine.connect()
    transaction = connection.begin()
    db = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield db
    finally:
        db.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def app_client(engine: Engine):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from chiiki_iot.web.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def client(app_client):  # type: ignore[no-untyped-def]
    """The app as a fresh visitor sees it: no language cookie left over from another test."""
    app_client.cookies.clear()
    return app_client


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The fixtures in ../shared/data (never copied into the repository)."""
    if not SHARED_DATA.is_dir():
        message = f"test fixtures not found at {SHARED_DATA}; set CHIIKI_SHARED_DATA"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return SHARED_DATA
