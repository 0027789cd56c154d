"""The event form through the page, adding and updating: fields arrive as typed text (trimmed), and a
mistake or a stale version comes back on the form with what was entered."""

from __future__ import annotations

from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from tests.accounts.test_auth import make_user, sign_in


def test_add_then_update_through_the_page(client: TestClient) -> None:
    sign_in(client, make_user(Role.BUREAU, "tohoku"))
    csrf = client.cookies.get("chiiki_csrf")
    data = {
        "csrf_token": csrf,
        "held_on": " 2027-02-03 ",
        "title": "  岩手県自治体向け説明会（フォーム）  ",
        "category": "local",
        "status": "planned",
        "target_prefecture": "030007",
    }
    added = client.post("/outreach/events", data=data, follow_redirects=False)
    assert added.status_code == 303, added.text
    event_id = int(added.headers["location"].split("/")[-1].split("?")[0])
    saved = client.get(f"/api/v1/outreach/events/{event_id}").json()
    assert saved["title"] == "岩手県自治体向け説明会（フォーム）" and saved["held_on"] == "2027-02-03"

    stale = client.post(
        f"/outreach/events/{event_id}", data={**data, "place": "盛岡市", "version": str(saved["version"] + 5)}
    )
    assert stale.status_code == 409 and 'value="盛岡市"' in stale.text  # the form, with what was typed
    bad_date = client.post(
        f"/outreach/events/{event_id}", data={**data, "held_on": "いつか", "version": str(saved["version"])}
    )
    assert bad_date.status_code == 422 and '<label for="ev-title">' in bad_date.text

    updated = client.post(
        f"/outreach/events/{event_id}",
        data={**data, "place": " 盛岡市 ", "version": str(saved["version"])},
        follow_redirects=False,
    )
    assert updated.status_code == 303, updated.text
    assert client.get(f"/api/v1/outreach/events/{event_id}").json()["place"] == "盛岡市"
