"""The health endpoint: up and database reachable for anyone; the process's memory for the secretariat."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from tests.accounts.factories import create_user
from tests.accounts.test_auth import sign_in


def test_anyone_learns_the_server_is_up_but_not_its_memory(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body == {"status": "ok", "database": "ok"}


def test_the_secretariat_sees_the_process_memory_and_every_cache(
    session: Session, client: TestClient
) -> None:
    create_user(session, Role.SECRETARIAT, email="ops@example.jp")
    session.commit()
    sign_in(client, "ops@example.jp")
    client.get("/dashboard")  # fills the figures and a kept page
    process = client.get("/api/v1/health").json()["process"]
    assert process["rss_mb"] > 10 and process["peak_rss_mb"] >= process["rss_mb"] * 0.5
    caches = process["cache_entries"]
    assert {"figures (facts by date)", "kept pages", "rendered charts and maps"} <= set(caches)
    assert caches["figures (facts by date)"] >= 1
    # what the server holds for good was set aside when it started: no collection walks it again
    assert process["long_lived_objects"] > 50_000
    filled = process["cache_fills"]
    assert filled["figures (facts by date)"] >= 1 and filled["kept pages"] >= 1
    client.get("/dashboard")  # served from memory
    client.get("/no-such-page")  # a failed request changes nothing
    assert client.get("/api/v1/health").json()["process"]["cache_fills"] == filled
