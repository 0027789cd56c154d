"""The survey's screens as officials use them (issue 10): warnings before opening a round, refusals in the
preview with their rows, names instead of identifiers, who sees which non-respondents, and what a
prefecture does first. Rounds here use fiscal years no other test uses (these tests commit)."""

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from chiiki_iot.accounts.policy import Role
from chiiki_iot.cli import app
from chiiki_iot.core.fiscal import today_in_japan
from tests.accounts.test_auth import make_user, sign_in
from tests.adoption.test_survey_pages import upload, xlsx

BLOCK_SLUGS = (
    "hokkaido",
    "tohoku",
    "kanto",
    "shinetsu",
    "hokuriku",
    "tokai",
    "kinki",
    "chugoku",
    "shikoku",
    "kyushu",
    "okinawa",
)


def visible(html: str) -> str:
    """The page's text as a person reads it (tags, attributes and scripts left out)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", html)


def open_round(client: TestClient, fiscal_year: int) -> None:
    sign_in(client, make_user(Role.SECRETARIAT))
    opened = client.post(
        "/survey",
        data={
            "fiscal_year": str(fiscal_year),
            "deadline": f"{fiscal_year + 1}-05-31",
            "force": "true",
            "csrf_token": client.cookies.get("chiiki_csrf"),
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303, opened.text
    client.cookies.clear()


def test_opening_with_a_past_deadline_warns_and_needs_confirmation(client: TestClient) -> None:
    sign_in(client, make_user(Role.SECRETARIAT))
    token = client.cookies.get("chiiki_csrf")
    warned = client.post(
        "/survey", data={"fiscal_year": "2043", "deadline": "2020-01-31", "csrf_token": token}
    )
    assert warned.status_code == 422
    assert "回答期限 2020年01月31日 は過ぎています" in warned.text and 'name="force"' in warned.text
    assert 'value="2020-01-31"' in warned.text  # what was typed is kept
    assert client.get("/survey/fy2043").status_code == 404  # nothing was opened
    confirmed = client.post(
        "/survey",
        data={"fiscal_year": "2043", "deadline": "2020-01-31", "force": "true", "csrf_token": token},
        follow_redirects=True,
    )
    assert confirmed.status_code == 200 and "2043年度 地域IoT実装状況調査" in confirmed.text


@pytest.mark.own_database  # the CLI migrates on a connection of its own, then commits
def test_the_cli_warns_and_needs_force() -> None:
    runner = CliRunner()
    refused = runner.invoke(
        app, ["survey", "open", "2044", "--deadline", "2020-01-31", "--model", "open-data"]
    )
    assert refused.exit_code != 0 and "過ぎています" in refused.output and "--force" in refused.output
    forced = runner.invoke(
        app, ["survey", "open", "2044", "--deadline", "2020-01-31", "--model", "open-data", "--force"]
    )
    assert forced.exit_code == 0 and "過ぎています" in forced.output
    rates = runner.invoke(app, ["survey", "rates", "fy2044"]).output
    assert "信越" in rates and "北海道" in rates and not any(slug in rates for slug in BLOCK_SLUGS)


def test_the_form_takes_other_with_its_text_dated_today(client: TestClient) -> None:
    open_round(client, 2040)
    sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
    token = client.cookies.get("chiiki_csrf")
    missing = client.post(
        "/survey/fy2040/bodies/011002/answer",
        data={
            "csrf_token": token,
            "action": "submit",
            "stage__open-data": "検討中",
            "barrier__open-data": "その他",
        },
    )
    assert missing.status_code == 422
    assert "オープンデータ利活用「壁（その他の内容）」：「その他」の壁は内容を書いてください。" in visible(
        missing.text
    )
    ok = client.post(
        "/survey/fy2040/bodies/011002/answer",
        data={
            "csrf_token": token,
            "action": "submit",
            "stage__open-data": "検討中",
            "barrier__open-data": "その他",
            "barrier_text__open-data": "庁内の合意形成",
        },
        follow_redirects=True,
    )
    assert ok.status_code == 200 and "取り込みました（変更 1 件）" in ok.text
    history = [
        h for h in client.get("/api/v1/bodies/011002/status/history").json() if h["source_ref"] == "fy2040"
    ]
    assert [h["effective_on"] for h in history] == [today_in_japan().isoformat()]  # not the 基準日 2041-03-31
    assert "その他：庁内の合意形成" in client.get("/bodies/011002/status").text


def test_a_workbook_of_another_round_is_refused_naming_both_rounds(client: TestClient) -> None:
    open_round(client, 2041)
    open_round(client, 2042)
    sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
    book = xlsx(client, "/survey/fy2041/workbook.xlsx?body=011002")
    book["回答"]["F2"] = "検討中"
    refused = upload(client, "fy2042", book)
    assert refused.status_code == 422 and "この内容で取り込む" not in refused.text
    assert (
        'href="/survey/fy2042#upload">調査回のページで提出する' in refused.text
    )  # a way back to send it again
    assert (
        "2041年度 地域IoT実装状況調査の回答用ブックです。2042年度 地域IoT実装状況調査には取り込めません"
        in refused.text
    )
    assert upload(client, "fy2041", book).status_code == 200


def test_rows_of_another_body_are_errors_of_the_preview_with_sheet_and_row(client: TestClient) -> None:
    open_round(client, 2046)
    sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
    book = xlsx(client, "/survey/fy2046/workbook.xlsx?body=011002")
    sheet = book["回答"]
    sheet["F2"], sheet["A3"], sheet["F3"] = "検討中", "472018", "実装済"  # a row of 那覇市 slipped in
    refused = upload(client, "fy2046", book)
    assert refused.status_code == 422 and "この内容で取り込む" not in refused.text
    text = " ".join(visible(refused.text).split())
    assert (
        "回答 3 団体コード 沖縄県那覇市（472018）はあなたの担当外です" in text
    )  # sheet, row, column, reason
    sheet["A3"] = "011002"
    preview = upload(client, "fy2046", book)
    assert preview.status_code == 200
    names = " ".join(visible(preview.text).split())
    assert sheet["C2"].value in names  # the model's name, not its slug
    assert not re.search(r"<td>[a-z0-9]+(-[a-z0-9]+)+</td>", preview.text)  # no model slug in a cell


def test_the_round_page_names_blocks_and_the_body_and_scopes_non_respondents(client: TestClient) -> None:
    open_round(client, 2045)
    sign_in(client, make_user(Role.SECRETARIAT))
    page = client.get("/survey/fy2045").text
    assert "未回答の団体（1,788）" in page and "信越" in page
    assert not any(slug in visible(page) for slug in BLOCK_SLUGS)
    assert "Shinetsu" in client.get("/survey/fy2045?lang=en").text
    client.cookies.clear()
    sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
    page = client.get("/survey/fy2045").text
    assert "札幌市の回答用ブック" in page and "団体 011002" not in page
    assert "未回答の団体（1）" in page
    client.post(
        "/survey/fy2045/bodies/011002/answer",
        data={
            "csrf_token": client.cookies.get("chiiki_csrf"),
            "action": "submit",
            "stage__open-data": "検討中",
        },
    )
    client.cookies.clear()
    sign_in(client, make_user(Role.BUREAU, "hokkaido"))
    assert (
        "未回答の団体（179）" in client.get("/survey/fy2045").text
    )  # 北海道 and its 179 municipalities, less 札幌市
    client.cookies.clear()
    sign_in(client, make_user(Role.PREFECTURE, "01"))
    page = client.get("/survey/fy2045").text
    assert "未回答の団体（179）" in page and "沖縄県" not in visible(page).split("未回答の団体")[-1]
    awaiting = page.index("承認を待っている回答（1）")
    assert awaiting < page.index("回答用ブック") and page.index("北海道札幌市", awaiting) > awaiting
    assert "回答済み・未承認" in page


def test_an_approved_answer_offers_no_second_approval(client: TestClient) -> None:
    open_round(client, 2071)
    sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
    client.post(
        "/survey/fy2071/bodies/011002/answer",
        data={
            "csrf_token": client.cookies.get("chiiki_csrf"),
            "action": "submit",
            "stage__open-data": "検討中",
        },
    )
    client.cookies.clear()
    sign_in(client, make_user(Role.PREFECTURE, "01"))
    page = client.get("/survey/fy2071").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    approved = client.post(
        "/survey/fy2071/responses/011002",
        data={"csrf_token": client.cookies.get("chiiki_csrf"), "decision": "confirm", "version": version},
    )
    assert approved.status_code == 200 and "の回答を承認しました" in approved.text
    row = approved.text.split("北海道札幌市</a>")[1].split("</tr>")[0]
    assert "承認済" in row and "承認する" not in row and "差し戻す" in row
