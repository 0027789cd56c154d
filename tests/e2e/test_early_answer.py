"""The round that made officials stop trusting the dashboard, replayed in the browser: 札幌市 answers early in
an open round (学校数 320, クラウド 250, Wi-Fi 1,234) and 北海道 approves. National and 北海道 figures move by
Sapporo's own contribution only, say what they cover (provisional until approved), and are the same in the
API, the dashboard page, the PDCA workbook and its print page."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from tests.e2e.conftest import serious_violations
from tests.e2e.test_browser import sign_in_with_the_keyboard
from tests.e2e.test_no_slugs import slug_pattern, workbook_slugs

pytestmark = pytest.mark.e2e

SAPPORO, HOKKAIDO = "011002", "01"
ANSWERS = {"schools-total": 320, "schools-cloud-ready": 250, "wifi-disaster-sites": 1234}


def kpi(page, base: str, slug: str, **scope: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = page.request.get(f"{base}/api/v1/progress/kpis/{slug}", params=scope)
    assert response.ok
    return response.json()


def figures(page, base: str) -> dict[str, dict]:  # type: ignore[no-untyped-def, type-arg]
    """Wi-Fi sites and cloud-ready schools: nation, 北海道, and 札幌市 alone."""
    out = {}
    for slug in ("wi-fi-sites", "schools-using-cloud-materials"):
        out[slug] = {
            "nation": kpi(page, base, slug),
            "hokkaido": kpi(page, base, slug, scope="prefecture", key=HOKKAIDO),
            "sapporo": kpi(page, base, slug, scope="group", key=SAPPORO),
        }
    return out


def test_an_early_answer_moves_the_figures_by_its_own_contribution(
    live_server: str, browser, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    year = FiscalYear.of(today_in_japan()).year
    context = browser.new_context(
        locale="ja-JP", accept_downloads=True, viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    sign_in_with_the_keyboard(page, live_server, "demo-secretariat@demo.chiiki-iot.invalid")
    before = figures(page, live_server)
    page.goto(live_server + "/survey")
    page.get_by_label("年度").fill(str(year))
    page.get_by_label("回答期限").fill(f"{year + 1}-05-31")
    page.get_by_role("button", name="開く").click()
    if page.get_by_label("上の点を確かめたうえで、このまま開く").count():  # another round may be open
        page.get_by_label("上の点を確かめたうえで、このまま開く").check()
        page.get_by_role("button", name="開く").click()
    page.wait_for_url(f"**/survey/fy{year}")
    context.close()

    context = browser.new_context(locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    sign_in_with_the_keyboard(page, live_server, "demo-municipality@demo.chiiki-iot.invalid")
    page.goto(f"{live_server}/survey/fy{year}")
    with page.expect_download() as download:
        page.get_by_role("link", name="札幌市の回答用ブック").click()
    path = tmp_path / "answer.xlsx"
    download.value.save_as(path)
    assert workbook_slugs(path.read_bytes(), slug_pattern()) == []  # identifiers only in hidden columns
    book = load_workbook(path)
    sheet = book["数値"]
    header = [c.value for c in sheet[1]]
    for row in range(2, sheet.max_row + 1):
        slug = sheet.cell(row, header.index("項目識別子") + 1).value
        if slug in ANSWERS:
            sheet.cell(row, header.index("今回の値") + 1).value = f"{ANSWERS[slug]:,}"  # typed with a comma
    book.save(path)
    page.get_by_label("Excel ブック（.xlsx）").set_input_files(str(path))
    page.get_by_role("button", name="内容を確認する").click()
    page.wait_for_url("**/uploads/**")
    page.get_by_role("button", name="この内容で取り込む").click()
    page.wait_for_url(f"**/survey/fy{year}?committed=*")
    context.close()

    context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    after = figures(page, live_server)
    wifi, cloud = after["wi-fi-sites"], after["schools-using-cloud-materials"]
    assert wifi["sapporo"]["value"] == 1234
    for scope in ("nation", "hokkaido"):  # the sum moves by Sapporo's own change, not to Sapporo's figure
        was = before["wi-fi-sites"][scope]["value"] or 0
        assert wifi[scope]["value"] == pytest.approx(
            was - (before["wi-fi-sites"]["sapporo"]["value"] or 0) + 1234
        )
        assert wifi[scope]["value"] != 1234 and wifi[scope]["coverage"]["reported"] > 1
        assert wifi[scope]["coverage"]["last_year"] == year and wifi[scope]["coverage"]["provisional"] == 1
        # a ratio over many bodies moves, but never to Sapporo's own 250 / 320 = 78.1 %
        assert abs(cloud[scope]["value"] - before["schools-using-cloud-materials"][scope]["value"]) < (
            1 if scope == "nation" else 15
        )
        assert cloud[scope]["value"] != pytest.approx(250 / 320 * 100, abs=1)

    # the same national figure on the dashboard, in the PDCA workbook and on its print page
    shown = f"{round(wifi['nation']['value']):,}"
    page.goto(live_server + "/dashboard")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=wifi["nation"]["name_ja"]))
    assert shown in row.inner_text() and "都道府県の承認前（暫定）" in row.inner_text()
    assert serious_violations(page) == []
    workbook = load_workbook(io.BytesIO(page.request.get(live_server + "/reports/pdca.xlsx").body()))["概要"]
    rows = {workbook.cell(r, 1).value: workbook.cell(r, 4).value for r in range(1, workbook.max_row + 1)}
    assert rows[wifi["nation"]["name_ja"]] == round(wifi["nation"]["value"])
    page.goto(live_server + "/reports/pdca")
    printed = page.get_by_role("row").filter(has_text=wifi["nation"]["name_ja"]).first.inner_text()
    assert shown in printed
    context.close()

    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    sign_in_with_the_keyboard(page, live_server, "demo-prefecture@demo.chiiki-iot.invalid")
    page.goto(f"{live_server}/survey/fy{year}")
    page.get_by_role("button", name=re.compile(r"^承認する.*札幌市")).click()
    page.wait_for_url(f"**/survey/fy{year}**")
    confirmed = kpi(page, live_server, "wi-fi-sites", scope="prefecture", key=HOKKAIDO)
    assert confirmed["value"] == wifi["hokkaido"]["value"] and confirmed["coverage"]["provisional"] == 0
    context.close()
