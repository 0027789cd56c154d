"""Every number a body sends has a domain range (issue 12, finding 5): one body's 1.7e308 made the national
sum infinite, the KPI read ``value: null, rating: 達成`` and the trend chart answered 500 for everyone; a
budget of 1e30 was a 500 on PostgreSQL. Now both are refused with 422 naming the field, by the API and the
survey form alike, and strings and lists have maximum lengths."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import service
from chiiki_iot.adoption.projects import BUDGET_MAX_YEN
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.registry.models import PopulationFigure
from chiiki_iot.roadmap.models import KpiInput
from tests.accounts.test_auth import make_user, sign_in, token_for


def _fields(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [e["location"] for e in response.json().get("errors", [])]


def _item(unit_ja: str) -> KpiInput:
    return KpiInput(slug="x", name_ja="項目", name_en="Item", unit_ja=unit_ja, unit_en="")


class TestUnitRanges:
    @pytest.mark.parametrize(
        ("unit", "ceiling"), [("校", 10**9), ("人", 10**9), ("%", 100), ("％", 100), ("千円", 10**13)]
    )
    def test_the_unit_sets_the_bound(self, unit: str, ceiling: int) -> None:
        service.check_input_value(_item(unit), float(ceiling))
        with pytest.raises(InvalidInput, match="以下"):
            service.check_input_value(_item(unit), float(ceiling) * 1.01)

    @pytest.mark.parametrize("value", [1.7e308, float("inf"), float("nan"), -1.0])
    def test_non_finite_and_negative_figures_are_refused(self, value: float) -> None:
        with pytest.raises(InvalidInput):
            service.check_input_value(_item("校"), value)


class TestBodySize:
    """A count is bounded by the reporting body's population where the roadmap declares a per-inhabitant
    maximum and the population is known (a village of 2,000 cannot have 5,000 PHR users)."""

    @pytest.fixture
    def headers(self) -> dict[str, str]:
        with get_sessionmaker().begin() as setup:
            setup.add(
                PopulationFigure(
                    body_code="202011", as_of=dt.date(2024, 1, 1), population=2_000, source="テスト",
                    imported_at=dt.datetime.now(dt.UTC),
                )
            )  # fmt: skip
        return {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '202011'))}"}

    def _send(self, client: TestClient, headers: dict[str, str], slug: str, value: float):  # type: ignore[no-untyped-def]
        return client.post(
            "/api/v1/bodies/202011/inputs",
            headers=headers,
            json={"input": slug, "fiscal_year": 2019, "value": value},
        )

    def test_more_users_than_inhabitants_is_refused_in_both_languages(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        refused = self._send(client, headers, "phr-users-count", 5_000)
        assert refused.status_code == 422 and _fields(refused) == ["value"]
        problem = refused.json()
        assert "人口 2,000 人の団体としては多すぎます" in problem["detail_ja"]
        assert "too many for a body of 2,000 inhabitants" in problem["detail_en"]
        assert client.get("/api/v1/bodies/202011/inputs").json() == []

    def test_a_figure_within_the_bodys_size_is_recorded(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        assert self._send(client, headers, "phr-users-count", 2_000).status_code in (200, 201)
        assert self._send(client, headers, "schools-total", 100).status_code in (200, 201)
        assert self._send(client, headers, "schools-total", 101).status_code == 422  # 0.05 per inhabitant

    def test_a_small_body_may_still_report_one(self) -> None:
        item = KpiInput(
            slug="x", name_ja="学校数", name_en="Schools", unit_ja="校", unit_en="", per_inhabitant_max=0.05
        )
        service.check_input_value(item, 1, population=3)
        with pytest.raises(InvalidInput, match="多すぎます"):
            service.check_input_value(item, 2, population=3)

    def test_without_a_population_the_unit_alone_bounds_the_figure(self) -> None:
        item = KpiInput(
            slug="x", name_ja="学校数", name_en="Schools", unit_ja="校", unit_en="", per_inhabitant_max=0.05
        )
        service.check_input_value(item, 5_000, population=None)


class TestKpiInputsThroughTheApi:
    @pytest.fixture
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '202011'))}"}  # 長野市

    def test_a_huge_figure_is_422_naming_the_field(self, client: TestClient, headers: dict[str, str]) -> None:
        response = client.post(
            "/api/v1/bodies/202011/inputs",
            headers=headers,
            json={"input": "wifi-disaster-sites", "fiscal_year": 2019, "value": 1.7e308},
        )
        assert response.status_code == 422 and _fields(response) == ["value"]
        assert client.get("/api/v1/bodies/202011/inputs").json() == []

    def test_a_count_beyond_a_billion_is_refused_by_its_unit(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        response = client.post(
            "/api/v1/bodies/202011/inputs",
            headers=headers,
            json={"input": "schools-total", "fiscal_year": 2019, "value": 2e9},
        )
        assert response.status_code == 422 and "学校数" in response.json()["detail_ja"]
        assert [e["location"] for e in response.json()["errors"]] == ["value"]  # the field, for the client
        ok = client.post(
            "/api/v1/bodies/202011/inputs",
            headers=headers,
            json={"input": "schools-total", "fiscal_year": 2019, "value": 80},
        )
        assert ok.status_code == 201


def test_the_survey_form_refuses_a_huge_figure(client: TestClient) -> None:
    sign_in(client, make_user(Role.SECRETARIAT))
    client.post(
        "/survey",
        data={
            "fiscal_year": "2024",
            "deadline": "2025-05-31",
            "force": "true",
            "csrf_token": client.cookies.get("chiiki_csrf"),
        },
    )
    client.cookies.clear()
    sign_in(client, make_user(Role.MUNICIPALITY, "141003"))
    client.get("/survey/fy2024/bodies/141003/answer")
    huge = "17" + "0" * 307  # 1.7e308 written out: the form reads digits, not exponents
    response = client.post(
        "/survey/fy2024/bodies/141003/answer",
        data={
            "csrf_token": client.cookies.get("chiiki_csrf"),
            "action": "submit",
            "figure__schools-total": huge,
        },
    )
    assert response.status_code == 422 and "以下で入力してください" in response.text
    assert client.get("/api/v1/bodies/141003/inputs").json() == []


class TestProjectLimits:
    """Run on both databases: on PostgreSQL the budget was a 500 (integer out of range)."""

    @pytest.fixture
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '062014'))}"}  # 山形市

    def _post(self, client: TestClient, headers: dict[str, str], **fields: object):  # type: ignore[no-untyped-def]
        body = {"name": "観光クラウド", "models": ["tourism-cloud"], "funding": "own", **fields}
        return client.post("/api/v1/bodies/062014/projects", headers=headers, json=body)

    @pytest.mark.parametrize("budget", [1e30, 10**30, BUDGET_MAX_YEN + 1])
    def test_a_huge_budget_is_422_naming_the_field(
        self, client: TestClient, headers: dict[str, str], budget: float
    ) -> None:
        response = self._post(client, headers, budget_yen=budget)
        assert response.status_code == 422 and _fields(response) == ["budget_yen"], response.text

    def test_the_largest_budget_is_stored(self, client: TestClient, headers: dict[str, str]) -> None:
        response = self._post(client, headers, budget_yen=BUDGET_MAX_YEN)
        assert response.status_code == 201 and response.json()["budget_yen"] == BUDGET_MAX_YEN

    def test_lists_and_their_items_have_maximum_lengths(
        self, client: TestClient, headers: dict[str, str]
    ) -> None:
        too_many = self._post(client, headers, vendors=[f"株式会社{i}" for i in range(51)])
        assert too_many.status_code == 422 and _fields(too_many) == ["vendors"]
        too_long = self._post(client, headers, vendors=["あ" * 256])
        assert too_long.status_code == 422 and _fields(too_long) == ["vendors.0"]
