"""The PDCA report: the workbook opens, its figures are the API's, and the print page and CLI produce it."""

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from chiiki_iot.accounts.policy import Role
from chiiki_iot.cli import app
from chiiki_iot.reports.pdca import SUMMARY_COLUMNS
from tests.accounts.test_auth import make_user, token_for

AS_OF = "2020-03-31"


def test_the_workbook_says_what_the_api_says(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.SECRETARIAT))}"}
    for code, day in (("202011", "2018-05-01"), ("202029", "2019-05-01")):  # 長野市, 松本市
        client.post(
            f"/api/v1/bodies/{code}/status",
            headers=headers,
            json={"model": "tourism-cloud", "stage": "実装済", "effective_on": day},
        )
    response = client.get("/reports/pdca.xlsx", params={"scope": "prefecture", "key": "20", "as_of": AS_OF})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert (
        book.sheetnames[0] == "概要"
        and "団体別の状況" in book.sheetnames
        and "前年度からの変更" in book.sheetnames
    )
    summary = book["概要"]
    header = next(r for r in range(1, 10) if summary.cell(r, 1).value == SUMMARY_COLUMNS[0])
    rows = [[c.value for c in summary[r]] for r in range(header + 1, summary.max_row + 1)]
    api = client.get(
        "/api/v1/progress/kpis", params={"scope": "prefecture", "key": "20", "as_of": AS_OF}
    ).json()
    assert [(r[0], r[6]) for r in rows] == [
        (k["name_ja"], k["coverage"]["eligible"] if k["coverage"] else None) for k in api
    ]  # the same KPIs in the same order, named in Japanese
    for row, kpi in zip(rows, api, strict=True):
        if kpi["value"] is None:
            assert row[3] in ("未報告", "定性目標")  # no data is not zero
        else:
            assert row[3] == pytest.approx(
                kpi["value"], abs=0.5
            )  # rounded for people; the API keeps precision
        assert row[9] == (pytest.approx(kpi["target"], abs=0.5) if kpi["target"] is not None else None)
        assert (
            row[11] == kpi["rating"] and isinstance(row[2], str) and "-" not in row[2]
        )  # 測定方法 in Japanese
    tourism = next(r for r, k in zip(rows, api, strict=True) if k["kpi"] == "tourism-cloud-bodies")
    assert tourism[3] >= 2 and tourism[5] >= 2 and tourism[1] == "観光クラウド"
    names = book.sheetnames[1:-2]
    assert all(len(n) <= 31 for n in names) and len(set(names)) == len(names)
    sheet = next(
        book[n] for n in names if n.endswith(tourism[0][: 31 - 3]) and book[n]["A1"].value == tourism[0]
    )
    years = [
        sheet.cell(r, 1).value for r in range(3, sheet.max_row + 1) if sheet.cell(r, 2).value is not None
    ]
    assert sheet._charts and years[-2:] == [
        2018,
        2019,
    ]  # years before anyone in 長野県 reported are no points
    changes = book["前年度からの変更"]
    assert ["202029", "長野県松本市", "観光クラウド"] in [
        [c.value for c in row][:3] for row in changes.iter_rows(min_row=2)
    ]
    status = book["団体別の状況"]
    assert status.max_row == 1 + 78  # 長野県 and its 77 municipalities

    page = client.get("/reports/pdca", params={"scope": "prefecture", "key": "20", "as_of": AS_OF})
    assert page.status_code == 200 and "長野県" in page.text and page.text.count("令和2年3月31日") == 1
    assert 'href="/reports/pdca.xlsx?scope=prefecture&amp;key=20' in page.text


@pytest.mark.own_database  # the CLI migrates on a connection of its own
def test_the_cli_writes_the_workbook(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "pdca.xlsx"
    result = CliRunner().invoke(
        app, ["report", "pdca", "-o", str(out), "--scope", "block", "--key", "shikoku", "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["概要"]["A1"].value == "地域IoT実装 PDCA 報告：四国"
    bad = CliRunner().invoke(app, ["report", "pdca", "-o", str(out), "--scope", "planet"])
    assert bad.exit_code != 0 and "nation" in bad.output
