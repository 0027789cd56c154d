"""Accounts through the real app: pages with CSRF, the JSON API with tokens, 401/403/409 as a user sees them."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts import service
from chiiki_iot.accounts.models import RoleGrant
from chiiki_iot.accounts.policy import Role
from chiiki_iot.core.db import get_sessionmaker
from tests.accounts.factories import PASSWORD


def make_user(role: Role | None = None, scope: str = "") -> str:
    """A committed user (the app sees it from its own sessions); returns the e-mail."""
    with get_sessionmaker()() as session, session.begin():
        user = service.create_user(
            session,
            email=f"{role or 'none'}-{scope}-{service.sec.new_token()[:6]}@example.jp",
            display_name="テスト",
            password=PASSWORD,
        )
        if role:
            user.grants.append(
                RoleGrant(
                    role=role.value, scope=service.check_scope(session, role, scope), granted_at=service.now()
                )
            )
        return user.email


def csrf(client: TestClient, page: str = "/login") -> str:
    html = client.get(page).text
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client: TestClient, email: str) -> None:
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def body_version(client: TestClient, code: str) -> int:
    return client.get(f"/api/v1/bodies/{code}").json()["version"]


def token_for(email: str) -> str:
    with get_sessionmaker()() as session, session.begin():
        _, secret = service.create_api_token(session, user=service.find_user(session, email), name="test")
        return secret


class TestSignInPages:
    def test_sign_in_sets_a_protected_session_cookie(self, client: TestClient) -> None:
        email = make_user()
        response = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf(client)},
            follow_redirects=False,
        )
        cookie = response.headers["set-cookie"]
        assert "chiiki_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert email in client.get("/account").text

    def test_a_post_without_the_csrf_token_is_refused(self, client: TestClient) -> None:
        email = make_user()
        client.get("/login")
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 403 and "ほかのサイト" in response.text
        assert "chiiki_session" not in response.headers.get("set-cookie", "")

    def test_brute_force_is_slowed_down(self, client: TestClient) -> None:
        email = make_user()
        token = csrf(client)
        statuses = [
            client.post(
                "/login", data={"email": email, "password": f"guess{i}", "csrf_token": token}
            ).status_code
            for i in range(service.MAX_FAILURES + 1)
        ]
        assert statuses[: service.MAX_FAILURES] == [401] * service.MAX_FAILURES and statuses[-1] == 429
        right = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert right.status_code == 429 and "15 分間" in right.text  # locked even for the right password

    def test_sign_out_ends_the_session(self, client: TestClient) -> None:
        sign_in(client, make_user())
        client.post("/logout", data={"csrf_token": client.cookies.get("chiiki_csrf")})
        assert client.get("/account").status_code == 401


class TestWhoMayEditThroughPages:
    def test_a_municipality_edits_its_own_page_and_gets_403_elsewhere(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
        token = client.cookies.get("chiiki_csrf")
        own = client.post(
            "/bodies/011002/edit",
            data={
                "url": "https://www.city.sapporo.jp/",
                "csrf_token": token,
                "version": body_version(client, "011002"),
            },
            follow_redirects=False,
        )
        assert own.status_code == 303
        assert client.get("/bodies/472018/edit").status_code == 403
        before = client.get("/api/v1/bodies/472018").json()
        other = client.post(
            "/bodies/472018/edit",
            data={"url": "https://x.example/", "csrf_token": token, "version": before["version"]},
        )
        assert other.status_code == 403 and "担当外" in other.text
        assert client.get("/api/v1/bodies/472018").json() == before

    def test_a_bad_address_comes_back_on_the_form_not_as_a_server_error(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
        before = client.get("/api/v1/bodies/011002").json()
        refused = client.post(
            "/bodies/011002/edit",
            data={
                "url": "ftp://x",
                "csrf_token": client.cookies.get("chiiki_csrf"),
                "version": before["version"],
            },
        )
        assert refused.status_code == 422 and 'name="url"' in refused.text and "ftp://x" in refused.text
        assert client.get("/api/v1/bodies/011002").json() == before

    def test_adding_a_role_starts_from_no_choice_not_from_the_secretariat(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.SECRETARIAT))
        page = client.get("/admin/users").text
        assert page.count('<option value="" selected disabled>役割を選んでください</option>') >= 2
        assert 'name="role" required>' in page

    def test_a_national_action_refused_does_not_speak_of_a_body_or_scope(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.BUREAU, "kanto"))
        refused = client.get("/admin/users")
        assert refused.status_code == 403 and "利用者の管理の権限がありません。" in refused.text
        assert "担当外" not in refused.text

    def test_anonymous_reads_public_pages_and_writes_nothing(self, client: TestClient) -> None:
        assert client.get("/bodies/011002").status_code == 200
        token = csrf(client)
        response = client.post(
            "/bodies/011002/edit",
            data={
                "url": "https://evil.example/",
                "csrf_token": token,
                "version": body_version(client, "011002"),
            },
        )
        assert response.status_code == 401
        assert client.get("/api/v1/bodies/011002").json()["url"] != "https://evil.example/"

    def test_a_stale_form_is_refused_and_shows_the_other_change(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.SECRETARIAT))
        token, opened = client.cookies.get("chiiki_csrf"), body_version(client, "131016")
        first = client.post(
            "/bodies/131016/edit",
            data={"url": "https://www.city.chiyoda.lg.jp/", "csrf_token": token, "version": opened},
            follow_redirects=False,
        )
        second = client.post(
            "/bodies/131016/edit",
            data={"url": "https://stale.example/", "csrf_token": token, "version": opened},
        )
        assert first.status_code == 303 and second.status_code == 409
        assert "https://www.city.chiyoda.lg.jp/" in second.text and "https://stale.example/" in second.text
        assert client.get("/api/v1/bodies/131016").json()["url"] == "https://www.city.chiyoda.lg.jp/"


class TestApiWithTokens:
    def test_own_body_with_a_token_other_body_403(self, client: TestClient) -> None:
        secret = token_for(make_user(Role.MUNICIPALITY, "472018"))
        headers = {"Authorization": f"Bearer {secret}"}
        ok = client.patch(
            "/api/v1/bodies/472018",
            json={"url": "https://www.city.naha.okinawa.jp/", "version": body_version(client, "472018")},
            headers=headers,
        )
        assert ok.status_code == 200 and ok.json()["url"] == "https://www.city.naha.okinawa.jp/"
        other = client.patch(
            "/api/v1/bodies/011002",
            json={"url": "https://x.example/", "version": body_version(client, "011002")},
            headers=headers,
        )
        assert other.status_code == 403 and other.headers["content-type"] == "application/problem+json"
        assert other.json()["detail_ja"] and other.json()["detail_en"]

    def test_a_revoked_token_stops_working_at_once(self, client: TestClient) -> None:
        email = make_user(Role.MUNICIPALITY, "472018")
        secret = token_for(email)
        headers = {"Authorization": f"Bearer {secret}"}
        assert client.get("/api/v1/me", headers=headers).json()["actor"] == email
        with get_sessionmaker()() as session, session.begin():
            user = service.find_user(session, email)
            for t in service.list_api_tokens(session, user=user):
                service.revoke_api_token(session, user=user, token_id=t.id)
        assert client.get("/api/v1/me", headers=headers).status_code == 401

    def test_a_cookie_alone_cannot_write_through_the_api(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.SECRETARIAT))
        response = client.patch(
            "/api/v1/bodies/011002", json={"url": "", "version": body_version(client, "011002")}
        )
        assert response.status_code == 401 and "Bearer" in response.json()["detail_en"]

    def test_stale_version_through_the_api_is_409(self, client: TestClient) -> None:
        secret = token_for(make_user(Role.SECRETARIAT))
        headers = {"Authorization": f"Bearer {secret}"}
        version = body_version(client, "012025")
        assert (
            client.patch(
                "/api/v1/bodies/012025",
                json={"url": "https://a.example/", "version": version},
                headers=headers,
            ).status_code
            == 200
        )
        stale = client.patch(
            "/api/v1/bodies/012025", json={"url": "https://b.example/", "version": version}, headers=headers
        )
        assert stale.status_code == 409 and stale.json()["current"]["url"] == "https://a.example/"

    def test_audit_log_for_the_secretariat_only(self, client: TestClient) -> None:
        admin = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
        muni = {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '011002'))}"}
        assert client.get("/api/v1/audit", headers=muni).status_code == 403
        assert client.get("/api/v1/audit").status_code == 401
        rows = client.get("/api/v1/audit", params={"entity": "bodies", "limit": 5}, headers=admin).json()
        assert rows and all(r["entity"] == "bodies" for r in rows)
        csv_text = client.get("/api/v1/audit", params={"format": "csv", "limit": 5}, headers=admin).content
        assert csv_text.decode("utf-8-sig").startswith("id,at,actor")


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit"])
def test_admin_pages_are_for_the_secretariat(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 401
    sign_in(client, make_user(Role.PREFECTURE, "13"))
    assert client.get(path).status_code == 403
    client.cookies.clear()
    sign_in(client, make_user(Role.SECRETARIAT))
    assert client.get(path).status_code == 200


class TestPrefectureInvitesItsMunicipality:
    def test_from_the_account_page_only_within_the_prefecture(
        self,
        client: TestClient,
        tmp_path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        from chiiki_iot.core.settings import get_settings

        monkeypatch.setattr(get_settings(), "mail_outbox", str(tmp_path))
        sign_in(client, make_user(Role.PREFECTURE, "01"))
        page = client.get("/account").text
        assert 'action="/account/invitations"' in page
        token = client.cookies.get("chiiki_csrf")
        ok = client.post(
            "/account/invitations",
            data={
                "email": "it@city.sapporo.example",
                "role": "municipality",
                "scope": "011002",
                "csrf_token": token,
            },
        )
        assert ok.status_code == 200 and "招待を送りました" in ok.text and list(tmp_path.glob("*.eml"))
        other = client.post(
            "/account/invitations",
            data={
                "email": "it@city.naha.example",
                "role": "municipality",
                "scope": "472018",
                "csrf_token": token,
            },
        )
        assert other.status_code == 403


class TestWhereARoleAppliesIsNamed:
    """A role's scope is shown by the place's name with its code (北海道（010006）), not the bare code a new
    user could not place: on one's own account page, in the users list and on an invitation."""

    def test_on_the_account_page_in_both_languages(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.PREFECTURE, "01"))
        assert "北海道（010006）" in client.get("/account").text
        english = client.get("/account", params={"lang": "en"}).text
        assert "Hokkaido" in english and "(010006)" in english and "（010006）" not in english

    def test_in_the_users_list_and_a_block_by_its_name_alone(self, client: TestClient) -> None:
        make_user(Role.MUNICIPALITY, "011002")
        make_user(Role.BUREAU, "tohoku")
        sign_in(client, make_user(Role.SECRETARIAT))
        page = client.get("/admin/users").text
        assert "札幌市（011002）" in page and "東北" in page
        # the block's slug appears only inside the test user's e-mail address
        assert "tohoku" not in page.replace("bureau-tohoku-", "")

    def test_on_an_invitation(self, client: TestClient) -> None:
        with get_sessionmaker()() as session, session.begin():
            inviter = service.principal_for(service.find_user(session, make_user(Role.SECRETARIAT)))
            _invitation, token = service.invite(
                session, principal=inviter, email="it@city.naha.example", role=Role.MUNICIPALITY,
                scope="472018",
            )  # fmt: skip
        assert "那覇市（472018）" in client.get(f"/invitations/{token}").text


class TestImportsGoThroughThePolicy:
    def test_a_municipality_cannot_import_registry_data(self) -> None:
        from chiiki_iot.accounts.policy import Forbidden
        from chiiki_iot.registry.importers import apply_population_import, plan_population_import

        with get_sessionmaker()() as session:
            user = service.find_user(session, make_user(Role.MUNICIPALITY, "011002"))
            plan = plan_population_import(
                session, data=b"code,population,as_of\n011002,1,2022-01-01\n", file_name="x.csv"
            )
            with pytest.raises(Forbidden):
                apply_population_import(session, plan, principal=service.principal_for(user))
            session.rollback()


class TestReviewFindings:
    """Regression tests for holes a security review found; each names what it guards."""

    def test_a_token_cannot_use_the_site_pages(self, client: TestClient) -> None:
        """A token limited to some roles must not reach /account, where it could mint an unlimited one."""
        headers = {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '011002'))}"}
        client.cookies.set("chiiki_csrf", "abc")
        response = client.post(
            "/account/tokens", data={"name": "escalate", "csrf_token": "abc"}, headers=headers
        )
        assert response.status_code == 401 and "/api/" in response.text

    def test_an_existing_account_cannot_be_invited(self, client: TestClient) -> None:
        """Otherwise a prefecture could invite its own address as a municipality and edit it."""
        email = make_user(Role.PREFECTURE, "01")
        sign_in(client, email)
        response = client.post(
            "/account/invitations",
            data={
                "email": email,
                "role": "municipality",
                "scope": "012025",
                "csrf_token": client.cookies.get("chiiki_csrf"),
            },
        )
        assert response.status_code == 422 and "既に登録" in response.text

    @pytest.mark.own_database  # six requests at once, each on a connection of its own, committing for real
    def test_concurrent_saves_end_in_one_success_and_conflicts_never_500(self, client: TestClient) -> None:
        from concurrent.futures import ThreadPoolExecutor

        headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
        version = body_version(client, "01203")

        def save(i: int) -> int:
            return client.patch(
                "/api/v1/bodies/01203",
                json={"url": f"https://c{i}.example/", "version": version},
                headers=headers,
            ).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = sorted(pool.map(save, range(6)))
        assert statuses == [200, 409, 409, 409, 409, 409]

    def test_a_patch_without_url_is_refused_rather_than_clearing_it(self, client: TestClient) -> None:
        headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
        response = client.patch(
            "/api/v1/bodies/011002", json={"version": body_version(client, "011002")}, headers=headers
        )
        assert response.status_code == 422


class TestPrefectureReviewThroughPagesAndApi:
    def test_own_municipality_yes_other_prefectures_no(self, client: TestClient) -> None:
        email = make_user(Role.PREFECTURE, "01")
        sign_in(client, email)
        page = client.get("/bodies/012025").text
        assert (
            "内容を確認済みにする" in page and "内容を確認済みにする" not in client.get("/bodies/472018").text
        )
        token = client.cookies.get("chiiki_csrf")
        ok = client.post(
            "/bodies/012025/review",
            data={"version": body_version(client, "012025"), "csrf_token": token},
            follow_redirects=False,
        )
        assert ok.status_code == 303
        assert (
            client.post(
                "/bodies/472018/review", data={"version": body_version(client, "472018"), "csrf_token": token}
            ).status_code
            == 403
        )
        headers = {"Authorization": f"Bearer {token_for(email)}"}
        api = client.post(
            "/api/v1/bodies/472018/review", json={"version": body_version(client, "472018")}, headers=headers
        )
        assert api.status_code == 403 and api.json()["type"] == "/problems/forbidden"
