"""Error pages lead somewhere: a 401 offers sign-in that returns to the page, and sign-in honours
``next`` only for paths on this site (no open redirect)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from tests.accounts.factories import PASSWORD
from tests.accounts.test_auth import csrf, make_user, sign_in


def _post_login(client: TestClient, email: str, next_: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf(client), "next": next_},
        follow_redirects=False,
    )


class TestErrorPagesOfferTheNextStep:
    def test_401_offers_sign_in_that_comes_back(self, client: TestClient) -> None:
        page = client.get("/survey")
        assert page.status_code == 401
        assert (
            'href="/login?next=/survey">サインイン</a>（サインイン後' in page.text
        )  # one word for it, site-wide

    def test_401_keeps_the_query_of_the_page(self, client: TestClient) -> None:
        page = client.get("/survey?lang=ja")
        assert 'href="/login?next=/survey%3Flang%3Dja"' in page.text

    def test_403_offers_another_user_and_home(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
        page = client.get("/bodies/472018/edit")
        assert page.status_code == 403
        assert (
            "別の利用者でサインインする" in page.text
            and 'href="/login?next=/bodies/472018/edit"' in page.text
        )
        assert 'href="/"' in page.text

    def test_404_offers_search_and_home(self, client: TestClient) -> None:
        page = client.get("/no-such-page")
        assert page.status_code == 404 and 'href="/bodies"' in page.text and "団体を検索する" in page.text

    def test_english(self, client: TestClient) -> None:
        page = client.get("/survey?lang=en")
        assert ">Sign in</a>" in page.text and "ログイン" not in page.text.split("<main")[1]


class TestSignInReturns:
    def test_the_login_form_carries_next(self, client: TestClient) -> None:
        page = client.get("/login", params={"next": "/survey"})
        assert re.search(r'name="next" value="/survey"', page.text)

    def test_sign_in_returns_to_next(self, client: TestClient) -> None:
        response = _post_login(client, make_user(Role.SECRETARIAT), "/survey?x=1")
        assert response.status_code == 303 and response.headers["location"] == "/survey?x=1"

    def test_without_next_lands_on_account(self, client: TestClient) -> None:
        response = _post_login(client, make_user(), "")
        assert response.headers["location"] == "/account"

    @pytest.mark.parametrize(
        "target",
        [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "http:/evil.example",
        ],
    )
    def test_an_open_redirect_is_refused(self, client: TestClient, target: str) -> None:
        response = _post_login(client, make_user(), target)
        assert response.status_code == 303 and response.headers["location"] == "/account"

    def test_the_form_does_not_carry_a_foreign_next(self, client: TestClient) -> None:
        page = client.get("/login", params={"next": "//evil.example/"})
        assert 'name="next"' not in page.text


class TestInputErrorsOfferAWayOn:
    def test_a_bad_date_is_said_once_and_the_page_opens_without_it(self, client: TestClient) -> None:
        page = client.get("/dashboard", params={"as_of": "2019-02-30"})
        assert page.status_code == 422 and page.text.count("存在しない日付です") == 1
        assert 'href="/dashboard">条件を外してこのページを開く' in page.text

    def test_a_wrong_body_code_offers_the_search(self, client: TestClient) -> None:
        page = client.get("/bodies/999999", headers={"referer": "http://testserver/prefectures"})
        assert page.status_code == 422 and 'href="/bodies">団体を検索する' in page.text
        assert 'href="http://testserver/prefectures">前のページに戻る' in page.text
