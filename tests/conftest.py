"""Shared test set-up: one real database per test process (SQLite by default, PostgreSQL when
``CHIIKI_TEST_DATABASE_URL`` says so), migrated with Alembic and loaded with the reference data once.

Isolation: every test runs inside one transaction on one connection that is rolled back when the test ends.
The app's own sessions (pages and API through ``TestClient``, services called directly, ``session_scope``)
are bound to that connection with ``join_transaction_mode="create_savepoint"``, so a request's commit is a
savepoint release: the next request in the same test sees it, the next test never does. The reference data
(registry, roadmap, outreach) is committed before any test and stays.

Tests that run code needing real commits on separate connections (CLI commands, which migrate with their
own connection first) are marked ``own_database`` and get a copy of the loaded database of their own,
dropped at their end.

Under pytest-xdist each worker has its own database: a temporary SQLite file, or on PostgreSQL a database
named after the given one and the worker (``test_gw0``), created and dropped by the run. Browser tests
(tests/e2e) start their own server on its own database and take none of this.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # gw0, gw1 … under pytest-xdist; empty otherwise
_TMP = Path(tempfile.mkdtemp(prefix=f"chiiki-test-{WORKER or 'main'}-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
GIVEN_DATABASE_URL = os.environ.get("CHIIKI_TEST_DATABASE_URL", "")


def _worker_url(url: str) -> str:
    """The given PostgreSQL database for a single process; one database per xdist worker beside it."""
    from sqlalchemy.engine import make_url

    if not WORKER:
        return url
    given = make_url(url)
    return given.set(database=f"{given.database}_{WORKER}").render_as_string(hide_password=False)


TEST_DATABASE_URL = _worker_url(GIVEN_DATABASE_URL) if GIVEN_DATABASE_URL else f"sqlite:///{_TMP / 'test.db'}"
# Settings are read once per process; point them at the test database before the app is imported.
os.environ["CHIIKI_DATABASE_URL"] = TEST_DATABASE_URL
os.environ["CHIIKI_LOAD_REFERENCE_DATA_ON_START"] = "false"
os.environ["CHIIKI_TEST_FAST_PASSWORD_HASHING"] = "true"  # cheap argon2 (production's is pinned by a test)
# All sessions of a test share one connection: no figures are computed on a thread of their own.
os.environ["CHIIKI_FIGURES_REFRESH_IN_BACKGROUND"] = "false"

from sqlalchemy import Connection, MetaData, create_engine, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from chiiki_iot.app import initialise  # noqa: E402
from chiiki_iot.core.db import get_engine, get_sessionmaker  # noqa: E402
from chiiki_iot.core.settings import get_settings  # noqa: E402
from chiiki_iot.progress import facts  # noqa: E402
from chiiki_iot.web import page_cache  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CHIIKI_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def _postgres_admin(url: str) -> Engine:
    """A connection to the server's maintenance database, for CREATE and DROP DATABASE (which cannot run
    in a transaction, nor while connected to the database concerned)."""
    admin = make_url(url).set(database="postgres")
    return create_engine(admin, isolation_level="AUTOCOMMIT")


def _quoted(url: str) -> str:
    return '"' + str(make_url(url).database).replace('"', '""') + '"'


def reset_database(engine: Engine) -> None:
    """Start from an empty schema so every run migrates from scratch."""
    if engine.dialect.name == "postgresql" and WORKER:
        admin = _postgres_admin(TEST_DATABASE_URL)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(TEST_DATABASE_URL)} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {_quoted(TEST_DATABASE_URL)}"))
        admin.dispose()
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            existing = MetaData()
            existing.reflect(conn)
            existing.drop_all(conn)


def _drop_worker_database() -> None:
    if GIVEN_DATABASE_URL and WORKER:
        get_engine().dispose()
        admin = _postgres_admin(TEST_DATABASE_URL)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(TEST_DATABASE_URL)} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="session")
def engine() -> Iterator[Engine]:
    engine = get_engine()
    reset_database(engine)
    initialise(engine)
    yield get_engine()
    _drop_worker_database()


def _forget_figures() -> None:
    facts.clear()
    page_cache.clear()


@pytest.fixture
def connection(engine: Engine, request: pytest.FixtureRequest) -> Iterator[Connection]:
    """The one connection of this test, inside a transaction rolled back at its end; every session the
    app or the test opens joins it through a savepoint."""
    if request.node.get_closest_marker("own_database"):
        raise RuntimeError("a test marked own_database commits for real: use the own_database fixture")
    conn = get_engine().connect()
    transaction = conn.begin()
    sessions = get_sessionmaker()
    saved = dict(sessions.kw)
    sessions.configure(bind=conn, join_transaction_mode="create_savepoint")
    _forget_figures()  # computed from an earlier test's rows, whose data version a rollback makes again
    try:
        yield conn
    finally:
        sessions.kw = saved
        transaction.rollback()
        conn.close()
        _forget_figures()


@pytest.fixture(autouse=True)
def _rolled_back(request: pytest.FixtureRequest) -> None:
    """Every test is isolated, whether it asks for ``session``, ``client`` or nothing at all (some call
    ``get_sessionmaker()`` themselves): rolled back, or on a database of its own when marked so."""
    node = request.node
    if node.get_closest_marker("e2e"):
        return
    request.getfixturevalue("own_database" if node.get_closest_marker("own_database") else "connection")


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    """A session in the test's transaction (its commits are savepoints), rolled back after the test."""
    db = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield db
    finally:
        db.close()


_copies = itertools.count()


def _copy_database(engine: Engine) -> str:
    """A new database holding what the test database holds now (the schema and reference data)."""
    n = next(_copies)
    if engine.dialect.name == "postgresql":
        url = make_url(TEST_DATABASE_URL)
        copy = url.set(database=f"{url.database}_own{n}").render_as_string(hide_password=False)
        engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template without connections
        admin = _postgres_admin(TEST_DATABASE_URL)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(copy)} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {_quoted(copy)} TEMPLATE {_quoted(TEST_DATABASE_URL)}"))
        admin.dispose()
        return copy
    path = _TMP / f"own{n}.db"
    raw = engine.raw_connection()  # autocommit (pysqlite's own transactions are off): VACUUM may run
    try:
        raw.cursor().execute("VACUUM INTO ?", (str(path),))
    finally:
        raw.close()
    return f"sqlite:///{path}"


def _drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        admin = _postgres_admin(url)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {_quoted(url)} WITH (FORCE)"))
        admin.dispose()
    else:
        Path(str(make_url(url).database)).unlink(missing_ok=True)


@pytest.fixture
def own_database(engine: Engine, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """A database of the test's own, for code that commits on connections of its own (CLI commands): a
    copy of the loaded test database that the whole process uses until the test ends, then dropped."""
    if not request.node.get_closest_marker("own_database"):
        raise RuntimeError("mark the test @pytest.mark.own_database to have a database of its own")
    settings = get_settings()
    original = settings.database_url
    url = _copy_database(get_engine())
    settings.database_url = url
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    _forget_figures()
    try:
        yield get_engine()
    finally:
        get_engine().dispose()
        settings.database_url = original
        get_engine.cache_clear()
        get_sessionmaker.cache_clear()
        _forget_figures()
        _drop_database(url)


@pytest.fixture(scope="session")
def app_client(engine: Engine):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from chiiki_iot.app import create_app

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
