"""The registry API: counts, lists as JSON and CSV, and problem+json errors in both languages."""

import csv
import io

from fastapi.testclient import TestClient


class TestRegistryApi:
    def test_summary_reports_the_counts(self, client: TestClient) -> None:
        body = client.get("/api/v1/registry").json()
        assert (body["prefectures"], body["municipalities"], body["blocks"]) == (47, 1741, 11)
        assert body["source"].startswith("japancode")
        assert any("浜松市" in c for c in body["corrections"])

    def test_prefectures_json_and_csv_agree(self, client: TestClient) -> None:
        items = client.get("/api/v1/prefectures").json()
        assert (
            len(items) == 47 and items[12]["name"] == "東京都" and items[12]["name_en"] == "Tokyo Metropolis"
        )
        response = client.get("/api/v1/prefectures?format=csv")
        assert response.headers["content-type"].startswith("text/csv")
        assert response.content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with a BOM
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert [r["code"] for r in rows] == [i["code"] for i in items]

    def test_municipalities_are_paged_and_total_1741(self, client: TestClient) -> None:
        page = client.get("/api/v1/municipalities?limit=10&offset=20").json()
        assert page["total"] == 1741 and len(page["items"]) == 10 and page["offset"] == 20

    def test_municipalities_csv_has_every_row(self, client: TestClient) -> None:
        text = client.get("/api/v1/municipalities?format=csv").content.decode("utf-8-sig")
        assert len(list(csv.DictReader(io.StringIO(text)))) == 1741

    def test_search_through_the_api(self, client: TestClient) -> None:
        items = client.get("/api/v1/municipalities", params={"q": "ｻｯﾎﾟﾛ"}).json()["items"]
        assert items[0]["code"] == "011002"

    def test_blocks(self, client: TestClient) -> None:
        blocks = client.get("/api/v1/blocks").json()
        assert len(blocks) == 11 and sum(len(b["prefecture_codes"]) for b in blocks) == 47
        assert client.get("/api/v1/blocks/kanto").json()["bureau_ja"] == "関東総合通信局"

    def test_body_by_five_digit_code(self, client: TestClient) -> None:
        assert client.get("/api/v1/bodies/13101").json()["full_name"] == "東京都千代田区"


class TestRegistryApiErrors:
    def test_wrong_check_digit_is_a_problem_document(self, client: TestClient) -> None:
        response = client.get("/api/v1/bodies/011003")
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert "検査数字" in problem["detail_ja"] and "check digit" in problem["detail_en"]

    def test_unknown_code_is_404(self, client: TestClient) -> None:
        response = client.get("/api/v1/bodies/999997")
        assert response.status_code == 404 and "not-found" in response.json()["type"]

    def test_bad_parameter_is_422_not_500(self, client: TestClient) -> None:
        response = client.get("/api/v1/municipalities?limit=0")
        assert response.status_code == 422 and response.json()["detail_en"]

    def test_unknown_population_band(self, client: TestClient) -> None:
        response = client.get("/api/v1/municipalities?population_band=huge")
        assert response.status_code == 422 and "population band" in response.json()["detail_en"]
