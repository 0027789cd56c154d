"""A code typed by a person is never zero-padded into another body: /bodies/1310 is refused with a
bilingual reason, while the documented 5-digit JIS form keeps working (its check digit is computed)."""

from __future__ import annotations

from fastapi.testclient import TestClient


class TestShortCodesAreRefused:
    def test_four_digits_on_the_page_is_refused_not_padded(self, client: TestClient) -> None:
        page = client.get("/bodies/1310", follow_redirects=False)
        assert page.status_code == 422 and "location" not in page.headers
        assert "団体コード「1310」は4桁です" in page.text and "has 4 digits" in page.text
        assert "013102" not in page.text

    def test_four_digits_on_the_api_is_refused(self, client: TestClient) -> None:
        answer = client.get("/api/v1/bodies/1310")
        assert answer.status_code == 422 and "4桁" in answer.json()["detail_ja"]
        assert "4 digits" in answer.json()["detail_en"]

    def test_full_width_four_digits_are_refused_too(self, client: TestClient) -> None:
        assert client.get("/bodies/１３１０", follow_redirects=False).status_code == 422

    def test_five_digit_jis_code_still_leads_to_the_body(self, client: TestClient) -> None:
        response = client.get("/bodies/13101", follow_redirects=False)
        assert response.status_code == 301 and response.headers["location"] == "/bodies/131016"

    def test_six_digit_code_with_a_leading_zero_works(self, client: TestClient) -> None:
        assert client.get("/api/v1/bodies/011002").json()["code"] == "011002"
