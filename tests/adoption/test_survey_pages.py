"""The survey through the site: a municipality downloads its workbook, uploads it filled in, sees the
preview, commits; a bad workbook is refused with an annotated copy to download."""

import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from chiiki_iot.accounts.policy import Role
from tests.accounts.test_auth import make_user, sign_in


def xlsx(client: TestClient, url: str) -> object:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content))


def upload(client: TestClient, slug: str, book) -> object:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    book.save(out)
    return client.post(
        f"/survey/{slug}/uploads",
        files={"file": ("回答.xlsx", out.getvalue())},
        data={"csrf_token": client.cookies.get("chiiki_csrf")},
        follow_redirects=True,
    )


def test_round_through_the_site(client: TestClient) -> None:
    sign_in(client, make_user(Role.SECRETARIAT))
    opened = client.post(
        "/survey",
        data={
            "fiscal_year": "2021",
            "deadline": "2022-05-31",
            "force": "true",
            "csrf_token": client.cookies.get("chiiki_csrf"),
        },
        follow_redirects=True,
    )
    assert opened.status_code == 200 and "2021年度 地域IoT実装状況調査" in opened.text
    client.cookies.clear()
    sign_in(client, make_user(Role.MUNICIPALITY, "131016"))  # 千代田区
    book = xlsx(client, "/survey/fy2021/workbook.xlsx?body=131016")
    sheet = book["回答"]
    assert sheet["A2"].value == "131016" and sheet.max_row == 1 + 23
    assert client.get("/survey/fy2021/workbook.xlsx?body=011002").status_code == 404  # not its body
    sheet["F2"], sheet["K2"], sheet["G2"] = "実証中", "R3.6.1", "人材の不足"
    sheet["F3"] = "ほぼ"
    refused = upload(client, "fy2021", book)
    assert refused.status_code == 422 and "ほぼ" in refused.text
    errors_link = refused.url.path + "/errors.xlsx"
    assert "エラー一覧" in xlsx(client, errors_link).sheetnames
    sheet["F3"] = "関心あり"
    preview = upload(client, "fy2021", book)
    assert preview.status_code == 200 and "この内容で取り込む" in preview.text and "実証中" in preview.text
    assert "人材の不足" in preview.text  # the barrier sent is shown before it is recorded
    committed = client.post(
        preview.url.path, data={"csrf_token": client.cookies.get("chiiki_csrf")}, follow_redirects=True
    )
    assert committed.status_code == 200 and "取り込みました（変更 2 件）" in committed.text
    history = client.get("/api/v1/bodies/131016/status/history").json()
    assert {(h["stage"], h["source_kind"], h["source_ref"]) for h in history} >= {
        ("実証中", "survey", "fy2021"),
        ("関心あり", "survey", "fy2021"),
    }
    status_page = client.get("/bodies/131016/status").text
    assert "報告された壁" in status_page and "人材の不足" in status_page
    again = client.post(preview.url.path, data={"csrf_token": client.cookies.get("chiiki_csrf")})
    assert again.status_code == 409  # the same upload cannot be committed twice
    back = client.get(preview.url.path)  # the browser's back button: the page says it is done
    assert "取り込み済みです" in back.text and "この内容で取り込む" not in back.text

    client.cookies.clear()
    sign_in(client, make_user(Role.PREFECTURE, "13"))
    page = client.get("/survey/fy2021").text
    assert "東京都千代田区" in page and "承認する" in page and ">確認する<" not in page
    version = 1
    reviewed = client.post(
        "/survey/fy2021/responses/131016",
        data={"decision": "confirm", "version": version, "csrf_token": client.cookies.get("chiiki_csrf")},
        follow_redirects=True,
    )
    assert reviewed.status_code == 200 and "承認済" in reviewed.text
    assert "東京都千代田区 の回答を承認しました。" in reviewed.text  # the prefecture sees that it worked
    stale = client.post(
        "/survey/fy2021/responses/131016",
        data={"decision": "return", "version": version, "csrf_token": client.cookies.get("chiiki_csrf")},
    )
    assert stale.status_code == 409
    client.cookies.clear()
    sign_in(client, make_user(Role.PREFECTURE, "01"))
    other = client.post(
        "/survey/fy2021/responses/131016",
        data={"decision": "return", "version": 2, "csrf_token": client.cookies.get("chiiki_csrf")},
    )
    assert other.status_code == 403


def test_the_online_form_saves_a_draft_then_submits(client: TestClient) -> None:
    sign_in(client, make_user(Role.SECRETARIAT))
    client.post(
        "/survey",
        data={
            "fiscal_year": "2023",
            "deadline": "2024-05-31",
            "force": "true",
            "csrf_token": client.cookies.get("chiiki_csrf"),
        },
    )
    client.cookies.clear()
    sign_in(client, make_user(Role.MUNICIPALITY, "141003"))  # 横浜市
    form = client.get("/survey/fy2023/bodies/141003/answer")
    assert form.status_code == 200 and 'name="stage__open-data"' in form.text
    token = client.cookies.get("chiiki_csrf")
    draft = client.post(
        "/survey/fy2023/bodies/141003/answer",
        data={
            "csrf_token": token,
            "action": "draft",
            "stage__open-data": "実証中",
            "project__open-data": "横浜オープンデータ",
        },
    )
    assert draft.status_code == 200 and "下書きを保存しました" in draft.text
    reopened = client.get("/survey/fy2023/bodies/141003/answer").text
    assert "横浜オープンデータ" in reopened
    history = client.get("/api/v1/bodies/141003/status/history").json()
    assert [h for h in history if h["source_ref"] == "fy2023"] == []  # a draft records nothing
    rates = client.get("/survey/fy2023").text
    assert "未回答の団体（1）" in rates  # and is not an answer (a municipality follows only itself)
    bad = client.post(
        "/survey/fy2023/bodies/141003/answer",
        data={
            "csrf_token": token,
            "action": "submit",
            "stage__open-data": "実証中",
            "barrier__open-data": "天気",
        },
    )
    assert bad.status_code == 422
    ok = client.post(
        "/survey/fy2023/bodies/141003/answer",
        data={
            "csrf_token": token,
            "action": "submit",
            "stage__open-data": "実証中",
            "project__open-data": "横浜オープンデータ",
        },
        follow_redirects=True,
    )
    assert (
        ok.status_code == 200 and "取り込みました（変更 1 件）" in ok.text and "未回答の団体（0）" in ok.text
    )
    assert client.get("/survey/fy2023/bodies/011002/answer").status_code == 403


def test_the_online_form_asks_the_rounds_figures(client: TestClient) -> None:
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
    form = client.get("/survey/fy2024/bodies/141003/answer").text
    assert '<label for="figure-schools-total">' in form and 'name="figure__wifi-disaster-sites"' in form
    token = client.cookies.get("chiiki_csrf")
    draft = client.post(
        "/survey/fy2024/bodies/141003/answer",
        data={"csrf_token": token, "action": "draft", "figure__schools-total": "５００"},
    )
    assert draft.status_code == 200 and 'value="５００"' in draft.text  # the draft keeps what was typed
    bad = client.post(
        "/survey/fy2024/bodies/141003/answer",
        data={"csrf_token": token, "action": "submit", "figure__schools-total": "約500"},
    )
    assert bad.status_code == 422 and "「約500」は数として読めません" in bad.text
    assert client.get("/api/v1/bodies/141003/inputs").json() == []
    ok = client.post(
        "/survey/fy2024/bodies/141003/answer",
        data={"csrf_token": token, "action": "submit", "figure__schools-total": "1,002校"},
        follow_redirects=True,
    )
    assert ok.status_code == 200 and "未回答の団体（0）" in ok.text
    figures = client.get("/api/v1/bodies/141003/inputs").json()
    assert [(f["input"], f["fiscal_year"], f["value"], f["source_ref"]) for f in figures] == [
        ("schools-total", 2024, 1002.0, "fy2024")
    ]


class TestUploadFormOnlyForThoseWhoMayRecord:
    """A bureau follows a round but records no body's status: it is not offered a form that would refuse it."""

    def test_bureau_sees_the_round_without_the_upload_form(self, client: TestClient) -> None:
        sign_in(client, make_user(Role.SECRETARIAT))
        client.post(
            "/survey",
            data={
                "fiscal_year": "2043",
                "deadline": "2044-05-31",
                "force": "true",
                "csrf_token": client.cookies.get("chiiki_csrf"),
            },
        )
        client.cookies.clear()
        sign_in(client, make_user(Role.BUREAU, "kanto"))
        page = client.get("/survey/fy2043")
        assert page.status_code == 200 and "回答率（地域ブロック別）" in page.text
        assert 'id="upload"' not in page.text
        client.cookies.clear()
        sign_in(client, make_user(Role.MUNICIPALITY, "131016"))
        assert 'id="upload"' in client.get("/survey/fy2043").text
