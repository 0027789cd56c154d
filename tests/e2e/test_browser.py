"""The main pages in a real browser: they load without console errors, pass axe-core without serious
violations, and work with the keyboard."""

import pytest

from tests.e2e.conftest import serious_violations, settle

pytestmark = pytest.mark.e2e

MAIN_PAGES = [
    "/",
    "/?lang=en",
    "/roadmap",
    "/roadmap/kpis",
    "/roadmap/fields/disaster-prevention",
    "/roadmap/models/open-data",
    "/bodies",
    "/bodies?q=さっぽろ",
    "/bodies/011002",
    "/bodies/470007",
    "/blocks",
    "/blocks/kanto",
    "/map",
    "/map?lang=en",
    "/prefectures",
    "/roadmap?lang=en",
    "/roadmap/kpis?lang=en",
    "/api/docs",
    "/login",
    "/password/forgot",
    "/bodies/011002/status",
    "/roadmap/models/open-data/adoption",
    "/bodies/011003",
    "/dashboard",
    "/dashboard?lang=en",
    "/dashboard/kpis/open-data-bodies",
    "/dashboard/kpis/schools-using-cloud-materials?lang=en",
    "/dashboard/prefectures/130001",
    "/dashboard/blocks/kyushu",
    "/bodies/011002/progress",
    "/outreach",
    "/outreach?lang=en",
    "/outreach/calendar?month=2017-05",
    "/outreach/threads",
    "/outreach/events",
    "/outreach/planning",
    "/outreach/organisations",
    "/reports/pdca?scope=prefecture&key=13",
]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_page_loads_cleanly_and_is_accessible(live_server: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(live_server + path)
    assert response is not None and response.status < 500
    settle(page)
    assert page.problems.console_errors == [] or path == "/bodies/011003"
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    "path",
    ["/map", "/roadmap", "/bodies/130001", "/dashboard", "/dashboard/kpis/open-data-bodies", "/outreach"],
)
def test_images_load(live_server: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + path)
    settle(page)
    widths = page.evaluate("() => [...document.querySelectorAll('figure img')].map(i => i.naturalWidth)")
    assert widths and all(w > 100 for w in widths)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/bodies",
        "/blocks?lang=en",
        "/prefectures",
        "/roadmap",
        "/api/docs?lang=en",
        "/dashboard",
        "/outreach/calendar?month=2017-05",
    ],
)
def test_no_sideways_scrolling_on_a_phone(live_server: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    """At 375 px only wide tables scroll, inside their own box; the page itself never does."""
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server + path)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_search_with_the_keyboard(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/bodies")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("() => document.activeElement.textContent") == "本文へ移動"
    page.get_by_label("名称・よみ・団体コード").fill("なは")
    page.keyboard.press("Enter")
    page.wait_for_url("**/bodies?q=*")
    assert page.get_by_role("link", name="那覇市").is_visible()


def test_language_switch_is_remembered(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server + "/blocks")
    assert page.locator("html").get_attribute("lang") == "en"


def sign_in_with_the_keyboard(page, live_server: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード", exact=True).fill("demo-password-2017")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account")


def test_a_municipality_signs_in_and_edits_its_own_details(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_the_keyboard(page, live_server, "demo-municipality@demo.chiiki-iot.invalid")
    assert serious_violations(page) == []
    page.goto(live_server + "/bodies/011002")
    page.get_by_role("link", name="団体情報を編集").click()
    assert serious_violations(page) == []
    page.get_by_label("公式ウェブサイト").fill("https://www.city.sapporo.jp/")
    page.get_by_role("button", name="保存する").click()
    assert page.get_by_role("status").first.inner_text() == "保存しました。"
    assert page.get_by_role("link", name="https://www.city.sapporo.jp/").is_visible()
    page.goto(live_server + "/bodies/472018")
    assert page.get_by_role("link", name="団体情報を編集").count() == 0  # not its body: no edit link
    assert page.problems.console_errors == []


def test_the_secretariat_sees_users_and_the_audit_log(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_the_keyboard(page, live_server, "demo-secretariat@demo.chiiki-iot.invalid")
    for path in ("/admin/users", "/admin/audit"):
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200
        assert serious_violations(page) == [], path
    assert page.problems.console_errors == []


def test_a_survey_round_end_to_end_in_the_browser(live_server: str, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Open → download workbook → fill with messy input → upload → preview → commit → prefecture confirms."""
    from openpyxl import load_workbook

    def session_page():  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="ja-JP", accept_downloads=True)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        return context, page, errors

    context, page, errors = session_page()
    sign_in_with_the_keyboard(page, live_server, "demo-secretariat@demo.chiiki-iot.invalid")
    page.goto(live_server + "/survey")
    page.get_by_label("年度").fill("2022")
    page.get_by_label("回答期限").fill("2023-05-31")
    page.get_by_role("button", name="開く").click()
    assert (
        "過ぎています" in page.get_by_role("alert").inner_text()
    )  # a past deadline is never opened silently
    page.get_by_label("上の点を確かめたうえで、このまま開く").check()
    page.get_by_role("button", name="開く").click()
    page.wait_for_url("**/survey/fy2022")
    assert serious_violations(page) == []
    context.close()

    context, page, errors = session_page()
    sign_in_with_the_keyboard(page, live_server, "demo-municipality@demo.chiiki-iot.invalid")
    page.goto(live_server + "/survey/fy2022")
    with page.expect_download() as download:
        page.get_by_role("link", name="札幌市の回答用ブック").click()
    path = tmp_path / "fy2022.xlsx"
    download.value.save_as(path)
    book = load_workbook(path)
    sheet = book["回答"]
    sheet["A2"] = "０１１００２"
    sheet["F2"], sheet["K2"] = "実装済み", "令和4年7月1日"
    sheet["F3"] = "検討中"
    book.save(path)
    page.get_by_label("Excel ブック（.xlsx）").set_input_files(str(path))
    page.get_by_role("button", name="内容を確認する").click()
    page.wait_for_url("**/uploads/**")
    assert serious_violations(page) == []
    assert page.get_by_role("cell", name="実装済", exact=True).count() == 1
    page.get_by_role("button", name="この内容で取り込む").click()
    page.wait_for_url("**/survey/fy2022?committed=2")
    assert page.get_by_role("status").first.inner_text() == "取り込みました（変更 2 件）。"
    assert errors == []
    context.close()

    context, page, errors = session_page()
    sign_in_with_the_keyboard(page, live_server, "demo-prefecture@demo.chiiki-iot.invalid")
    page.goto(live_server + "/survey/fy2022")
    import re

    assert page.get_by_role("heading", name="承認を待っている回答（1）").count() == 1
    page.get_by_role("button", name=re.compile(r"^承認する.*北海道札幌市")).click()
    page.wait_for_url("**/survey/fy2022**")
    assert page.get_by_role("cell", name="承認済").count() == 1
    assert page.get_by_role("status").first.inner_text() == "北海道札幌市 の回答を承認しました。"
    page.goto(live_server + "/bodies/011002/status?as_of=2023-03-31")
    assert page.get_by_text("調査（2022年度）").count() >= 2 and serious_violations(page) == []
    assert errors == []
    context.close()


def test_synthetic_demo_data_is_labelled(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/roadmap/models/open-data/adoption?as_of=2021-03-31")
    assert page.get_by_role("note").filter(has_text="合成データ").count() == 1
    assert serious_violations(page) == []
    response = page.request.get(live_server + "/api/v1/roadmap/models/open-data/adoption?as_of=2021-03-31")
    assert response.ok and all(row["synthetic"] for row in response.json()[:50])


def test_the_demo_dashboard_and_its_pdca_workbook(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    import io

    from openpyxl import load_workbook

    page.goto(live_server + "/dashboard?as_of=2021-03-31")
    assert page.get_by_role("note").filter(has_text="合成データ").count() == 1
    page.get_by_role("link", name="オープンデータに取り組む自治体数").first.click()
    page.wait_for_url("**/dashboard/kpis/open-data-bodies**")
    assert page.get_by_role("img", name="年度ごとの実績").count() == 1 and serious_violations(page) == []
    response = page.request.get(live_server + "/reports/pdca.xlsx?as_of=2021-03-31")
    book = load_workbook(io.BytesIO(response.body()))
    summary = book["概要"]
    header = next(r for r in range(1, 10) if summary.cell(r, 1).value == "KPI")
    values = [summary.cell(r, 4).value for r in range(header + 1, summary.max_row + 1)]
    api = page.request.get(live_server + "/api/v1/progress/kpis?as_of=2021-03-31").json()
    assert all(k["synthetic"] for k in api if k["method"] == "bodies-at-stage")
    for kpi, value in zip(api, values, strict=True):  # the same KPIs in the same order
        if kpi["value"] is None:
            assert value in ("未報告", "定性目標")
        else:
            assert value == pytest.approx(kpi["value"], abs=0.5)  # rounded for people in the workbook
    opendata = next(v for k, v in zip(api, values, strict=True) if k["kpi"] == "open-data-bodies")
    assert opendata > 100
