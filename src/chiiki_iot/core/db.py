"""Database engine, sessions and the declarative base shared by every domain's tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Generator
from functools import lru_cache
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from chiiki_iot.core.settings import get_settings
from chiiki_iot.core.write_gate import WriteGate

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Connection-level option that says how a SQLite transaction begins (see ``session_scope``).
SQLITE_BEGIN = "chiiki_sqlite_begin"
_SQLITE_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
# PostgreSQL SQLSTATE classes that mean "not now", not "wrong": connection exception, insufficient
# resources, operator intervention (admin shutdown, statement cancelled), lock not available.
_UNAVAILABLE_SQLSTATE_CLASSES = frozenset({"08", "53", "57"})
_UNAVAILABLE_SQLSTATES = frozenset({"55P03"})


def _sqlite_connection_configurer(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def configure(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defeats SAVEPOINT and transactional DDL; switch it off and
        # let SQLAlchemy emit BEGIN (the recipe in SQLAlchemy's SQLite dialect documentation).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL: readers read a snapshot and never wait for the writer, nor the writer for them.
        cursor.execute("PRAGMA journal_mode=WAL")
        # A writer waits this long for another writer to finish, then fails with 'database is locked'
        # (answered 503 with Retry-After by the web layer).
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return configure


_GATE_HELD = "chiiki_write_gate_held"


def _sqlite_begin_rule(gate: WriteGate, timeout: float) -> Callable[[Any], None]:
    def begin(conn: Any) -> None:
        _begin_sqlite(conn, gate, timeout)

    return begin


def _release_gate(gate: WriteGate) -> Callable[..., None]:
    """The transaction ended (commit, rollback, or its connection went back to the pool): next writer."""

    def release(conn_or_dbapi: Any, record: Any = None) -> None:
        info = record.info if record is not None else conn_or_dbapi.info
        if info.pop(_GATE_HELD, False):
            gate.release()

    return release


def _begin_sqlite(conn: Any, gate: WriteGate, timeout: float) -> None:
    """Begin IMMEDIATE (take the write lock now) unless the unit of work said it only reads.

    A unit of work that writes must take the lock at its start: in WAL mode a transaction that has read
    cannot wait for the write lock later (SQLite skips the busy handler when a read transaction upgrades,
    and a snapshot older than the last commit can never upgrade), so a deferred reader-turned-writer fails
    at once under contention. A read-only unit of work begins DEFERRED and takes no lock at all.
    PostgreSQL, the production database, is unaffected. Writers of this process first wait their turn
    at the process's ``WriteGate``.
    """
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    if mode == "DEFERRED":
        conn.exec_driver_sql("BEGIN DEFERRED")
        return
    gate.acquire(timeout)
    conn.info[_GATE_HELD] = True
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        conn.info.pop(_GATE_HELD, None)
        gate.release()
        raise


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine. SQLite gets foreign keys (as PostgreSQL has them), WAL and the begin rule above;
    both get a pool sized by the settings, PostgreSQL with a ping at checkout."""
    settings = get_settings()
    is_sqlite = url.startswith("sqlite")
    in_memory = is_sqlite and make_url(url).database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"echo": echo}
    if not in_memory:
        kwargs.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout=settings.db_pool_timeout,
        )
    if is_sqlite:
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_connection_configurer(settings.sqlite_busy_timeout_ms))
        gate = WriteGate()
        event.listen(engine, "begin", _sqlite_begin_rule(gate, settings.sqlite_busy_timeout_ms / 1000))
        for ended in ("commit", "rollback"):
            event.listen(engine, ended, _release_gate(gate))
        event.listen(engine.pool, "checkin", _release_gate(gate))  # closed without either: never kept
    return engine


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error means "busy or unreachable right now, try again shortly" (the web layer
    answers 503 with Retry-After) rather than a fault in our code or data (500).

    Busy: SQLite's write lock not obtained within the busy timeout; no pooled connection free within the
    pool timeout. Unreachable: a connection that broke under a request (restart, pg_terminate_backend) or
    could not be opened; statement or lock timeouts and the server's own shortage of resources.
    """
    if isinstance(error, sa_exc.TimeoutError):  # the pool had no connection to give
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.Error):
        code = getattr(original, "sqlite_errorcode", None)
        return code is not None and code & 0xFF in _SQLITE_BUSY_CODES  # extended codes, e.g. BUSY_SNAPSHOT
    sqlstate = getattr(original, "sqlstate", None)  # psycopg
    if sqlstate is None:
        # A driver error with no SQLSTATE did not come from the server: the connection failed.
        return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    return sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(settings.database_url, echo=settings.sql_echo)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def begin_writing(session: Session) -> None:
    """End the session's read-only transaction (nothing was written in it) and begin one that takes the
    write lock at its start, for a unit of work that reads slowly first (a workbook) and writes after."""
    session.commit()
    session.connection(execution_options={SQLITE_BEGIN: "IMMEDIATE"})


def session_scope(*, write: bool = True) -> Generator[Session, None, Session]:
    """One unit of work: commit once at the boundary, roll back on any error.

    ``write=False`` promises that the unit of work only reads: on SQLite it then begins DEFERRED and never
    queues behind (or blocks) a writer. Should it write after all, SQLite takes the write lock at that
    statement, which fails at once rather than waiting when another writer holds it (see
    ``_begin_sqlite``); the result is never wrong, only refused. The default takes the lock at the start.
    """
    options = {} if write else {SQLITE_BEGIN: "DEFERRED"}
    session = get_sessionmaker()(execution_options=options)
    try:
        yield session
        session.commit()
        return session  # to ``yield from``: what the committed transaction did (``session.info``)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
