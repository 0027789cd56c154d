"""Progress pages for visitors who are not signed in are rendered once per data version and answered with
an ETag (issue 13): asking again with ``If-None-Match`` gets 304 and no body, and any change to the
figures gives a new page at once. Signed-in visitors always get their own page."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role
from chiiki_iot.progress import service
from tests.accounts.factories import create_user, principal
from tests.accounts.test_auth import make_user, sign_in

KPI_PAGE = "/dashboard/kpis/ehr-medical-areas"  # measured by a national figure


def test_a_second_visit_with_the_etag_gets_304_and_no_body(client: TestClient) -> None:
    first = client.get("/dashboard")
    assert first.status_code == 200 and first.headers["etag"].startswith('W/"')
    again = client.get("/dashboard", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    plain = client.get("/dashboard")
    assert plain.status_code == 200 and plain.text == first.text


def test_a_change_to_the_figures_gives_a_new_page_at_once(client: TestClient, session: Session) -> None:
    before = client.get(KPI_PAGE)
    assert "2,345" not in before.text
    admin = principal(create_user(session, Role.SECRETARIAT))
    service.record_national_figure(
        session, principal=admin, kpi_slug="ehr-medical-areas", fiscal_year=2019, value=2345,
        source="厚生労働省調べ", observed_on=dt.date(2020, 3, 31),
    )  # fmt: skip
    session.commit()
    after = client.get(KPI_PAGE, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert "2,345" in after.text


def test_each_language_and_query_is_its_own_page(client: TestClient) -> None:
    japanese = client.get("/dashboard")
    english = client.get("/dashboard", params={"lang": "en"})
    other_model = client.get("/dashboard", params={"model": "l-alert", "lang": "ja"})
    assert len({japanese.headers["etag"], english.headers["etag"], other_model.headers["etag"]}) == 3
    assert 'lang="en"' in english.text and 'lang="ja"' in japanese.text


def test_a_signed_in_visitor_gets_a_page_of_their_own(client: TestClient) -> None:
    anonymous = client.get("/dashboard")
    sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
    own = client.get("/dashboard", headers={"If-None-Match": anonymous.headers["etag"]})
    assert own.status_code == 200 and "etag" not in own.headers
    assert "テスト" in own.text  # the signed-in user's name in the header


def test_the_kpi_list_of_the_api_is_kept_too(client: TestClient) -> None:
    first = client.get("/api/v1/progress/kpis")
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/json")
    assert {"kpi", "value", "rating", "coverage"} <= set(first.json()[0])
    assert (
        client.get("/api/v1/progress/kpis", headers={"If-None-Match": first.headers["etag"]}).status_code
        == 304
    )
    csv = client.get("/api/v1/progress/kpis", params={"format": "csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
