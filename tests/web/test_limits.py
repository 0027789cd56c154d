"""A request larger than its kind allows is refused with 413 in both languages before its body is read."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from chiiki_iot.core.settings import get_settings
from chiiki_iot.web.limits import MAX_BODY_BYTES, MAX_UPLOAD_BYTES


def test_a_huge_json_list_is_refused_before_anything_reads_it(client: TestClient) -> None:
    vendors = ["株式会社テスト" * 20] * 20_000  # about 6 MB of JSON, like the 22 MB list that was stored
    body = json.dumps({"name_ja": "x", "vendors": vendors}, ensure_ascii=False).encode()
    assert len(body) > MAX_BODY_BYTES
    answer = client.put(
        "/api/v1/outreach/organisations/test-org", content=body, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413 and answer.headers["content-type"] == "application/problem+json"
    assert "上限" in answer.json()["detail_ja"] and "too large" in answer.json()["detail_en"]


def test_a_huge_form_post_is_a_page_that_says_why(client: TestClient) -> None:
    page = client.post("/login", data={"email": "a@b.example", "password": "x" * (MAX_BODY_BYTES + 1)})
    assert page.status_code == 413 and "送信された内容が大きすぎます" in page.text and "<nav" in page.text


def test_an_upload_may_be_larger_than_a_form_but_not_without_bound(client: TestClient) -> None:
    small_enough = b"0" * (MAX_BODY_BYTES * 2)
    too_big = b"0" * (MAX_UPLOAD_BYTES + 1)
    ok = client.post("/survey/fy2099/uploads", files={"file": ("a.xlsx", small_enough)})
    refused = client.post("/survey/fy2099/uploads", files={"file": ("a.xlsx", too_big)})
    assert ok.status_code != 413  # refused for other reasons (no CSRF, not signed in), not for its size
    assert refused.status_code == 413


def test_the_operators_upload_limit_raises_the_multipart_room(client: TestClient) -> None:
    settings = get_settings()
    saved = settings.upload_max_bytes
    settings.upload_max_bytes = MAX_UPLOAD_BYTES + 5 * 1024 * 1024
    try:
        bigger = b"0" * (MAX_UPLOAD_BYTES + 1024 * 1024)
        answer = client.post("/survey/fy2099/uploads", files={"file": ("a.xlsx", bigger)})
    finally:
        settings.upload_max_bytes = saved
    assert answer.status_code != 413  # refused for other reasons here (no CSRF token), not for its size
