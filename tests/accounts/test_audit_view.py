"""The audit view reads as words: Japanese action labels and a field-by-field diff; the CSV keeps the
machine values (action slugs and JSON) for tools."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from chiiki_iot.accounts import audit_reader
from chiiki_iot.accounts.policy import Role
from tests.accounts.test_auth import body_version, make_user, sign_in


def _act(client: TestClient) -> str:
    email = make_user(Role.SECRETARIAT)
    sign_in(client, email)
    token = client.cookies.get("chiiki_csrf")
    client.post(
        "/bodies/012025/edit",
        data={
            "url": f"https://www.city.hakodate.hokkaido.jp/{email.split('@')[0]}",
            "csrf_token": token,
            "version": body_version(client, "012025"),
        },
    )
    client.post("/account/tokens", data={"name": "監査テスト", "csrf_token": token})
    return email


class TestAuditViewForPeople:
    def test_actions_are_japanese_labels_not_slugs(self, client: TestClient) -> None:
        email = _act(client)
        page = client.get("/admin/audit", params={"actor": email}).text
        table = page.split("<tbody>")[1]
        assert "サインイン" in table and "変更：団体" in table and "作成：APIトークン" in table
        assert ">sign-in<" not in table and "create api_tokens" not in table and ">update<" not in table

    def test_a_change_is_a_readable_diff_not_json(self, client: TestClient) -> None:
        email = _act(client)
        table = client.get("/admin/audit", params={"actor": email, "entity": "bodies"}).text.split("<tbody>")[
            1
        ]
        assert (
            "公式ウェブサイト：" in table
            and f"→ https://www.city.hakodate.hokkaido.jp/{email.split('@')[0]}" in table
        )
        assert "{&#34;url&#34;" not in table and '{"url"' not in table and "&#34;" not in table

    def test_english(self, client: TestClient) -> None:
        email = _act(client)
        table = client.get("/admin/audit", params={"actor": email, "lang": "en"}).text.split("<tbody>")[1]
        assert "Signed in" in table and "Changed: local body" in table and "website: " in table

    def test_the_csv_keeps_machine_values(self, client: TestClient) -> None:
        email = _act(client)
        rows = list(
            csv.DictReader(
                io.StringIO(
                    client.get("/admin/audit", params={"actor": email, "format": "csv"}).text.lstrip("\ufeff")
                )
            )
        )
        actions = {r["action"] for r in rows}
        assert {"sign-in", "update", "create"} <= actions
        update = next(r for r in rows if r["action"] == "update" and r["entity"] == "bodies")
        assert '"url"' in update["after"]


def test_states_sources_and_times_read_as_words_in_japan_time() -> None:
    from chiiki_iot.accounts.models import AuditEntry

    entry = AuditEntry(
        action="update",
        entity="survey_responses",
        before={"state": "submitted", "submitted_at": "2026-11-30T23:30:00.123456+00:00"},
        after={"state": "confirmed", "submitted_at": "2026-11-30T23:30:00.123456+00:00"},
    )
    rows = {c.field: (c.before, c.after) for c in audit_reader.changes(entry, lang="ja")}
    assert rows["状態"] == ("提出済", "承認済") and rows["提出日時"][0] == "2026-12-01 08:30"
    assert {c.field for c in audit_reader.changes(entry, lang="en")} >= {"state"}
