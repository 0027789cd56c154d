"""Japanese screens and files speak Japanese: a walk through every page a visitor and the secretariat can
reach (following links from the home page, a few of each kind), and every workbook the site produces,
finds no internal identifier — a model, KPI, input, field or block slug, a measure kind or an audit
action — as visible text. Dashboard and report pages also fit a 1366 px screen and pass axe-core.

Identifiers stay where machines read them: in URLs and attributes, in the open-data API (/api/…) whose
JSON and CSV are keyed by them, and in the hidden columns and sheets a workbook is read back with."""

from __future__ import annotations

import io
import re
from collections import deque
from html.parser import HTMLParser
from importlib import resources
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from openpyxl import load_workbook

from chiiki_iot.progress.service import METHOD_LABELS
from tests.e2e.conftest import serious_violations, settle
from tests.e2e.test_browser import sign_in_with_the_keyboard

pytestmark = pytest.mark.e2e

AUDIT_WORDS = [
    "sign-in",
    "sign-out",
    "pending_uploads",
    "status_changes",
    "survey_responses",
    "input_values",
    "barrier_reports",
    "api_tokens",
]
PER_KIND = 2  # pages of each URL shape to visit (digits folded): enough to see every template
SKIP = ("/logout", "/api/", "/static/", "/problems/")
SLOW = (
    "/workbook.xlsx"  # survey workbooks: the national one takes seconds; test_early_answer reads a body's own
)


def _slugs_in(node: object, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("slug", "input", "numerator", "denominator") and isinstance(value, str):
                out.add(value)
            _slugs_in(value, out)
    elif isinstance(node, list):
        for item in node:
            _slugs_in(item, out)


def known_slugs() -> set[str]:
    """Every identifier the data files declare, plus measure kinds and audit actions."""
    found: set[str] = set()
    data = resources.files("chiiki_iot") / "data"
    for name in ("roadmap/2017-05.yaml", "registry/blocks.yaml"):
        _slugs_in(yaml.safe_load((data / name).read_text(encoding="utf-8")), found)
    return found | set(METHOD_LABELS) | set(AUDIT_WORDS)


def slug_pattern() -> re.Pattern[str]:
    words = sorted(known_slugs(), key=len, reverse=True)
    return re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, words)) + r")(?![\w/.-])")


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes outside script and style, plus alt, title, aria-label
    and placeholder. Not URLs, not values of form options, not code samples, not text marked lang="en"
    (a record's English name shown beside its Japanese one)."""

    SPOKEN = ("alt", "title", "aria-label", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._closing: list[str] = []  # the tags whose content is hidden, innermost last

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "code", "pre") or values.get("lang") == "en":
            self._hidden += 1
            self._closing.append(tag)
        self.parts.extend(v for k, v in values.items() if k in self.SPOKEN and v)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])  # type: ignore[arg-type]

    def handle_endtag(self, tag: str) -> None:
        if self._closing and tag == self._closing[-1]:
            self._closing.pop()
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?")[0])


def crawl(request, base: str, pattern: re.Pattern[str], limit: int = 160) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """path → the identifiers seen on it, for the pages reachable from the home page (and the account)."""
    seen_shapes: dict[str, int] = {}
    queue, visited, found = deque(["/", "/account", "/survey", "/dashboard", "/reports/pdca"]), set(), {}
    while queue and len(visited) < limit:
        path = queue.popleft()
        if path in visited or any(path.startswith(s) for s in SKIP) or "lang=en" in path or SLOW in path:
            continue
        shape = _shape(path)
        if seen_shapes.get(shape, 0) >= PER_KIND:
            continue
        seen_shapes[shape] = seen_shapes.get(shape, 0) + 1
        visited.add(path)
        response = request.get(base + path)
        kind = response.headers.get("content-type", "")
        if not response.ok:
            continue
        if "spreadsheetml" in kind:
            if hits := workbook_slugs(response.body(), pattern):
                found[path] = hits
            continue
        if "text/html" not in kind:
            continue
        parser = VisibleText()
        parser.feed(response.text())
        if hits := sorted(set(pattern.findall(" ".join(parser.parts)))):
            found[path] = hits
        for href in parser.links:
            url = urlsplit(urljoin(base + path, href))
            if url.netloc == urlsplit(base).netloc:
                queue.append(url.path + (f"?{url.query}" if url.query else ""))
    assert len(visited) > 40, f"the walk reached only {len(visited)} pages"
    return found


def workbook_slugs(data: bytes, pattern: re.Pattern[str]) -> list[str]:
    """Identifiers in a workbook's visible sheets and columns (hidden ones are for reading it back)."""
    book = load_workbook(io.BytesIO(data))
    hits: set[str] = set()
    for sheet in book.worksheets:
        hits.update(pattern.findall(sheet.title))
        if sheet.sheet_state != "visible":
            continue
        hidden = {key for key, dim in sheet.column_dimensions.items() if dim.hidden}
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.column_letter not in hidden:
                    hits.update(pattern.findall(cell.value))
    return sorted(hits)


def test_the_pattern_finds_what_it_should() -> None:
    pattern = slug_pattern()
    assert pattern.findall("モデル open-data の KPI tourism-cloud-bodies") == [
        "open-data",
        "tourism-cloud-bodies",
    ]
    assert pattern.findall("/roadmap/models/open-data and open-data.csv") == []  # paths and file names


def test_no_identifier_on_a_visitors_pages(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    found = crawl(page.request, live_server, slug_pattern())
    assert found == {}, "\n".join(f"{path}: {hits}" for path, hits in found.items())


def test_no_identifier_on_the_secretariats_pages_and_workbooks(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    sign_in_with_the_keyboard(page, live_server, "demo-secretariat@demo.chiiki-iot.invalid")
    pattern = slug_pattern()
    found = crawl(page.request, live_server, pattern)
    for path in ("/reports/pdca.xlsx", "/reports/pdca.xlsx?scope=prefecture&key=01&as_of=2021-03-31"):
        response = page.request.get(live_server + path)
        assert response.ok, path
        if hits := workbook_slugs(response.body(), pattern):
            found[path] = hits
    assert found == {}, "\n".join(f"{path}: {hits}" for path, hits in found.items())


DASHBOARD_AND_REPORT_PAGES = [
    "/dashboard",
    "/dashboard?model=telework",
    "/dashboard/blocks/kanto",
    "/dashboard/prefectures/130001",
    "/dashboard/kpis/open-data-bodies",
    "/dashboard/kpis/schools-using-cloud-materials",
    "/dashboard/kpis/wi-fi-sites",
    "/dashboard/kpis/telework-sites",
    "/bodies/011002/progress",
    "/reports/pdca",
    "/reports/pdca?scope=prefecture&key=01",
]

OVERFLOW = """() => [...document.querySelectorAll('main *')]
    .filter(e => e.parentElement && e.getBoundingClientRect().width > 2
                 && e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible')
    .map(e => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`)
    .concat(document.documentElement.scrollWidth > window.innerWidth
            ? [`page: ${document.documentElement.scrollWidth} > ${window.innerWidth}`] : [])"""


@pytest.mark.parametrize("path", DASHBOARD_AND_REPORT_PAGES)
def test_dashboard_and_report_pages_fit_1366_and_pass_axe(live_server: str, browser, path: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="ja-JP", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        response = page.goto(live_server + path)
        assert response is not None and response.ok
        settle(page)
        assert page.evaluate(OVERFLOW) == [], "something scrolls sideways at 1366 px"
        assert serious_violations(page) == []
    finally:
        context.close()
