"""The roadmap through the API and pages."""

import csv
import io

from fastapi.testclient import TestClient


class TestRoadmapApi:
    def test_models_and_kpis(self, client: TestClient) -> None:
        models = client.get("/api/v1/roadmap/models").json()
        assert len(models) == 23
        l_alert = next(m for m in models if m["slug"] == "l-alert")
        assert [p["fiscal_year"] for p in l_alert["plans"]] == [2016, 2017, 2018, 2019, 2020]
        kpis = client.get("/api/v1/roadmap/kpis").json()
        assert any(k["target_text_ja"] == "1,303" for k in kpis)

    def test_kpis_csv(self, client: TestClient) -> None:
        text = client.get("/api/v1/roadmap/kpis?format=csv").content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == len(client.get("/api/v1/roadmap/kpis").json())

    def test_unknown_model_and_revision(self, client: TestClient) -> None:
        assert client.get("/api/v1/roadmap/models/nope").status_code == 404
        response = client.get("/api/v1/roadmap/fields?revision=1999-01")
        assert response.status_code == 404 and "1999-01" in response.json()["detail_en"]


class TestRoadmapPages:
    def test_overview_has_table_timeline_and_targets(self, client: TestClient) -> None:
        page = client.get("/roadmap")
        assert page.status_code == 200
        assert "/roadmap/timeline.svg" in page.text and "1,303" in page.text and "約3万" in page.text

    def test_timeline_svg(self, client: TestClient) -> None:
        response = client.get("/roadmap/timeline.svg")
        assert response.headers["content-type"] == "image/svg+xml" and "Lアラート" in response.text

    def test_model_page_in_english(self, client: TestClient) -> None:
        page = client.get("/roadmap/models/l-alert?lang=en")
        assert page.status_code == 200 and "FY2018" in page.text

    def test_home_shows_headline_figures(self, client: TestClient) -> None:
        page = client.get("/")
        assert "1,741" in page.text and ">47<" in page.text and ">11<" in page.text


class TestEnglishAndLabels:
    def test_kpi_list_in_english_shows_english_targets(self, client: TestClient) -> None:
        page = client.get("/roadmap/kpis?lang=en").text
        assert "about 30,000 sites" in page and "1,303 local governments" in page and "約3万" not in page
        assert "Schools" in page and "Basic Plan" in page

    def test_kpi_list_in_japanese_names_what_is_counted_in_japanese(self, client: TestClient) -> None:
        page = client.get("/roadmap/kpis").text
        assert "<td>学校</td>" in page and "<td>schools</td>" not in page

    def test_footnote_mark_appears_once(self, client: TestClient) -> None:
        for url in ("/roadmap/kpis", "/roadmap/models/open-data"):
            page = client.get(url).text
            assert "官民データ活用推進基本計画" in page and "※※" not in page and "※ ※" not in page, url

    def test_a_plan_that_runs_several_years_is_one_cell(self, client: TestClient) -> None:
        """Telework's plan is the same FY2016–FY2020: one cell spanning five years, as in the seed's figure."""
        page = client.get("/roadmap").text
        row = page.split('href="/roadmap/models/telework"')[1].split("</tr>")[0]
        assert row.count('colspan="5"') == 1 and row.count('class="phase ') == 1

    def test_field_page_in_english_has_no_japanese_area(self, client: TestClient) -> None:
        page = client.get("/roadmap/fields/education?lang=en").text
        assert "Fields close to everyday life" in page and "地域の生活に身近な分野" not in page


class TestRoutesAsLists:
    def test_revisions_and_fields_as_json_and_csv(self, client: TestClient) -> None:
        assert [r["slug"] for r in client.get("/api/v1/roadmap/revisions").json()] == ["2017-05"]
        text = client.get("/api/v1/roadmap/fields?format=csv").content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 10 and rows[-1]["models"].split() == [
            "iot-human-resources",
            "utilisation-rules",
            "security",
            "testbed",
            "wi-fi",
            "5g",
        ]

    def test_compare_page_and_api(self, client: TestClient) -> None:
        page = client.get("/roadmap/compare", params={"from": "2017-05", "to": "2017-05"})
        assert page.status_code == 200
        diff = client.get("/api/v1/roadmap/compare", params={"from": "2017-05", "to": "2017-05"}).json()
        assert diff["models_added"] == [] and diff["kpis_changed"] == []
        missing = client.get("/api/v1/roadmap/compare", params={"from": "2016-12", "to": "2017-05"})
        assert missing.status_code == 404 and "2016-12" in missing.json()["detail_ja"]

    def test_one_model_as_json(self, client: TestClient) -> None:
        model = client.get("/api/v1/roadmap/models/wi-fi").json()
        assert (
            model["field"] == "iot-infrastructure"
            and model["kpis"][0]["target_text_en"] == "about 30,000 sites"
        )

    def test_models_csv_has_a_column_per_fiscal_year(self, client: TestClient) -> None:
        text = client.get("/api/v1/roadmap/models?format=csv").content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == 23 and rows[0]["fy2016"].startswith("[実証]")

    def test_kpi_csv_baseline_is_readable_text(self, client: TestClient) -> None:
        text = client.get("/api/v1/roadmap/kpis?format=csv").content.decode("utf-8-sig")
        telework = next(r for r in csv.DictReader(io.StringIO(text)) if r["slug"] == "telework-companies")
        assert telework["baseline"].startswith("2012年度") and "{" not in telework["baseline"]

    def test_openapi_document_lists_every_api_route(self, client: TestClient) -> None:
        paths = client.get("/api/v1/openapi.json").json()["paths"]
        assert {"/api/v1/municipalities", "/api/v1/roadmap/kpis", "/api/v1/roadmap/compare"} <= set(paths)
