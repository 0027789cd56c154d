"""Outreach through the app: the coverage API and page reproduce the seed's figures; a bureau records its
block's session through the form; the month view, threads and iCalendar feed work."""

from fastapi.testclient import TestClient
from icalendar import Calendar

from chiiki_iot.accounts.policy import Role
from tests.accounts.test_auth import make_user, sign_in, token_for


def test_coverage_api_and_page_reproduce_the_seed(client: TestClient) -> None:
    cov = client.get("/api/v1/outreach/coverage", params={"as_of": "2017-07-07"}).json()
    assert (
        cov["sessions_held"],
        cov["prefectures_with_prefecture_session"],
        cov["blocks_with_block_session"],
    ) == (85, 40, 11)
    assert sorted(cov["prefectures_without"]) == [
        "020001",
        "050008",
        "120006",
        "140007",
        "150002",
        "260002",
        "350001",
    ]
    page = client.get("/outreach")
    assert page.status_code == 200 and "神奈川県" in page.text and 'src="/outreach/map.svg' in page.text
    assert client.get("/outreach/map.svg").text.startswith("<svg")
    csv_text = client.get("/api/v1/outreach/coverage/prefectures", params={"format": "csv"}).content.decode(
        "utf-8-sig"
    )
    assert len(csv_text.strip().splitlines()) == 48
    assert client.get("/outreach/planning").status_code == 200


def test_a_bureau_records_a_session_through_the_form(client: TestClient) -> None:
    sign_in(client, make_user(Role.BUREAU, "tohoku"))
    form = client.get("/outreach/events")
    assert form.status_code == 200 and '<label for="ev-title">' in form.text
    token = client.cookies.get("chiiki_csrf")
    data = {
        "csrf_token": token,
        "held_on": "令和9年1月20日",
        "title": "秋田県自治体向け説明会",
        "category": "local",
        "status": "planned",
        "target_prefecture": "050008",
        "attendance": "",
    }
    saved = client.post("/outreach/events", data=data, follow_redirects=True)
    assert saved.status_code == 200 and "保存しました" in saved.text and "2027" in saved.text
    bad = client.post("/outreach/events", data={**data, "attendance": "たくさん"})
    assert bad.status_code == 422 and "参加者数は数字で" in bad.text
    other = client.post("/outreach/events", data={**data, "target_prefecture": "130001"})
    assert other.status_code == 403
    ics = client.get("/api/v1/outreach/calendar.ics", params={"block": "tohoku"})
    parsed = Calendar.from_ical(ics.content)
    assert ics.headers["content-type"].startswith("text/calendar")
    assert [str(e.get("summary")) for e in parsed.walk("VEVENT")] == ["秋田県自治体向け説明会"]


def test_api_writes_need_the_right_block(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.BUREAU, 'kinki'))}"}
    body = {
        "held_on": "2017-08-01",
        "title": "京都府自治体向け説明会",
        "category": "local",
        "target_prefecture": "26",
    }
    created = client.post("/api/v1/outreach/events", headers=headers, json=body)
    assert created.status_code == 201, created.text
    event = created.json()
    moved = client.put(
        f"/api/v1/outreach/events/{event['id']}",
        headers=headers,
        json={**body, "target_prefecture": "13", "version": event["version"]},
    )
    assert moved.status_code == 403  # not into another block
    stale = client.put(
        f"/api/v1/outreach/events/{event['id']}", headers=headers, json={**body, "version": 99}
    )
    assert stale.status_code == 409
    log = client.post(
        "/api/v1/outreach/blocks/kinki/log",
        headers=headers,
        json={"happened_on": "2017-09-01", "kind": "decision", "text_ja": "近畿IoT官民ネットワークを組織"},
    )
    assert log.status_code == 201
    assert (
        client.post(
            "/api/v1/outreach/blocks/kanto/log",
            headers=headers,
            json={"happened_on": "2017-09-01", "kind": "meeting", "text_ja": "x"},
        ).status_code
        == 403
    )


def test_month_view_and_threads(client: TestClient) -> None:
    may = client.get("/outreach/calendar", params={"month": "2017-05"})
    assert may.status_code == 200 and "関東地域IoT実装推進懇談会" in may.text and 'rel="next"' in may.text
    assert client.get("/outreach/calendar", params={"month": "2017-13"}).status_code == 422
    threads = client.get("/outreach/threads")
    assert (
        threads.status_code == 200
        and "全国町村会 政務調査会 行政委員会" in threads.text
        and "2017年9月" in threads.text
    )


def test_organisations_threads_and_council_log_by_form_and_api(client: TestClient) -> None:
    sign_in(client, make_user(Role.BUREAU, "shikoku"))
    token = client.cookies.get("chiiki_csrf")
    page = client.get("/outreach/organisations")
    assert page.status_code == 200 and "全国町村会" in page.text and '<label for="org-slug">' in page.text
    saved = client.post(
        "/outreach/organisations",
        follow_redirects=True,
        data={
            "csrf_token": token,
            "slug": "shikoku-iot-lab",
            "name_ja": "四国IoTラボ",
            "kind": "npo",
            "block": "shikoku",
            "members": "382019, shikoku-council",
        },
    )  # 松山市 and the council
    assert saved.status_code == 200 and "四国IoTラボ" in saved.text
    bad = client.post(
        "/outreach/organisations",
        data={"csrf_token": token, "slug": "X Y", "name_ja": "x", "kind": "npo", "block": "shikoku"},
    )
    assert bad.status_code == 422 and "識別子" in bad.text
    assert (
        client.post(
            "/outreach/organisations",
            data={"csrf_token": token, "slug": "kanto-x", "name_ja": "x", "kind": "npo", "block": "kanto"},
        ).status_code
        == 403
    )
    logged = client.post(
        "/outreach/log",
        follow_redirects=True,
        data={
            "csrf_token": token,
            "block": "shikoku",
            "happened_on": "2017-10-02",
            "kind": "meeting",
            "text_ja": "四国情報通信懇談会 地域IoT分科会",
        },
    )
    assert logged.status_code == 200 and "四国情報通信懇談会 地域IoT分科会" in logged.text
    joined_page = client.post(
        "/outreach/threads/members",
        follow_redirects=True,
        data={
            "csrf_token": token,
            "thread": "diagonal",
            "organisation": "shikoku-iot-lab",
            "role": "地域の実証",
            "since": "2017-10-01",
        },
    )
    assert joined_page.status_code == 200 and "地域の実証" in joined_page.text
    assert (
        client.post(
            "/outreach/threads/members",
            data={"csrf_token": token, "thread": "vertical", "organisation": "mic", "since": "2017-10-01"},
        ).status_code
        == 403
    )
    orgs = {o["slug"]: o for o in client.get("/api/v1/outreach/organisations").json()}
    assert orgs["shikoku-iot-lab"]["members"] == ["382019", "shikoku-council"]
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.BUREAU, 'shikoku'))}"}
    joined = client.post(
        "/api/v1/outreach/threads/diagonal/members",
        headers=headers,
        json={"organisation": "shikoku-iot-lab", "role": "実証の支援", "since": "2017-10-01"},
    )
    assert joined.status_code == 201
    assert any(
        m["organisation"] == "shikoku-iot-lab"
        for m in client.get("/api/v1/outreach/threads").json()["diagonal"]
    )
    assert (
        client.post(
            "/api/v1/outreach/threads/horizontal/members",
            headers=headers,
            json={"organisation": "shikoku-iot-lab", "since": "2017-10-01"},
        ).status_code
        == 403
    )


def test_review_findings_bureaus_stay_in_their_block_and_bad_input_is_explained(client: TestClient) -> None:
    headers = {"Authorization": f"Bearer {token_for(make_user(Role.BUREAU, 'kanto'))}"}
    takeover = client.put(
        "/api/v1/outreach/organisations/tohoku-council",
        headers=headers,
        json={"slug": "tohoku-council", "name_ja": "乗っ取り", "kind": "regional-council", "block": "kanto"},
    )
    assert takeover.status_code == 403
    elsewhere = client.post(
        "/api/v1/outreach/events",
        headers=headers,
        json={
            "held_on": "2017-08-01",
            "title": "x",
            "category": "local",
            "target_block": "kanto",
            "target_prefecture": "02",
        },
    )
    assert elsewhere.status_code == 422 and "not in the block" in elsewhere.text
    assert (
        client.post(
            "/api/v1/outreach/events",
            headers=headers,
            json={
                "held_on": "2017-08-01",
                "title": "x",
                "category": "local",
                "target_prefecture": "13",
                "attendance": 10**12,
            },
        ).status_code
        == 422
    )
    for month in ("0000-01", "9999-12"):
        assert client.get("/outreach/calendar", params={"month": month}).status_code == 422
    assert client.get("/outreach/events/99999999999999999999").status_code in (404, 422)
    feed = Calendar.from_ical(client.get("/api/v1/outreach/calendar.ics").content)
    assert feed.get("prodid") is not None
