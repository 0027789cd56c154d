"""Adoption through the app: the status matrix, the model's adoption list, JSON/CSV, and recording by token."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from tests.accounts.test_auth import make_user, token_for


def test_record_by_token_then_read_as_of_dates(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '462012'))}"}  # 鹿児島市
    for stage, day in (("関心あり", "2017-06-01"), ("実装済", "2019-06-01")):
        response = client.post(
            "/api/v1/bodies/462012/status",
            headers=headers,
            json={
                "model": "tourism-cloud",
                "stage": stage,
                "effective_on": day,
                "project": "かごしま観光クラウド",
            },
        )
        assert response.status_code == 201, response.text
    other = client.post(
        "/api/v1/bodies/472018/status",
        headers=headers,
        json={"model": "tourism-cloud", "stage": "実装済", "effective_on": "2019-06-01"},
    )
    assert other.status_code == 403
    then = client.get("/api/v1/bodies/462012/status", params={"as_of": "2018-03-31"}).json()
    now = client.get("/api/v1/bodies/462012/status").json()
    assert [s["stage"] for s in then if s["model"] == "tourism-cloud"] == ["関心あり"]
    assert [s["stage"] for s in now if s["model"] == "tourism-cloud"] == ["実装済"]
    assert all(s["synthetic"] is False for s in now)

    page = client.get("/bodies/462012/status", params={"as_of": "2018-03-31"})
    assert page.status_code == 200 and "かごしま観光クラウド" in page.text and "関心あり" in page.text
    adoption = client.get("/roadmap/models/tourism-cloud/adoption")
    assert adoption.status_code == 200 and "鹿児島県鹿児島市" in adoption.text
    text = client.get("/api/v1/roadmap/models/tourism-cloud/adoption", params={"format": "csv"}).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert any(r["body_code"] == "462012" and r["stage"] == "実装済" for r in rows)


def test_unknown_model_and_bad_stage_are_explained(client: TestClient) -> None:
    assert client.get("/roadmap/models/nope/adoption").status_code == 404
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
    bad = client.post(
        "/api/v1/bodies/011002/status",
        headers=headers,
        json={"model": "open-data", "stage": "たぶん", "effective_on": "2020-01-01"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["message_ja"].startswith("次のいずれか")


@pytest.mark.own_database  # the CLI migrates on a connection of its own, then commits
def test_an_imported_indicator_shows_on_the_body_page(client: TestClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from chiiki_iot.cli import app

    data = tmp_path / "rate.csv"
    data.write_text("lgcode,date,rate\n10006,2021-04-01,28.5\n011002,2021-04-01,27.1\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "import",
            "indicator",
            str(data),
            "--slug",
            "test-rate",
            "--value-column",
            "rate",
            "--name",
            "テスト交付率",
            "--unit",
            "%",
            "--yes",
        ],
    )
    assert result.exit_code == 0, result.output
    page = client.get("/bodies/011002").text
    assert "テスト交付率" in page and "27.1%" in page
    values = client.get("/api/v1/bodies/010006/indicators").json()
    assert {
        "indicator": "test-rate",
        "body_code": "010006",
        "observed_on": "2021-04-01",
        "value": 28.5,
    } in values


def test_projects_with_partners_show_on_both_bodies(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '062014'))}"}  # 山形市
    created = client.post(
        "/api/v1/bodies/062014/projects",
        headers=headers,
        json={
            "name": "広域観光クラウド",
            "models": ["tourism-cloud"],
            "funding": "national-subsidy",
            "starts_on": "2018-04-01",
            "ends_on": "2020-03-31",
            "budget_yen": 12000000,
            "vendors": ["株式会社例"],
            "partners": ["06202"],
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["partners"] == ["062022"]  # 米沢市, 5-digit code normalised
    assert client.get("/api/v1/bodies/062022/projects").json()[0]["name"] == "広域観光クラウド"
    page = client.get("/bodies/062022/status").text
    assert "広域観光クラウド" in page and "062014 の事業に参加" in page
    bad = client.post(
        "/api/v1/bodies/062014/projects",
        headers=headers,
        json={
            "name": "x",
            "models": ["tourism-cloud"],
            "funding": "own",
            "starts_on": "2020-04-01",
            "ends_on": "2019-04-01",
        },
    )
    assert bad.status_code == 422 and "終了日" in bad.json()["detail_ja"]
    other = client.post(
        "/api/v1/bodies/011002/projects",
        headers=headers,
        json={"name": "x", "models": ["tourism-cloud"], "funding": "own"},
    )
    assert other.status_code == 403


def test_stages_read_in_english_on_the_english_site(client: TestClient) -> None:
    page = client.get("/roadmap/models/open-data/adoption?lang=en").text
    assert "Implemented" in page and "Not started" in page and "実装済" not in page


def test_kpi_inputs_come_from_the_roadmap_data_and_are_reported_per_year(client: TestClient) -> None:
    kpis = {k["slug"]: k for k in client.get("/api/v1/roadmap/kpis").json()}
    assert kpis["schools-using-cloud-materials"]["inputs"] == ["schools-total", "schools-cloud-ready"]
    assert kpis["wi-fi-sites"]["inputs"] == ["wifi-disaster-sites"]
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '202011'))}"}  # 長野市
    for slug, value in (("schools-total", 80), ("schools-cloud-ready", 20), ("schools-cloud-ready", 24)):
        response = client.post(
            "/api/v1/bodies/202011/inputs",
            headers=headers,
            json={"input": slug, "fiscal_year": 2019, "value": value},
        )
        assert response.status_code == 201, response.text
    figures = {
        (f["input"], f["fiscal_year"]): f["value"] for f in client.get("/api/v1/bodies/202011/inputs").json()
    }
    assert figures == {
        ("schools-total", 2019): 80,
        ("schools-cloud-ready", 2019): 24,
    }  # the newest record counts
    page = client.get("/bodies/202011/status").text
    assert "クラウド上の教材等を利活用可能な学校数" in page and ">24<" in page
    unknown = client.post(
        "/api/v1/bodies/202011/inputs",
        headers=headers,
        json={"input": "cars", "fiscal_year": 2019, "value": 1},
    )
    assert unknown.status_code == 404
    negative = client.post(
        "/api/v1/bodies/202011/inputs",
        headers=headers,
        json={"input": "schools-total", "fiscal_year": 2019, "value": -1},
    )
    assert negative.status_code == 422


def test_a_body_records_a_stage_and_a_barrier_on_its_page(client: TestClient) -> None:
    from tests.accounts.test_auth import sign_in

    assert (
        'action="/bodies/402036/status"' not in client.get("/bodies/402036/status").text
    )  # anonymous: no form
    sign_in(client, make_user(Role.MUNICIPALITY, "402036"))  # 久留米市
    page = client.get("/bodies/402036/status").text
    assert '<label for="rs-stage">' in page and '<label for="rb-barrier">' in page
    token = client.cookies.get("chiiki_csrf")
    recorded = client.post(
        "/bodies/402036/status",
        follow_redirects=True,
        data={
            "csrf_token": token,
            "model": "smart-agriculture",
            "stage": "検討中",
            "effective_on": "令和2年4月1日",
            "project": "くるめスマート農業",
        },
    )
    assert recorded.status_code == 200 and "記録しました" in recorded.text
    # the page opens at the history (#history): the confirmation stands there, beside the row it added
    assert recorded.text.index('id="history"') < recorded.text.index("記録しました")
    history = client.get("/api/v1/bodies/402036/status/history").json()
    assert [(h["model"], h["stage"], h["effective_on"], h["source_kind"]) for h in history] == [
        ("smart-agriculture", "検討中", "2020-04-01", "manual")
    ]
    script = client.post(
        "/bodies/402036/status",
        data={
            "csrf_token": token,
            "model": "smart-agriculture",
            "stage": "実装済",
            "effective_on": "2021-04-01",
            "url": "javascript:alert(1)",
        },
    )
    assert script.status_code == 422 and "http:// または https://" in script.text
    assert 'value="javascript:alert(1)"' in script.text  # what was typed is kept for correction
    vague = client.post(
        "/bodies/402036/barriers",
        data={
            "csrf_token": token,
            "model": "smart-agriculture",
            "barrier": "その他",
            "reported_on": "2021-04-01",
        },
    )
    assert vague.status_code == 422 and "内容を書いてください" in vague.text
    reported = client.post(
        "/bodies/402036/barriers",
        follow_redirects=True,
        data={
            "csrf_token": token,
            "model": "smart-agriculture",
            "barrier": "その他",
            "other_text": "通信環境が整っていない",
            "reported_on": "R3.4.1",
        },
    )
    assert reported.status_code == 200 and "通信環境が整っていない" in reported.text
    assert (
        len(client.get("/api/v1/bodies/402036/status/history").json()) == 1
    )  # the refused change left nothing
    assert (
        client.post(
            "/bodies/011002/status",
            data={
                "csrf_token": token,
                "model": "smart-agriculture",
                "stage": "実装済",
                "effective_on": "2021-04-01",
            },
        ).status_code
        == 403
    )


def test_barriers_by_api_in_json_and_csv(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.MUNICIPALITY, '032018'))}"}  # 盛岡市
    created = client.post(
        "/api/v1/bodies/032018/barriers",
        headers=headers,
        json={"model": "telework", "barrier": "人材の不足", "reported_on": "2020-03-31"},
    )
    assert created.status_code == 201, created.text
    vague = client.post(
        "/api/v1/bodies/032018/barriers",
        headers=headers,
        json={"model": "telework", "barrier": "その他", "reported_on": "2020-03-31"},
    )
    assert vague.status_code == 422 and "Describe the barrier" in vague.text
    listed = client.get("/api/v1/bodies/032018/barriers").json()
    assert [(b["model"], b["barrier"], b["source_kind"]) for b in listed] == [
        ("telework", "人材の不足", "manual")
    ]
    text = client.get("/api/v1/bodies/032018/barriers", params={"format": "csv"}).content.decode("utf-8-sig")
    assert "人材の不足" in text.splitlines()[1]
