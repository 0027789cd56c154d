"""A bad date in a query parameter is explained in Japanese (English with lang=en or on the API), naming
the parameter and the form expected, instead of Pydantic's English text."""

from __future__ import annotations

from html import unescape

from fastapi.testclient import TestClient


class TestBadDateInQuery:
    def test_page_names_parameter_and_form_in_japanese(self, client: TestClient) -> None:
        page = client.get("/dashboard", params={"as_of": "2019-02-30"})
        assert page.status_code == 422
        assert "「as_of」の「2019-02-30」" in page.text and "YYYY-MM-DD" in page.text
        assert "Input should be a valid date" not in page.text

    def test_page_in_english(self, client: TestClient) -> None:
        page = client.get("/dashboard", params={"as_of": "2019/02/03", "lang": "en"})
        assert page.status_code == 422 and "'as_of': '2019/02/03' is not a valid date" in unescape(page.text)
        assert "Input should be" not in page.text

    def test_api_detail_says_which_parameter_and_form(self, client: TestClient) -> None:
        answer = client.get("/api/v1/progress/kpis", params={"as_of": "2019-02-30"})
        problem = answer.json()
        assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
        assert "as_of" in problem["detail_ja"] and "YYYY-MM-DD" in problem["detail_ja"]
        assert "YYYY-MM-DD" in problem["detail_en"]
        assert problem["errors"][0]["location"] == "as_of" and "Input should" not in str(problem["errors"])

    def test_wareki_is_named_as_not_accepted(self, client: TestClient) -> None:
        page = client.get("/dashboard", params={"as_of": "令和元年5月1日"})
        assert page.status_code == 422 and "和暦は使えません" in page.text
