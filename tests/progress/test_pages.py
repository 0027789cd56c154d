"""The dashboard through the app: pages, charts and the open-data API agree with each other."""

import csv
import io

from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from tests.accounts.test_auth import make_user, token_for


def test_dashboard_kpi_prefecture_and_body_pages(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
    for code in ("431001", "432024"):  # 熊本市, 八代市
        response = client.post(
            f"/api/v1/bodies/{code}/status",
            headers=headers,
            json={"model": "smart-city", "stage": "実装済", "effective_on": "2018-04-01"},
        )
        assert response.status_code == 201
    for code in ("432032", "432041", "432059"):
        client.post(
            f"/api/v1/bodies/{code}/status",
            headers=headers,
            json={"model": "sharing-economy", "stage": "実装済", "effective_on": "2018-04-01"},
        )
    figure = client.post(
        "/api/v1/progress/kpis/smart-city-areas/national-figures",
        headers=headers,
        json={"fiscal_year": 2018, "value": 7, "source": "総務省調べ", "observed_on": "2019-03-31"},
    )
    assert figure.status_code == 201, figure.text
    refused = client.post(
        "/api/v1/progress/kpis/open-data-bodies/national-figures",
        headers=headers,
        json={"fiscal_year": 2018, "value": 7, "source": "x", "observed_on": "2019-03-31"},
    )
    assert refused.status_code == 422

    kpis = {k["kpi"]: k for k in client.get("/api/v1/progress/kpis", params={"as_of": "2019-03-31"}).json()}
    assert kpis["sharing-economy-bodies"]["value"] >= 3 and kpis["smart-city-areas"]["value"] == 7
    assert kpis["5g-launch"]["method"] == "not-measured" and kpis["5g-launch"]["rating"] == "評価なし"
    page = client.get("/dashboard", params={"as_of": "2019-03-31"})
    assert page.status_code == 200 and "シェアリングエコノミー" in page.text and "<progress" in page.text

    kumamoto = client.get(
        "/api/v1/progress/kpis/sharing-economy-bodies",
        params={"scope": "prefecture", "key": "43", "as_of": "2019-03-31"},
    ).json()
    assert kumamoto["value"] >= 3 and kumamoto["scope_key"] == "430005"
    breakdown = client.get(
        "/api/v1/progress/kpis/sharing-economy-bodies/breakdown",
        params={"level": "prefecture", "format": "csv", "as_of": "2019-03-31"},
    )
    rows = list(csv.DictReader(io.StringIO(breakdown.content.decode("utf-8-sig"))))
    assert (
        len(rows) == 47
        and sum(float(r["value"] or 0) for r in rows) == kpis["sharing-economy-bodies"]["value"]
    )
    pref = client.get("/dashboard/prefectures/43", params={"model": "sharing-economy", "as_of": "2019-03-31"})
    assert pref.status_code == 200 and "熊本県" in pref.text

    kpi = client.get("/dashboard/kpis/sharing-economy-bodies", params={"as_of": "2019-03-31"})
    assert kpi.status_code == 200 and "都道府県別" in kpi.text and "熊本県" in kpi.text
    chart = client.get("/dashboard/kpis/sharing-economy-bodies/trend.svg", params={"as_of": "2019-03-31"})
    assert chart.status_code == 200 and chart.text.startswith("<svg")
    stage_map = client.get(
        "/dashboard/stages/sharing-economy.svg", params={"scope": "prefecture", "key": "43"}
    )
    assert stage_map.status_code == 200 and "<svg" in stage_map.text

    body = client.get("/bodies/432032/progress")  # counted for the sharing-economy KPI
    assert body.status_code == 200 and "数えられています" in body.text
    funnel = client.get(
        "/api/v1/progress/funnel/smart-city", params={"scope": "prefecture", "key": "43"}
    ).json()
    assert funnel[-1]["counts"]["実装済"] >= 2
    assert client.get("/api/v1/progress/kpis", params={"scope": "planet"}).status_code == 422
    assert client.get("/dashboard/kpis/no-such-kpi").status_code == 404


def test_the_dcat_catalogue_lists_every_dataset_and_its_links_work(client: TestClient) -> None:
    response = client.get("/api/v1/catalog")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/ld+json")
    catalogue = response.json()
    assert (
        catalogue["@type"] == "dcat:Catalog" and catalogue["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    )
    ids = {d["dct:identifier"] for d in catalogue["dcat:dataset"]}
    assert {"progress-kpis", "kpi-open-data-bodies", "funnel-l-alert", "adoption-open-data"} <= ids
    for dataset in catalogue["dcat:dataset"][:8]:
        for distribution in dataset["dcat:distribution"]:
            path = distribution["dcat:accessURL"].split("8000", 1)[1]
            got = client.get(path)
            assert got.status_code == 200 and got.headers["content-type"].startswith(
                distribution["dcat:mediaType"]
            ), path


def test_odd_keys_never_break_the_csv_download(client: TestClient) -> None:
    response = client.get(
        "/api/v1/progress/kpis", params={"format": "csv", "scope": "prefecture", "key": "\x9dyKq\U000d55e7"}
    )
    assert response.status_code in (404, 422)
    ok = client.get("/api/v1/progress/kpis", params={"format": "csv", "scope": "prefecture", "key": "４７"})
    assert (
        ok.status_code == 200 and 'filename="kpis-prefecture-470007.csv"' in ok.headers["content-disposition"]
    )
