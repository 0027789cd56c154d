"""Security headers on every response and the CSRF token rotated at sign-in (issue 12, finding 15)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from chiiki_iot.web.csrf import CSRF_COOKIE
from tests.accounts.test_auth import csrf, make_user, sign_in

EXPECTED = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def _directives(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    policy = response.headers["content-security-policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in (p.strip() for p in policy.split(";")) if d}


class TestEveryResponseCarriesThem:
    @pytest.mark.parametrize(
        "path",
        [
            "/",
            "/api/v1/blocks",
            "/api/v1/blocks?format=csv",
            "/static/app.css",
            "/map/tiles.svg",
            "/no-such-page",
            "/api/v1/bodies/999999",
            "/api/v1/municipalities?limit=-1",
        ],
    )
    def test_headers(self, client: TestClient, path: str) -> None:
        response = client.get(path)
        for name, value in EXPECTED.items():
            assert response.headers.get(name) == value, (path, name)
        policy = _directives(response)
        assert policy["frame-ancestors"] == "'none'"
        assert policy["default-src"] == "'self'" and policy["object-src"] == "'none'"

    def test_the_policy_allows_no_inline_script_or_style(self, client: TestClient) -> None:
        policy = _directives(client.get("/"))
        for directive in ("script-src", "style-src", "default-src"):
            assert "unsafe-inline" not in policy[directive] and "unsafe-eval" not in policy[directive]

    def test_a_redirect_and_a_form_error_carry_them_too(self, client: TestClient) -> None:
        login = client.post("/login", data={"email": "x@example.jp", "password": "x"})  # no CSRF token: 403
        assert login.status_code == 403 and login.headers["x-frame-options"] == "DENY"


class TestPagesNeedNoInlineCode:
    """The policy holds only if the pages carry no inline script, event handler or style attribute."""

    @pytest.mark.parametrize(
        "path", ["/", "/login", "/dashboard", "/roadmap", "/map", "/outreach", "/api/docs"]
    )
    def test_no_inline_code(self, client: TestClient, path: str) -> None:
        html = client.get(path).text.lower()
        assert "<script" not in html and " onclick=" not in html and "<style" not in html
        assert " style=" not in html


class TestCsrfTokenRotatesAtSignIn:
    def test_the_token_from_before_sign_in_is_replaced(self, client: TestClient) -> None:
        before = csrf(client)
        assert client.cookies.get(CSRF_COOKIE) == before
        sign_in(client, make_user(Role.SECRETARIAT))
        after = client.cookies.get(CSRF_COOKIE)
        assert after and after != before

    def test_the_old_token_no_longer_posts_a_form(self, client: TestClient) -> None:
        before = csrf(client)
        sign_in(client, make_user(Role.SECRETARIAT))
        stale = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
        assert stale.status_code == 403
        fresh = client.post(
            "/logout", data={"csrf_token": client.cookies.get(CSRF_COOKIE)}, follow_redirects=False
        )
        assert fresh.status_code == 303

    def test_pages_after_sign_in_carry_the_new_token(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.SECRETARIAT))
        assert csrf(client, "/account") == client.cookies.get(CSRF_COOKIE)
