"""A form's address opened directly (from the history or a pasted link after the form was sent) is a page
in both languages in the site's layout, and an unsupported method on the API is problem+json; both keep
the ``Allow`` header. It used to be a bare English JSON line."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_a_forms_address_opened_directly_is_a_bilingual_page(client: TestClient) -> None:
    page = client.get("/account/password")
    assert page.status_code == 405 and page.headers["content-type"].startswith("text/html")
    assert "直接は開けません" in page.text and "cannot be opened directly" in page.text
    assert "<nav" in page.text  # the layout: the visitor can go on from here
    assert "POST" in page.headers["allow"]


def test_an_unsupported_method_on_the_api_is_problem_json(client: TestClient) -> None:
    answer = client.delete("/api/v1/registry")
    assert answer.status_code == 405 and answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/method-not-allowed"
    assert "DELETE" in problem["detail"] and "GET" in answer.headers["allow"]
