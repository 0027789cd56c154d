"""Input PostgreSQL cannot store or count is refused as the user's mistake (422, naming the field), never a
500: a NUL character anywhere in the path, query, a form or a JSON body (refused in one place for the whole
app), and a paging offset beyond what the database's integers hold. Runs on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from chiiki_iot.web.validation import MAX_OFFSET
from tests.accounts.test_auth import csrf, make_user, token_for


def _problem(answer) -> dict:  # type: ignore[no-untyped-def]
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    return answer.json()


class TestNulCharacter:
    def test_search_query_names_the_parameter(self, client: TestClient) -> None:
        problem = _problem(client.get("/api/v1/municipalities?q=%00"))
        assert [e["location"] for e in problem["errors"]] == ["q"]
        assert "NUL" in problem["detail_ja"] and "NUL" in problem["detail_en"]

    def test_nul_inside_other_text_and_in_several_parameters(self, client: TestClient) -> None:
        problem = _problem(client.get("/api/v1/municipalities", params={"q": "札幌\x00市", "kind": "\x00"}))
        assert {e["location"] for e in problem["errors"]} == {"q", "kind"}

    def test_path_parameter(self, client: TestClient) -> None:
        problem = _problem(client.get("/api/v1/bodies/01100%00"))
        assert problem["errors"][0]["location"] == "code"

    def test_json_body_names_the_field(self, client: TestClient) -> None:
        headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
        answer = client.patch(
            "/api/v1/bodies/011002", json={"version": 1, "url": "https://a.jp/\x00"}, headers=headers
        )
        assert [e["location"] for e in _problem(answer)["errors"]] == ["url"]

    def test_form_answers_a_page_in_both_languages(self, client: TestClient) -> None:
        token = csrf(client)
        page = client.post("/login", data={"email": "a\x00@example.jp", "password": "x", "csrf_token": token})
        assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
        assert "「email」に使えない文字（NUL" in page.text
        english = client.post(
            "/login?lang=en", data={"email": "a\x00@example.jp", "password": "x", "csrf_token": token}
        )
        assert english.status_code == 422 and "contains a NUL character" in english.text

    def test_ordinary_text_still_passes(self, client: TestClient) -> None:
        assert client.get("/api/v1/municipalities", params={"q": "札幌"}).status_code == 200
        assert client.get("/api/v1/municipalities", params={"q": "%00"}).status_code == 200  # literal text


class TestOffsetOutOfRange:
    @pytest.mark.parametrize("offset", [MAX_OFFSET + 1, 2**63, 10**30, -1])
    def test_municipalities(self, client: TestClient, offset: int) -> None:
        problem = _problem(client.get("/api/v1/municipalities", params={"offset": offset}))
        assert problem["errors"][0]["location"] == "offset"

    @pytest.mark.parametrize("offset", [MAX_OFFSET + 1, 2**63, 10**30, -1])
    def test_audit_log(self, client: TestClient, offset: int) -> None:
        headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
        problem = _problem(client.get("/api/v1/audit", params={"offset": offset}, headers=headers))
        assert problem["errors"][0]["location"] == "offset"

    def test_largest_offset_is_an_empty_page(self, client: TestClient) -> None:
        headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
        assert client.get("/api/v1/audit", params={"offset": MAX_OFFSET}, headers=headers).json() == []
        page = client.get("/api/v1/municipalities", params={"offset": MAX_OFFSET}).json()
        assert page["items"] == [] and page["total"] > 0
