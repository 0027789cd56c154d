"""The Act of PDCA in the browser, as its users walk it (issue 16).

A KPI is rated 遅延 and nothing is being done about it: the secretariat opens a countermeasure from the KPI's
page, 北海道総合通信局 adds a milestone and records progress, and the KPI page and the PDCA workbook's Act
sheet show it. An opinion raised at the block council becomes a revision proposal; a draft revision that
changes that KPI's target and adds a model is compared and published, and the KPI's chart shows both
revisions' targets. 札幌市 writes up a case; the bureau publishes it; it appears on 仙台市's page (a
designated city of the same size in the neighbouring block) and the case-count KPI rises by one."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import mail_to, run_cli, serious_violations
from tests.e2e.test_network import BUREAU, CITY, SECRETARIAT, signed_in

pytestmark = pytest.mark.e2e

SENDAI = "041009"


def _lagging_kpi_without_countermeasure(page, base: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(slug, name) of a nationally lagging KPI the Act page flags 「対応策なし」."""
    page.goto(base + "/improvement")
    assert serious_violations(page) == []
    row = page.locator("#lagging ~ div table tbody tr", has_text="対応策なし").first
    link = row.get_by_role("link").first
    return link.get_attribute("href").rsplit("/", 1)[-1], link.inner_text()


def test_a_lagging_kpi_gets_a_countermeasure_that_the_kpi_page_and_the_act_sheet_show(  # type: ignore[no-untyped-def]
    live_server: str, browser
) -> None:
    base = live_server
    admin = signed_in(browser, base, SECRETARIAT)
    slug, name = _lagging_kpi_without_countermeasure(admin, base)
    admin.goto(base + f"/dashboard/kpis/{slug}")
    assert "対応策なし" in admin.locator("#countermeasures ~ p").first.inner_text()
    admin.get_by_role("link", name=re.compile("この KPI の対応策を立てる")).click()
    assert admin.get_by_role("checkbox", name=name).is_checked()  # carried over from the KPI page
    admin.get_by_label("対応策の名称").fill("北海道でのオープンデータ伴走支援")
    admin.get_by_label("総合通信局", exact=True).check()
    admin.get_by_label("担当の地域ブロック（総合通信局・協議会のとき）").select_option("hokkaido")
    admin.get_by_label("決定した場（会合、PDCA 報告など）").fill("令和8年度 PDCA 報告")
    admin.get_by_role("button", name="登録する").click()
    admin.wait_for_url(re.compile(r"/improvement/countermeasures/\d+\?saved=1$"))
    page_url = admin.url.split("?")[0]
    assert serious_violations(admin) == []

    bureau = signed_in(browser, base, BUREAU)
    bureau.goto(page_url)
    bureau.get_by_label("マイルストーンの内容").fill("市町村向け手引きの公表")
    bureau.get_by_label("期限").fill("2027-03-31")
    bureau.get_by_role("button", name="マイルストーンを加える").click()
    bureau.wait_for_url("**#milestones")
    bureau.get_by_label("経過（何をしたか）").fill("道内5市町で伴走支援を始めた。")
    bureau.get_by_label("実施中").check()
    bureau.get_by_label("進捗（%）").fill("30")
    bureau.get_by_role("button", name="経過を記録する").click()
    bureau.wait_for_url("**#timeline")
    assert "道内5市町で伴走支援を始めた。" in bureau.content() and serious_violations(bureau) == []

    admin.goto(base + f"/dashboard/kpis/{slug}")
    section = admin.locator("#countermeasures ~ ul").first.inner_text()
    assert (
        "北海道でのオープンデータ伴走支援" in section
        and "30%" in section
        and "市町村向け手引きの公表" in section
    )
    book = load_workbook(io.BytesIO(admin.request.get(base + "/reports/pdca.xlsx").body()))
    rows = [
        r
        for r in book["改善（Act）"].iter_rows(values_only=True)
        if r[2] == "北海道でのオープンデータ伴走支援"
    ]
    assert rows and rows[0][0] == name and rows[0][4:7] == ("実施中", 30, "市町村向け手引きの公表")


def test_an_opinion_becomes_a_proposal_and_a_published_revision_shows_both_targets(  # type: ignore[no-untyped-def]
    live_server: str, browser
) -> None:
    base = live_server
    bureau = signed_in(browser, base, BUREAU)
    bureau.goto(base + "/outreach/threads#record-log")
    bureau.get_by_label("日付").fill("2026-11-20")
    bureau.get_by_label("内容", exact=True).fill("北海道地域IoT実装推進協議会（意見交換）")
    bureau.get_by_role("button", name="記録", exact=True).click()
    bureau.wait_for_url("**saved=1**")
    bureau.goto(base + "/improvement/opinions")
    meeting = bureau.locator("#o-meeting option", has_text="意見交換").first.get_attribute("value")
    bureau.get_by_label("会合・説明会").select_option(meeting)
    bureau.get_by_label("発言者（議事録のとおり）").fill("△△町長")
    bureau.get_by_label("意見の内容").fill(
        "小規模町村には1,000団体の目標は高すぎる。段階的な目標にしてほしい。"
    )
    bureau.get_by_role("button", name="意見を記録する").click()
    bureau.wait_for_url(re.compile(r"/improvement/opinions\?saved=1#opinion-\d+$"))
    opinion = bureau.url.rsplit("-", 1)[-1]

    admin = signed_in(browser, base, SECRETARIAT)
    admin.goto(base + f"/improvement/opinions#opinion-{opinion}")
    card = admin.locator(f"#opinion-{opinion}")
    card.get_by_label("改定の提案にした").check()
    card.get_by_label("協議会への回答").fill("次の改定で、2030年度に800団体とする案を検討します。")
    card.get_by_label("改定の提案の内容（改定の提案にするとき）").fill(
        "オープンデータの目標を800団体（2030年度）に"
    )
    card.get_by_role("button", name=re.compile("仕分けて回答する")).click()
    admin.wait_for_url("**saved=1**")
    bureau.goto(base + f"/improvement/opinions#opinion-{opinion}")
    assert (
        "次の改定で、2030年度に800団体とする案を検討します。"
        in bureau.locator(f"#opinion-{opinion}").inner_text()
    )

    admin.goto(base + "/improvement/revisions")
    admin.get_by_label("新しい版（西暦-月、例 2018-06）").fill("2026-12")
    admin.get_by_role("button", name="現行の版から改定案を作る").click()
    admin.wait_for_url(re.compile(r"/improvement/revisions/\d+$"))
    admin.get_by_label("KPI", exact=True).select_option("open-data-bodies")
    admin.get_by_label("新しい目標値").fill("800")
    admin.get_by_label("目標年度（西暦）").fill("2030")
    admin.locator("form[action$='/target']").get_by_label(re.compile(f"改定の提案 {opinion}：")).check()
    admin.get_by_role("button", name="目標を変える").click()
    admin.wait_for_url("**#changes")
    admin.get_by_text("分野別モデルを加える", exact=True).click()
    admin.get_by_label("モデルの名称", exact=True).fill("ドローン物流")
    admin.get_by_label("モデルの名称（英語）").fill("Drone logistics")
    admin.get_by_label("計画", exact=True).fill("中山間地域での実装を推進")
    admin.get_by_role("button", name="モデルを加える").click()
    admin.wait_for_url("**#changes")
    compared = admin.locator("#compare ~ *").all_inner_texts()
    assert any("ドローン物流" in t for t in compared) and any("800" in t for t in compared)
    assert f"改定の提案 {opinion}" in admin.locator("#changes ~ ol").first.inner_text()
    assert serious_violations(admin) == []
    admin.get_by_role("button", name="この改定案を公表する").click()
    admin.wait_for_url("**/roadmap?revision=2026-12**")
    assert "ドローン物流" in admin.content()

    admin.goto(base + "/dashboard/kpis/open-data-bodies")
    targets = admin.get_by_role("table", name="ロードマップの版ごとの目標").inner_text()
    assert "2017年5月版" in targets and "2026年12月版" in targets and "800" in targets
    chart = admin.request.get(base + "/dashboard/kpis/open-data-bodies/trend.svg").text()
    assert "2017年5月版の目標" in chart and "目標 800" in chart


def test_a_case_is_published_shown_to_a_similar_body_and_counted(  # type: ignore[no-untyped-def]
    live_server: str, browser, shared_data
) -> None:
    base = live_server
    run_cli(base, "import", "population",
            str(shared_data / "registry" / "population_juki_20220101_by_municipality.csv"), "--yes")  # fmt: skip
    city = signed_in(browser, base, CITY)
    sendai = city.request.get(f"{base}/api/v1/bodies/{SENDAI}/status").json()
    done = {r["model"] for r in sendai if r["stage"] == "実装済"}
    other = next(
        m for m in ("tourism-cloud", "sharing-economy", "smart-agriculture", "telework") if m not in done
    )
    before = city.request.get(base + "/api/v1/progress/kpis/open-data-use-cases").json()["value"] or 0

    city.goto(base + "/cases/new")
    city.get_by_label("題名").fill("オープンデータで除雪情報を公開")
    city.locator("input[name=models][value=open-data]").check()
    city.locator(f"input[name=models][value={other}]").check()
    city.get_by_label("課題（何を解決したかったか）").fill("除雪の問い合わせが冬に集中する。")
    city.get_by_label("費用（円。300万円 のようにも入力できます）").fill("300万円")
    city.get_by_label("成果（数値で）").fill("問い合わせが前年比 40% 減った。")
    city.get_by_label("人材の不足").check()
    city.get_by_role("button", name="下書きを保存する").click()
    city.wait_for_url(re.compile(r"/cases/\d+\?saved=1$"))
    case_url = city.url.split("?")[0]
    assert "3,000,000" in city.content() and serious_violations(city) == []
    city.get_by_role("button", name="確認に出す").click()
    city.wait_for_url("**done=submit")
    assert "確認に出しました" in city.content()
    assert any("オープンデータで除雪情報を公開" in text for text in mail_to(base, BUREAU))

    bureau = signed_in(browser, base, BUREAU)
    bureau.goto(case_url)
    bureau.get_by_role("button", name="公開する").click()
    bureau.wait_for_url("**done=publish")
    assert any("公開されました" in text for text in mail_to(base, CITY))
    assert "公開" in bureau.locator("dl.facts").inner_text()

    after = city.request.get(base + "/api/v1/progress/kpis/open-data-use-cases").json()["value"]
    assert after == before + 1
    city.goto(base + f"/bodies/{SENDAI}")
    similar = city.locator("#similar-cases ~ ul").first.inner_text()
    assert "オープンデータで除雪情報を公開" in similar and "隣の地域ブロック" in similar
    city.goto(base + "/cases?barrier=人材の不足")
    assert city.get_by_role("link", name="オープンデータで除雪情報を公開").count() == 1
    assert serious_violations(city) == []
