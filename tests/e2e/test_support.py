"""The support package in the browser, as its users walk it (issue 15).

札幌市 reports that people are what holds its open data back (人材の不足), finds the IoTメンター公務員 measure
with the reason it fits, and asks for a mentor; 北海道総合通信局 arranges the mentor the site suggests; the
mentor files the report, and it appears on 札幌市's status history. Then 札幌市 and 小樽市 apply together
for implementation funding: draft, submission, the bureau's scores, the secretariat's approval within the
envelope, the start and the completion report; the decision letter opens as a PDF with the decision in it."""

from __future__ import annotations

import io
import re

import pypdf
import pytest

from chiiki_iot.core.fiscal import today_in_japan
from tests.e2e.conftest import mail_to, serious_violations
from tests.e2e.test_network import BUREAU, CITY, COUNTED, SECRETARIAT, signed_in, stage_of

pytestmark = pytest.mark.e2e

SAPPORO, OTARU = "011002", "012033"
MENTOR = "demo-prefecture@demo.chiiki-iot.invalid"  # 北海道の職員, a mentor on open data


def test_a_body_held_back_by_people_gets_a_mentor_and_the_report_lands_on_its_history(  # type: ignore[no-untyped-def]
    live_server: str, browser
) -> None:
    base = live_server
    city = signed_in(browser, base, CITY)
    model = next(
        m for m in COUNTED if stage_of(city, base, m) != "実装済"
    )  # a barrier on it still holds back
    admin = signed_in(browser, base, SECRETARIAT)
    admin.goto(base + "/support/roster")
    admin.get_by_label("氏名").fill("北海道 メンター")
    admin.get_by_label("メールアドレス（報告の提出に使います）").fill(MENTOR)
    admin.get_by_label("所属団体コード（メンターは必須）").fill("010006")
    admin.locator(f"input[name=models][value={model}]").check()
    admin.get_by_role("button", name="登録する").click()
    admin.wait_for_url("**/support/roster?saved=1")
    assert serious_violations(admin) == []

    city.goto(base + f"/bodies/{SAPPORO}/status")
    city.locator("#rb-model").select_option(model)
    city.locator("#rb-barrier").select_option("人材の不足")
    city.get_by_role("button", name="壁を報告").click()
    city.wait_for_load_state()

    city.goto(base + "/support/finder")
    assert serious_violations(city) == []
    card = city.locator("li.card", has=city.get_by_role("link", name="IoTメンター公務員"))
    assert "報告された壁「人材の不足」に応える" in card.inner_text()
    card.get_by_role("link", name="派遣を依頼する").click()
    assert city.get_by_label("分野別モデル").input_value() == model  # carried over from the finder
    city.get_by_label("相談したい課題").fill(
        "オープンデータを始めたいが、担当できる職員がいない。何から公開すべきか相談したい。"
    )
    city.get_by_label("希望の時期").fill("1月中")
    city.get_by_role("button", name="依頼する").click()
    city.wait_for_url(re.compile(r"/support/dispatches/\d+\?asked=1$"))
    dispatch_url = city.url.split("?")[0]
    assert "依頼を受け付けました" in city.content()

    bureau = signed_in(browser, base, BUREAU)
    assert any("派遣の依頼" in text for text in mail_to(base, BUREAU))
    bureau.goto(dispatch_url)
    assert serious_violations(bureau) == []
    suggestion = bureau.get_by_role("radio", name=re.compile("北海道 メンター"))
    assert "このモデルを担当分野に登録" in bureau.locator("fieldset.choices").inner_text()
    suggestion.check()
    bureau.get_by_label("派遣日").fill(today_in_japan().isoformat())
    bureau.get_by_role("button", name="派遣を決める").click()
    bureau.wait_for_url("**?arranged=1")
    assert any("派遣のお願い" in text for text in mail_to(base, MENTOR))

    mentor = signed_in(browser, base, MENTOR)
    mentor.goto(dispatch_url)
    mentor.get_by_label("助言の内容").fill("まず防災と観光のデータから、CSVで公開する手順を一緒に確かめた。")
    mentor.get_by_label("次の一歩").fill("3か月以内に5つのデータセットを公開する")
    mentor.get_by_role("button", name="報告を出す").click()
    mentor.wait_for_url("**?reported=1")

    city.goto(base + f"/bodies/{SAPPORO}/status")
    page_text = city.content()
    assert "支援パッケージ（派遣報告）" in page_text and "まず防災と観光のデータから" in page_text
    assert serious_violations(city) == []


def test_a_group_application_is_reviewed_approved_completed_and_its_letter_is_a_pdf(  # type: ignore[no-untyped-def]
    live_server: str, browser
) -> None:
    base = live_server
    admin = signed_in(browser, base, SECRETARIAT)
    admin.goto(base + "/support/measures/implementation-funding")
    admin.get_by_label("予算額（円。300万円のようにも書けます）").fill("1,000万円")
    admin.get_by_role("button", name="予算額を保存する").click()
    admin.wait_for_url("**?saved=1#budget")
    assert "10,000,000" in admin.content()

    city = signed_in(browser, base, CITY)
    city.goto(base + "/support/applications/new?measure=implementation-funding")
    assert serious_violations(city) == []
    city.get_by_label("構成団体（広域連携のとき。団体コードを空白区切り）").fill(OTARU)
    city.get_by_label("事業名").fill("札幌・小樽 観光データの共同公開")
    city.get_by_role("checkbox", name="オープンデータ").first.check()
    city.get_by_label("事業計画").fill(
        "両市の観光施設データを共通の形式で公開し、観光アプリ事業者が使えるようにする。"
    )
    city.get_by_label("項目 1").fill("データ整備の委託")
    city.get_by_label("金額（円） 1").fill("400万円")
    city.get_by_label("項目 2").fill("公開基盤の利用料")
    city.get_by_label("金額（円） 2").fill("600,000")
    city.get_by_role("button", name="下書きを保存する").click()
    city.wait_for_url(re.compile(r"/support/applications/\d+\?saved=1$"))
    application_url = city.url.split("?")[0]
    assert "4,600,000" in city.content()
    city.get_by_role("button", name="提出する").click()
    city.wait_for_url("**?submitted=1")

    bureau = signed_in(browser, base, BUREAU)
    bureau.goto(application_url)
    assert serious_violations(bureau) == []
    for label in ("必要性", "実現性", "KPIへの効果", "持続性・横展開"):
        bureau.get_by_label(re.compile(f"^{label}")).fill("4")
    bureau.get_by_role("radio", name="採択が適当", exact=True).check()
    bureau.get_by_label("コメント").fill("両市の連携体制が具体的")
    bureau.get_by_role("button", name="採点を記録する").click()
    assert "利害関係がないことを確認してください" in bureau.content()  # the declaration is not optional
    for label in ("必要性", "実現性", "KPIへの効果", "持続性・横展開"):
        bureau.get_by_label(re.compile(f"^{label}")).fill("4")
    bureau.get_by_role("radio", name="採択が適当", exact=True).check()
    bureau.get_by_role("checkbox", name=re.compile("利害関係がないことを確認しました")).check()
    bureau.get_by_role("button", name="採点を記録する").click()
    bureau.wait_for_url("**?reviewed=1")

    admin.goto(application_url)
    reviews = admin.locator("#review").locator("xpath=following-sibling::div[1]").inner_text()
    assert "16" in reviews and "両市の連携体制が具体的" in reviews  # the bureau's total, for the decision
    admin.get_by_role("radio", name="交付決定").check()  # no decision is chosen for the secretariat
    admin.get_by_label("理由・条件（通知書に載ります）").fill(
        "計画どおり実施し、公開したデータの利用件数を報告すること。"
    )
    admin.get_by_role("button", name="決定する").click()
    admin.wait_for_url("**?decided=1")
    assert "交付決定" in admin.content()

    city.goto(application_url)
    city.get_by_role("button", name="事業に着手した").click()
    city.wait_for_load_state()
    city.get_by_label("実績報告（行ったこと、KPIの実績）").fill(
        "観光施設120件のデータを公開し、2事業者が利用を始めた。"
    )
    city.get_by_role("button", name="完了を報告する").click()
    city.wait_for_url("**?completed=1")
    assert "完了" in city.content()

    city.get_by_role("link", name="通知書（印刷用）").click()
    assert "交付決定通知書" in city.content() and "札幌市長　殿" in city.content()
    assert city.evaluate("getComputedStyle(document.querySelector('h1')).textAlign") == "center"  # styled
    pdf = city.request.get(application_url + "/letter.pdf")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.body())).pages)
    assert "交付決定通知書" in text and "4,600,000" in text and "小樽市" in text

    budget = admin.request.get(base + "/api/v1/support/budgets").json()
    line = next(b for b in budget if b["measure"] == "implementation-funding")
    assert (line["committed_yen"], line["paid_yen"], line["remaining_yen"]) == (
        4_600_000,
        4_600_000,
        5_400_000,
    )
