"""The English title of a page uses an ASCII colon, not the Japanese full-width one."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

PAGES = ["/", "/dashboard", "/bodies/011002/status", "/roadmap", "/bodies/011002"]


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)


@pytest.mark.parametrize("path", PAGES)
def test_english_title_has_no_full_width_colon(client: TestClient, path: str) -> None:
    title = _title(client.get(path, params={"lang": "en"}).text)
    assert "：" not in title and "Regional IoT Implementation Platform" in title


def test_joined_english_title_reads_naturally(client: TestClient) -> None:
    assert _title(client.get("/dashboard", params={"lang": "en"}).text).startswith("Progress dashboard: ")


def test_japanese_title_keeps_its_colon(client: TestClient) -> None:
    assert "進捗ダッシュボード：" in _title(client.get("/dashboard", params={"lang": "ja"}).text)


HEADED = [
    "/dashboard",
    "/bodies/011002/status",
    "/bodies/011002/progress",
    "/reports/pdca",
    "/roadmap/models/open-data/adoption",
    "/outreach/calendar?month=2017-05",
]


@pytest.mark.parametrize("path", HEADED)
def test_english_headings_join_with_an_ascii_colon(client: TestClient, path: str) -> None:
    heading = re.search(
        r"<h1[^>]*>(.*?)</h1>", client.get(path + ("&" if "?" in path else "?") + "lang=en").text, re.DOTALL
    ).group(1)
    assert "：" not in heading and ": " in heading
    japanese = re.search(
        r"<h1[^>]*>(.*?)</h1>", client.get(path + ("&" if "?" in path else "?") + "lang=ja").text, re.DOTALL
    ).group(1)
    assert "：" in japanese
