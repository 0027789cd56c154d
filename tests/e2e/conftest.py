"""Browser tests: the real server (started as a user would, on an empty SQLite file) driven by Debian's
Chromium through Playwright, with axe-core injected to check accessibility.

No browser is ever downloaded: Chromium comes from ``apt-get install chromium``. Outside CI a missing
Chromium skips these tests; in CI (``CI=true``) it fails them.

One server and one browser serve a whole run (one of each per pytest-xdist worker, so ``-n 2`` runs two
servers side by side); each test gets a fresh browser context. Pages are read once they have settled (every
image arrived) rather than after Playwright's "networkidle", which waits a fixed half second on every page.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"


def _require(condition: bool, message: str) -> None:
    if not condition:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli() -> list[str]:
    return [str(Path(sys.executable).parent / "chiiki-iot")]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[str]:
    """`chiiki-iot serve` on a fresh SQLite database: the README's first command, minus the install.
    With ``CHIIKI_E2E_POSTGRES_URL`` (a PostgreSQL server's URL) it runs on a fresh database there instead."""
    workdir = tmp_path_factory.mktemp("live")
    with _site_database(workdir) as url:
        yield from _serve(workdir, url, shared_data)


@pytest.fixture(scope="session")
def two_workers(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[str]:
    """`chiiki-iot serve --workers 2`, as an operator runs it in production, on a database of its own
    (PostgreSQL with ``CHIIKI_E2E_POSTGRES_URL``), with the demo accounts and no demo history."""
    workdir = tmp_path_factory.mktemp("two-workers")
    with _site_database(workdir, suffix="w2") as url:
        yield from _serve(workdir, url, shared_data, workers=2, history=False)


@contextlib.contextmanager
def _site_database(workdir: Path, *, suffix: str = "") -> Iterator[str]:
    server_url = os.environ.get("CHIIKI_E2E_POSTGRES_URL")
    if not server_url:
        yield f"sqlite:///{workdir / 'site.db'}"
        return
    name = f"chiiki_e2e_{os.getpid()}{suffix}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


OUTBOXES: dict[str, Path] = {}
"""Where each live server files its mail (no SMTP in tests): invitations and notices are read from here."""
SERVER_ENV: dict[str, dict[str, str]] = {}
"""The environment each live server runs with, for an operator's command against its database."""


def run_cli(base: str, *args: str) -> str:
    """An operator's ``chiiki-iot`` command against the database of the server at ``base`` (an import)."""
    done = subprocess.run(
        [*_cli(), *args], env=SERVER_ENV[base], check=True, capture_output=True, timeout=300
    )
    return done.stdout.decode("utf-8", "replace")


def mail_to(base: str, address: str) -> list[str]:
    """The decoded text of every message the server at ``base`` filed for ``address``, oldest first."""
    import email
    from email import policy

    outbox = OUTBOXES[base]
    texts = []
    for path in sorted(outbox.glob(f"*-{address.replace('@', '_at_')}.eml")) if outbox.exists() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        texts.append(f"{message['subject']}\n{message.get_body(('plain',)).get_content()}")
    return texts


def _serve(
    workdir: Path, database_url: str, shared_data: Path, *, workers: int = 1, history: bool = True
) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "CHIIKI_DATABASE_URL": database_url,
        "CHIIKI_LOAD_REFERENCE_DATA_ON_START": "true",
        "CHIIKI_DEMO_MODE": "true",
        "CHIIKI_MAIL_OUTBOX": str(workdir / "outbox"),
    }
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(
        [*_cli(), "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    OUTBOXES[base] = workdir / "outbox"
    SERVER_ENV[base] = env
    try:
        _wait_until_up(base, server, workdir / "server.log")
        subprocess.run([*_cli(), "users", "demo"], env=env, check=True, capture_output=True, timeout=120)
        if not history:
            yield base
            return
        for name in ("prefectures.topojson", "municipalities.topojson"):
            subprocess.run(
                [*_cli(), "import", "boundaries", str(shared_data / "boundaries" / name), "--yes"],
                env=env,
                check=True,
                capture_output=True,
                timeout=120,
            )
        subprocess.run([*_cli(), "demo"], env=env, check=True, capture_output=True, timeout=300)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(base + "/api/v1/registry", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not start in 90 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _require(CHROMIUM.exists(), "Debian chromium is not installed (apt-get install chromium)")
    _require(AXE.exists(), "axe-core is not installed (npm install)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@dataclass
class PageProblems:
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    problems = PageProblems()
    page.on("console", lambda m: problems.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.console_errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.console_errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.status != 404
            else None
        ),
    )
    page.problems = problems
    yield page
    context.close()


SETTLED = """() => [...document.images].every(i => i.complete
    || (i.loading === 'lazy' && i.getBoundingClientRect().top > innerHeight + 2500))"""


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until every image the page shows has arrived. The load event does not wait for lazy images (a
    body's map), which Chromium fetches when they are near the viewport; those far below it never load."""
    page.wait_for_function(SETTLED)


AXE_RUN = """async () => {
    const result = await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
        resultTypes: ['violations'],
    });
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target)}));
}"""


def serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the current page (WCAG 2.x A/AA rules).

    Every rule runs on every node as before; only the violations come back (``resultTypes``, and a summary
    built in the page), not the passing nodes, whose reporting and transfer took most of the time."""
    # Evaluated through the DevTools protocol rather than added as a <script> tag: the site's CSP allows no
    # inline script (web.security), and the test must not weaken it to inspect the page.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {v['targets']}"
        for v in page.evaluate(AXE_RUN)
        if v["impact"] in ("serious", "critical")
    ]
