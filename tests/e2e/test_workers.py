"""Two server processes agree (issue 13): figures are cached per data version in the database, so after a
national figure is entered through one worker, every request — whichever worker the kernel hands it to —
serves the new figure at once to whoever entered it (signed in or with a token), and to visitors not signed
in within seconds (they are shown the figures already computed while the next are). Before, each process
kept its own cache keyed on its own writes."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from chiiki_iot.accounts.demo import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

KPI = "ehr-medical-areas"  # measured by a national figure the secretariat enters
SECRETARIAT = "demo-secretariat@demo.chiiki-iot.invalid"
READS = 24


def _token(base: str) -> str:
    """Sign in as the demo secretariat and make an API token on the account page, as a person would."""
    with httpx.Client(base_url=base) as browser:
        browser.get("/login")
        signed_in = browser.post(
            "/login",
            data={
                "email": SECRETARIAT,
                "password": DEMO_PASSWORD,
                "csrf_token": browser.cookies["chiiki_csrf"],
            },
        )
        assert signed_in.status_code in (200, 303), signed_in.text
        page = browser.post(
            "/account/tokens", data={"name": "二つのプロセス", "csrf_token": browser.cookies["chiiki_csrf"]}
        )
        found = re.search(r'<p class="secret">([^<]+)</p>', page.text)
        assert found, page.text
        return found.group(1)


def _national_values(base: str, token: str = "") -> set[object]:
    """The KPI's national value as READS separate connections see it (so both workers answer some), with
    the token (as the person who entered it) or without (a visitor not signed in)."""
    headers = {"Connection": "close"} | ({"Authorization": f"Bearer {token}"} if token else {})
    seen = set()
    for _ in range(READS):
        with httpx.Client(base_url=base, headers=headers) as reader:
            kpis = reader.get("/api/v1/progress/kpis")
            assert kpis.status_code == 200
            seen.add(next(k["value"] for k in kpis.json() if k["kpi"] == KPI))
    return seen


def test_a_figure_entered_through_one_worker_is_served_by_all(two_workers: str) -> None:
    token = _token(two_workers)
    assert _national_values(two_workers) == {None}  # every worker has computed and kept the figures
    assert _national_values(two_workers, token) == {None}
    entered = httpx.post(
        f"{two_workers}/api/v1/progress/kpis/{KPI}/national-figures",
        headers={"Authorization": f"Bearer {token}"},
        json={"fiscal_year": 2019, "value": 212, "source": "厚生労働省調べ", "observed_on": "2020-03-31"},
    )
    assert entered.status_code == 201, entered.text
    assert _national_values(two_workers, token) == {212}  # at once for the person who entered it
    deadline = time.monotonic() + 30  # visitors not signed in: within the seconds one computation takes
    while _national_values(two_workers) != {212}:
        assert time.monotonic() < deadline, "anonymous readers did not get the new figure within 30 s"
        time.sleep(0.5)


def test_keep_alive_requests_are_not_held_back_by_nagle(two_workers: str) -> None:
    """uvicorn's shared socket left TCP_NODELAY off with several workers: every request after the first on a
    connection waited ~44 ms for the client's delayed ACK. Ten requests on one connection now take a few ms."""
    with httpx.Client(base_url=two_workers) as browser:
        browser.get("/static/app.css")
        times = []
        for _ in range(10):
            response = browser.get("/static/app.css")
            assert response.status_code == 200
            times.append(response.elapsed.total_seconds())
    assert sorted(times)[5] < 0.025, times
