"""The home page and README describe what ships now, with entries to the survey, the dashboard, the PDCA
report and outreach; git ignores SQLite's side files."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[2]
ENTRIES = ["/survey", "/dashboard", "/reports/pdca", "/outreach"]


@pytest.mark.parametrize("href", ENTRIES)
def test_home_links_to_each_part_in_the_content(client: TestClient, href: str) -> None:
    main = client.get("/").text.split('<main id="main"')[1]
    assert f'href="{href}"' in main


def test_home_no_longer_says_only_the_registry_can_be_browsed(client: TestClient) -> None:
    assert "まずは全国の団体の台帳とロードマップを閲覧できます" not in client.get("/").text


def test_home_in_english(client: TestClient) -> None:
    main = client.get("/", params={"lang": "en"}).text.split('<main id="main"')[1]
    assert "PDCA report" in main and "Implementation survey" in main and "：" not in main.split("<h2")[1]


def test_readme_describes_what_ships_and_keeps_two_quick_start_commands() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "in later releases" not in text and "This release is the foundation" not in text
    for part in ENTRIES:
        assert f"`{part}`" in text.split("## Quick start")[0]
    quick = text.split("## Quick start")[1].split("\n## ")[0]
    commands = [
        line
        for block in re.findall(r"```bash\n(.*?)```", quick, re.DOTALL)
        for line in block.splitlines()
        if line.strip()
    ]
    assert len(commands) == 2, commands


@pytest.mark.parametrize("name", ["chiiki-iot.db-shm", "chiiki-iot.db-wal", "chiiki-iot.db"])
def test_sqlite_side_files_are_ignored(name: str) -> None:
    result = subprocess.run(["git", "check-ignore", "-q", name], cwd=REPO, check=False)
    assert result.returncode == 0, f"{name} is not ignored by git"
