"""The database never turns a busy moment into a 500, on the real databases:

- on SQLite a GET takes no lock, so it is served while another connection holds a write transaction open
  (it used to begin IMMEDIATE and wait out the busy timeout, then fail);
- a write that cannot get SQLite's write lock within the busy timeout, or any request that finds no free
  pooled connection, answers 503 with Retry-After in both languages;
- on PostgreSQL a connection whose backend was terminated is replaced at checkout (pool_pre_ping).

These tests commit on connections of their own, so each has a database of its own; the busy and pool
timeouts are made short through the settings an operator would change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from chiiki_iot.app import create_app
from chiiki_iot.core.db import get_engine, get_sessionmaker
from chiiki_iot.core.settings import get_settings

pytestmark = pytest.mark.own_database

SAPPORO = "011002"


def _fresh_engine(monkeypatch: pytest.MonkeyPatch, **settings: object) -> Engine:
    """Rebuild the process's engine with these settings (restored, and the engine dropped, afterwards)."""
    for name, value in settings.items():
        monkeypatch.setattr(get_settings(), name, value)
    get_engine().dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    return get_engine()


@pytest.fixture
def short_busy_timeout(own_database: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield _fresh_engine(monkeypatch, sqlite_busy_timeout_ms=300)


def _assert_busy_answer(answer, *, started: float) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert time.monotonic() - started < 5  # the short timeout, not a hang
    if answer.headers["content-type"].startswith("application/problem+json"):
        problem = answer.json()
        assert problem["status"] == 503 and problem["type"] == "/problems/service-unavailable"
        assert "混み合って" in problem["detail_ja"] and "busy" in problem["detail_en"]
    else:
        assert "混み合って" in answer.text


@pytest.fixture
def writer_holding_the_lock(engine_: Engine) -> Iterator[None]:
    """Another connection in the middle of a write transaction (it has written and not committed)."""
    with engine_.connect() as other:
        other.begin()  # IMMEDIATE: the default for a unit of work that writes
        other.execute(text("UPDATE bodies SET url = 'https://example.jp/' WHERE code = :c"), {"c": SAPPORO})
        try:
            yield
        finally:
            other.rollback()


@pytest.fixture
def engine_(short_busy_timeout: Engine) -> Engine:
    if short_busy_timeout.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    return short_busy_timeout


class TestSQLiteReadsWhileSomeoneWrites:
    def test_page_and_api_answer_while_a_write_transaction_is_open(
        self, client: TestClient, writer_holding_the_lock: None
    ) -> None:
        started = time.monotonic()
        page = client.get("/bodies", params={"q": "札幌"})
        api = client.get("/api/v1/municipalities", params={"q": "札幌"})
        head = client.head(f"/bodies/{SAPPORO}")
        assert (page.status_code, api.status_code, head.status_code) == (200, 200, 200), page.text
        assert "札幌市" in page.text and api.json()["total"] >= 1
        assert time.monotonic() - started < 2  # not waiting on the writer at all

    def test_reader_sees_the_last_commit_not_the_open_write(
        self, client: TestClient, writer_holding_the_lock: None
    ) -> None:
        assert client.get(f"/api/v1/bodies/{SAPPORO}").json()["url"] != "https://example.jp/"


class TestSQLiteWriteThatCannotGetTheLock:
    def test_api_write_answers_503_with_retry_after(
        self, client: TestClient, writer_holding_the_lock: None
    ) -> None:
        started = time.monotonic()
        answer = client.patch(
            f"/api/v1/bodies/{SAPPORO}",
            json={"version": 1, "url": "https://example.org/"},
            headers={"Authorization": "Bearer not-checked-before-the-lock"},
        )
        _assert_busy_answer(answer, started=started)

    def test_form_post_answers_a_503_page(self, client: TestClient, writer_holding_the_lock: None) -> None:
        login = client.get("/login")
        token = login.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        started = time.monotonic()
        answer = client.post(
            "/login",
            data={"email": "someone@example.jp", "password": "x" * 12, "csrf_token": token},
            follow_redirects=False,
        )
        _assert_busy_answer(answer, started=started)
        assert answer.headers["content-type"].startswith("text/html")

    def test_the_write_goes_through_once_the_lock_is_free(self, client: TestClient, engine_: Engine) -> None:
        answer = client.patch(
            f"/api/v1/bodies/{SAPPORO}",
            json={"version": 1, "url": "https://example.org/"},
            headers={"Authorization": "Bearer not-a-token"},
        )
        assert answer.status_code == 401  # reached the token check: no lock in the way


class TestPoolExhausted:
    """Both databases: every pooled connection is taken and none frees up within the pool timeout."""

    @pytest.fixture
    def pool_of_one_taken(self, own_database: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        engine = _fresh_engine(monkeypatch, db_pool_size=1, db_max_overflow=0, db_pool_timeout=0.3)
        with engine.connect():
            yield

    def test_api_answers_503_with_retry_after(self, client: TestClient, pool_of_one_taken: None) -> None:
        started = time.monotonic()
        _assert_busy_answer(client.get(f"/api/v1/bodies/{SAPPORO}"), started=started)

    def test_page_answers_503_in_english_too(self, client: TestClient, pool_of_one_taken: None) -> None:
        answer = client.get("/bodies", params={"lang": "en"})
        assert answer.status_code == 503 and answer.headers["retry-after"]
        assert "busy" in answer.text


class TestRequestsMatchThePool:
    """Both databases: the application works on no more requests at once than the pool has connections,
    so a burst beyond the pool waits its turn instead of failing on the pool timeout (40 threads used to
    compete for 30 connections); past the queue's limits the answer is 503, never a 500."""

    def test_a_burst_larger_than_the_pool_is_served_in_full(
        self, own_database: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _fresh_engine(monkeypatch, db_pool_size=1, db_max_overflow=1, db_pool_timeout=0.05)
        answers = _burst("/api/v1/municipalities?limit=2000", 16)
        assert [a.status_code for a in answers] == [200] * 16

    def test_a_full_queue_answers_503_with_retry_after_at_once(
        self, own_database: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _fresh_engine(monkeypatch, db_pool_size=1, db_max_overflow=0, request_queue_seconds=0.05)
        busy = [a for a in _burst("/api/v1/municipalities?limit=2000", 12) if a.status_code != 200]
        assert busy and {a.status_code for a in busy} == {503}
        assert all(a.headers["retry-after"] and "busy" in a.json()["detail_en"] for a in busy)

    def test_a_page_turned_away_says_so_in_the_sites_layout(
        self, own_database: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _fresh_engine(monkeypatch, db_pool_size=1, db_max_overflow=0, request_queue_seconds=0.05)
        busy = [a for a in _burst("/bodies?lang=en", 12) if a.status_code != 200]
        assert busy and {a.status_code for a in busy} == {503}
        assert all("busy" in a.text and "<nav" in a.text for a in busy)


def _burst(path: str, count: int) -> list:  # type: ignore[type-arg]
    """``count`` simultaneous GETs of ``path`` on a fresh app (its request slots follow the settings)."""
    with TestClient(create_app()) as server, ThreadPoolExecutor(count) as burst:
        return list(burst.map(lambda _: server.get(path), range(count)))


class TestPostgreSQLBackendTerminated:
    def test_next_request_gets_a_new_connection(self, client: TestClient, own_database: Engine) -> None:
        if own_database.dialect.name != "postgresql":
            pytest.skip("pg_terminate_backend is PostgreSQL's")
        assert client.get(f"/api/v1/bodies/{SAPPORO}").status_code == 200  # leaves a connection pooled
        assert own_database.pool.checkedin() >= 1
        killer = create_engine(own_database.url, poolclass=NullPool)  # not one of the pool's connections
        with killer.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        killer.dispose()
        assert killed >= 1
        answers = [client.get(f"/api/v1/bodies/{SAPPORO}").status_code for _ in range(3)]
        assert answers == [200, 200, 200]
