"""The map page talks to visitors plainly; only the secretariat is told how to import boundaries."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from tests.accounts.test_auth import make_user, sign_in


class TestMapPageWithoutBoundaries:
    def test_a_visitor_gets_a_plain_statement_not_a_readme(self, client: TestClient) -> None:
        page = client.get("/map")
        assert "README" not in page.text and "境界データが未取り込みのため" in page.text
        assert "chiiki-iot import boundaries" not in page.text

    def test_the_secretariat_is_told_how_to_import(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.SECRETARIAT))
        page = client.get("/map")
        assert "事務局の方へ" in page.text and "chiiki-iot import boundaries FILE" in page.text
        assert "README" not in page.text

    def test_a_municipality_user_is_not_told_operator_steps(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
        assert "chiiki-iot import boundaries" not in client.get("/map").text

    def test_english(self, client: TestClient) -> None:
        page = client.get("/map", params={"lang": "en"})
        assert "Boundary data has not been imported" in page.text
