"""An unforeseen fault is a page in both languages (or problem+json on the API), never a bare English line,
and whatever the request had written is rolled back."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chiiki_iot.app import create_app


def _app_with_a_fault() -> TestClient:
    app = create_app()

    @app.get("/probe/fault")
    @app.get("/api/v1/probe/fault")
    def fault() -> None:
        raise RuntimeError("a bug")

    return TestClient(app, raise_server_exceptions=False)


def test_a_page_fault_is_a_bilingual_page_in_the_layout() -> None:
    with _app_with_a_fault() as client:
        page = client.get("/probe/fault")
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "サーバー側の問題で処理できませんでした" in page.text and "A fault on the server" in page.text
    assert "<nav" in page.text  # the site's layout, so the visitor can go on
    # a fault is answered outside every middleware, yet carries the same protections as any page
    assert (
        page.headers["x-frame-options"] == "DENY"
        and "default-src 'self'" in page.headers["content-security-policy"]
    )


def test_an_api_fault_is_problem_json() -> None:
    with _app_with_a_fault() as client:
        answer = client.get("/api/v1/probe/fault")
    assert answer.status_code == 500 and answer.headers["content-type"] == "application/problem+json"
    assert (
        answer.json()["type"] == "/problems/server-error" and "nothing was saved" in answer.json()["detail"]
    )
