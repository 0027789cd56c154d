"""The 地域IoT官民ネット in the browser, as its users walk it (issue 14): 札幌市 posts a need in its own words;
a company cannot see it until 北海道総合通信局 publishes it; two companies register solutions and propose;
the city sees the ranking with its reasons, shortlists one, pilots it and adopts it — and the city's page,
the model's funnel and the KPI move with it. Then a symbol-project proposal goes through two reviews and
selection."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import mail_to, serious_violations
from tests.e2e.test_browser import sign_in_with_the_keyboard

pytestmark = pytest.mark.e2e

SAPPORO = "011002"
CITY = "demo-municipality@demo.chiiki-iot.invalid"
BUREAU = "demo-bureau@demo.chiiki-iot.invalid"
COMPANY = "demo-organisation@demo.chiiki-iot.invalid"
SECRETARIAT = "demo-secretariat@demo.chiiki-iot.invalid"
SECOND = "sensors@e2e.chiiki-iot.invalid"
# Models whose KPI counts bodies at 実装済, so an adoption through the network must show in the KPI.
COUNTED = {
    "tourism-cloud": "tourism-cloud-bodies",
    "sharing-economy": "sharing-economy-bodies",
    "my-key-platform": "my-key-point-municipalities",
    "open-data": "open-data-bodies",
}
BELOW_PILOT = {"未着手", "関心あり", "検討中"}


def button(page, action: str, solution: str):  # type: ignore[no-untyped-def]
    """A button whose visible text is the action and whose hidden text names the solution it acts on."""
    return page.get_by_role("button", name=re.compile(rf"^{action}\s*:\s*{solution}$"))


def signed_in(browser, base: str, email: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in_with_the_keyboard(page, base, email)
    return page


def stage_of(page, base: str, model: str) -> str:  # type: ignore[no-untyped-def]
    rows = page.request.get(f"{base}/api/v1/bodies/{SAPPORO}/status").json()
    return next((r["stage"] for r in rows if r["model"] == model), "未着手")


def demonstrating(page, base: str, model: str) -> int:  # type: ignore[no-untyped-def]
    return page.request.get(f"{base}/api/v1/progress/funnel/{model}").json()[-1]["counts"].get("実証中", 0)


def sapporo_counted(page, base: str, model: str) -> float:  # type: ignore[no-untyped-def]
    params = {"scope": "group", "key": SAPPORO}
    return (
        page.request.get(f"{base}/api/v1/progress/kpis/{COUNTED[model]}", params=params).json()["value"] or 0
    )


def register_solution(page, base: str, title: str, text: str, model: str | None, price: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/network/solutions")
    page.get_by_label("解決策の名前").fill(title)
    page.get_by_label("説明（仕組み・効果）").fill(text)
    if model:
        page.locator(f"#s-m-{model}").check()
    page.get_by_label("価格の下限（円）").fill(price)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/network/solutions/\d+\?saved=1$"))


def propose(page, need_url: str, title: str, cost: str, plan: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(need_url)
    page.get_by_label("解決策", exact=True).select_option(label=title)
    page.get_by_label("費用（円）").fill(cost)
    page.get_by_label("提案の内容（進め方・体制・期間）").fill(plan)
    page.get_by_role("button", name="提案する", exact=True).click()
    page.wait_for_url("**?proposed=1#proposals")


def second_company(browser, base: str):  # type: ignore[no-untyped-def]
    """The secretariat registers a second company and invites its staff; the invitation is accepted from
    the mail, as a real company would."""
    admin = signed_in(browser, base, SECRETARIAT)
    admin.goto(base + "/outreach/organisations")
    admin.get_by_label("識別子", exact=True).fill("e2e-sensors")
    admin.get_by_label("名称", exact=True).fill("イーツーイー・センサー株式会社")
    admin.get_by_label("種類").select_option("company")
    admin.get_by_role("button", name="保存").click()
    admin.goto(base + "/admin/users")
    admin.get_by_label("メールアドレス").fill(SECOND)
    admin.get_by_label("役割").first.select_option("organisation")
    admin.get_by_label("担当範囲").first.fill("e2e-sensors")
    admin.get_by_role("button", name="招待を送る").click()
    admin.context.close()
    link = re.search(r"/invitations/[\w-]+", mail_to(base, SECOND)[-1])  # the site's public address + this
    assert link, mail_to(base, SECOND)
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.goto(base + link[0])
    page.get_by_label("氏名").fill("センサー 太郎")
    page.get_by_label("パスワード", exact=True).fill("kawa-no-mizu-hakaru-2026")
    page.get_by_role("button", name="アカウントを作成").click()
    page.wait_for_load_state()
    if "/login" in page.url:  # the account is made; sign in with it
        page.get_by_label("メールアドレス").fill(SECOND)
        page.get_by_label("パスワード", exact=True).fill("kawa-no-mizu-hakaru-2026")
        page.keyboard.press("Enter")
        page.wait_for_url("**/account")
    return page


def test_a_need_is_matched_piloted_and_adopted_and_the_figures_follow(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    city = signed_in(browser, base, CITY)
    model = next(m for m in COUNTED if stage_of(city, base, m) in BELOW_PILOT)
    funnel_before, kpi_before = demonstrating(city, base, model), sapporo_counted(city, base, model)

    city.goto(base + "/network/needs")
    city.get_by_label("課題の題名").fill("一人暮らしのお年寄りが倒れても気づかれない")
    city.get_by_label("課題の内容（困っていること、背景、制約）").fill(
        "市内の団地で、一人暮らしの高齢の方が倒れたまま数日気づかれない例が続いています。"
        "民生委員の訪問だけでは追いつかず、本人がボタンを押す方式は倒れていると使えません。"
    )
    city.locator(f"#n-m-{model}").check()
    city.get_by_label("予算の上限（円）").fill("3,000,000")
    city.get_by_role("button", name="投稿する").click()
    city.wait_for_url(re.compile(r"/network/needs/\d+\?posted=1$"))
    need_url = city.url.split("?")[0]
    assert serious_violations(city) == []

    company = signed_in(browser, base, COMPANY)
    assert company.goto(need_url).status == 404  # not even its existence before publication

    bureau = signed_in(browser, base, BUREAU)
    bureau.goto(need_url)
    assert any("課題の確認をお願いします" in text for text in mail_to(base, BUREAU))
    bureau.get_by_role("button", name="確認して公開する").click()
    bureau.wait_for_url("**?published=1")

    register_solution(
        company,
        base,
        "くらしリズム見守り",
        "電力の使用量を30分ごとに計測し、朝になっても家電が使われないなど普段と違う生活リズムを検知して、"
        "家族と自治体に通知します。",
        model,
        "500,000",
    )
    sensors = second_company(browser, base)
    register_solution(
        sensors,
        base,
        "河川水位センサー",
        "河川の水位を遠隔で監視し、氾濫の危険を知らせます。",
        None,
        "800000",
    )

    company.goto(need_url)
    first = company.locator("ol.ranked > li").first
    assert "くらしリズム見守り" in first.inner_text()
    reasons = first.locator("ul.reasons").inner_text()
    assert "同じ分野別モデル" in reasons and "本文の一致" in reasons and "予算内" in reasons
    propose(company, need_url, "くらしリズム見守り", "800000", "3か月の実証。団地50世帯から始めます。")
    propose(sensors, need_url, "河川水位センサー", "1200000", "水位計を2か所に設置します。")

    assert sum("提案が届きました" in text for text in mail_to(base, CITY)) == 2
    city.goto(need_url)
    assert city.get_by_role("region", name="提案").get_by_role("row").count() == 3  # header + two proposals
    button(city, "関心を表明する", "くらしリズム見守り").click()
    company.goto(need_url)
    button(company, "関心を表明する", "くらしリズム見守り").click()
    company.wait_for_url("**?interest=1#ranked")
    assert company.get_by_text("商談中（双方が関心を表明）").first.is_visible()
    assert any("商談が始まりました" in text for text in mail_to(base, COMPANY))
    assert any("商談が始まりました" in text for text in mail_to(base, CITY))

    city.goto(need_url)
    button(city, "候補にする", "くらしリズム見守り").click()
    city.wait_for_url("**?decided=1#proposals")
    assert any("候補に選ばれました" in text for text in mail_to(base, COMPANY))  # the company hears of it
    city.get_by_text(re.compile(r"^見送る…")).filter(has_text="河川水位センサー").click()  # opens the reason
    city.get_by_label("見送る理由（提案した企業・団体に伝えます）").last.fill("河川の課題ではないため")
    city.get_by_role("button", name=re.compile(r"^見送りを確定する\s*:\s*河川水位センサー$")).click()
    city.wait_for_url("**?decided=1#proposals")
    assert any("見送られました" in t and "河川の課題ではないため" in t for t in mail_to(base, SECOND))
    button(city, "実証を始める", "くらしリズム見守り").click()
    city.wait_for_url("**?decided=1#proposals")
    row = city.get_by_role("row").filter(has_text="くらしリズム見守り")
    assert "実証中" in row.inner_text()
    assert stage_of(city, base, model) == "実証中"
    assert demonstrating(city, base, model) == funnel_before + 1
    projects = city.request.get(f"{base}/api/v1/bodies/{SAPPORO}/projects").json()
    assert any("くらしリズム見守り" in p["name"] for p in projects)
    city.get_by_role("link", name="事業として記録").click()  # the body's status page lists its projects
    assert city.get_by_text(re.compile("実証: くらしリズム見守り")).first.is_visible()

    city.goto(need_url)
    button(city, "導入を決める", "くらしリズム見守り").click()
    city.wait_for_url("**?decided=1#proposals")
    assert stage_of(city, base, model) == "実装済"
    assert sapporo_counted(city, base, model) == kpi_before + 1
    assert serious_violations(city) == []
    city.goto(base + "/network")
    assert serious_violations(city) == []
    for page in (city, company, bureau, sensors):
        page.context.close()


def test_a_symbol_project_is_reviewed_by_two_and_selected(live_server: str, browser) -> None:  # type: ignore[no-untyped-def]
    base = live_server
    admin = signed_in(browser, base, SECRETARIAT)
    admin.goto(base + "/network/symbol")
    admin.get_by_label("募集の名前").fill("データ利活用のシンボル・プロジェクト")
    admin.get_by_label("締切日").fill("2099-03-31")
    admin.get_by_role("button", name="募集を始める").click()
    admin.wait_for_url(re.compile(r"/network/symbol/\d+\?opened=1$"))
    call_url = admin.url.split("?")[0]

    city = signed_in(browser, base, CITY)
    city.goto(call_url)
    city.get_by_label("題名").fill("札幌市の見守りデータ連携")
    city.get_by_label("概要").fill("福祉・防災のデータをつなぎ、見守りに生かします。")
    city.get_by_role("button", name="応募する", exact=True).click()
    city.wait_for_url("**?proposed=1")
    assert city.get_by_role("button", name="審査を記録する").count() == 0  # the proposer does not review

    for reviewer, scores in (
        (admin, ["4", "3", "5", "4"]),
        (signed_in(browser, base, BUREAU), ["3", "4", "4", "3"]),
    ):
        reviewer.goto(call_url)
        card = reviewer.get_by_role("region", name="札幌市の見守りデータ連携")
        for field, score in zip(card.get_by_role("spinbutton").all(), scores, strict=True):
            field.fill(score)
        card.get_by_label("この応募と利害関係がないことを確認しました").check()
        card.get_by_role("button", name="審査を記録する").click()
        reviewer.wait_for_url("**?reviewed=1")
        assert serious_violations(reviewer) == []
    admin.goto(call_url)
    card = admin.get_by_role("region", name="札幌市の見守りデータ連携")
    assert "審査の件数：2" in card.inner_text() and "平均点：15.0 / 20" in card.inner_text()
    card.get_by_role("button", name="選定する").click()
    admin.wait_for_url("**?decided=1")
    assert "状態：選定" in admin.get_by_role("region", name="札幌市の見守りデータ連携").inner_text()
