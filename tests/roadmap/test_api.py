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
