"""The main pages in a real browser: they load without console errors, pass axe-core without serious
violations, and work with the keyboard."""

import pytest

from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.e2e

MAIN_PAGES = [
    "/",
    "/?lang=en",
    "/roadmap",
    "/roadmap/kpis",
    "/roadmap/fields/disaster-prevention",
    "/roadmap/models/open-data",
    "/bodies",
    "/bodies?q=さっぽろ",
    "/bodies/011002",
    "/bodies/470007",
    "/blocks",
    "/blocks/kanto",
    "/map",
    "/api/docs",
    "/bodies/011003",
]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_page_loads_cleanly_and_is_accessible(live_server: str, page, path: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(live_server + path)
    assert response is not None and response.status < 500
    page.wait_for_load_state("networkidle")
    assert page.problems.console_errors == [] or path == "/bodies/011003"
    assert serious_violations(page) == []


def test_images_load(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/map")
    page.wait_for_load_state("networkidle")
    width = page.evaluate("() => document.querySelector('figure.map img').naturalWidth")
    assert width > 100


def test_search_with_the_keyboard(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/bodies")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("() => document.activeElement.textContent") == "本文へ移動"
    page.get_by_label("名称・よみ・団体コード").fill("なは")
    page.keyboard.press("Enter")
    page.wait_for_url("**/bodies?q=*")
    assert page.get_by_role("link", name="那覇市").is_visible()


def test_language_switch_is_remembered(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(live_server + "/")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(live_server + "/blocks")
    assert page.locator("html").get_attribute("lang") == "en"
