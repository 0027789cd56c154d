"""The support package's pages as an official meets them: the finder explains itself, the dashboard names
the measures under each 壁, a refused form keeps what was typed, the letter is a PDF with the decision in
it, and the open data lists the measures."""

from __future__ import annotations

import datetime as dt
import io

import pypdf
from fastapi.testclient import TestClient

from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Barrier, Stage
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.core.fiscal import today_in_japan
from tests.accounts.factories import create_user, principal
from tests.accounts.test_auth import csrf, make_user, sign_in
from tests.support.factories import approved

OTARU = "012033"


def _held_back_by_people(code: str) -> None:
    """The body is interested in open data and reported 人材の不足 this year."""
    with get_sessionmaker()() as session, session.begin():
        admin = principal(create_user(session, Role.SECRETARIAT))
        adoption.record_status(
            session, principal=admin, body_code=code, model_slug="open-data", stage=Stage.INTERESTED,
            effective_on=today_in_japan(), source_kind="manual",
        )  # fmt: skip
        adoption.report_barrier(
            session, principal=admin, body_code=code, model_slug="open-data", barrier=Barrier.PEOPLE,
            reported_on=today_in_japan(),
        )  # fmt: skip


def test_the_finder_puts_what_answers_the_bodys_barrier_first_and_says_why(client: TestClient) -> None:
    _held_back_by_people(OTARU)
    sign_in(client, make_user(Role.MUNICIPALITY, OTARU))
    page = client.get("/support/finder")
    assert page.status_code == 200 and "小樽市" in page.text
    first = page.text.index('class="card')
    assert page.text.index("専門家派遣") > first and "報告された壁「人材の不足」に応える" in page.text
    assert page.text.index("専門家派遣") < page.text.index("地域IoTの実装事業への財政支援")
    assert f"/support/dispatches/new?measure=expert-dispatch&amp;body={OTARU}" in page.text


def test_the_dashboard_names_the_measures_under_each_barrier(client: TestClient) -> None:
    _held_back_by_people(OTARU)
    page = client.get("/dashboard", params={"as_of": today_in_japan().isoformat()})
    section = page.text[page.text.index('id="support"') :]
    people = section[section.index("人材の不足") :]
    assert '<a href="/support/measures/iot-mentor">IoTメンター公務員</a>' in people.split("</ul>")[0]
    assert f'<a href="/support/finder?body={OTARU}">この団体に合う支援</a>' in people.split("</ul>")[0]


def test_a_refused_request_keeps_what_was_typed_and_says_why_in_both_languages(client: TestClient) -> None:
    sign_in(client, make_user(Role.MUNICIPALITY, OTARU))
    answer = client.post(
        "/support/dispatches",
        data={"body_code": OTARU, "measure": "iot-mentor", "model": "open-data", "problem": "", "mode": "online",
              "preferred_dates": "1月中旬", "days": "1", "csrf_token": csrf(client, "/support/dispatches")},
    )  # fmt: skip
    assert answer.status_code == 422 and "相談したい課題を書いてください" in answer.text
    assert 'value="1月中旬"' in answer.text
    english = client.post(
        "/support/dispatches?lang=en",
        data={"body_code": OTARU, "measure": "iot-mentor", "model": "open-data", "problem": "x", "mode": "online",
              "days": "いち", "csrf_token": csrf(client, "/support/dispatches")},
    )  # fmt: skip
    assert english.status_code == 422 and "Days must be a number." in english.text


def test_the_decision_letter_is_a_pdf_with_the_decision_in_it(client: TestClient) -> None:
    email = make_user(Role.SECRETARIAT)
    with get_sessionmaker()() as session, session.begin():
        from chiiki_iot.accounts import service as accounts

        user = accounts.find_user(session, email)
        assert user is not None
        application = approved(session, secretariat=accounts.principal_for(user), yen=2_500_000)
        application_id = application.id
    sign_in(client, email)
    page = client.get(f"/support/applications/{application_id}/letter")
    assert page.status_code == 200 and "交付決定通知書" in page.text and "札幌市長　殿" in page.text
    pdf = client.get(f"/support/applications/{application_id}/letter.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert "交付決定通知書" in text and "2,500,000" in text and f"地IoT支第{application_id}号" in text
    assert "令和" in text  # the date in 和暦


def test_the_measures_are_open_data(client: TestClient) -> None:
    rows = client.get("/api/v1/support/measures").json()
    assert {r["slug"] for r in rows} >= {"iot-mentor", "expert-dispatch", "implementation-funding"}
    mentor = next(r for r in rows if r["slug"] == "iot-mentor")
    assert mentor["menu"] == 2 and "人材の不足" in mentor["barriers"]
    csv = client.get("/api/v1/support/measures", params={"format": "csv"})
    assert csv.status_code == 200 and "iot-mentor" in csv.text
    catalogue = client.get("/api/v1/catalog").json()
    assert "support-measures" in str(catalogue) and "support-outcomes" in str(catalogue)


def test_applications_are_not_open_data(client: TestClient) -> None:
    assert client.get("/api/v1/support/applications").status_code == 401


def test_the_next_survey_asks_whether_the_dispatch_helped(client: TestClient) -> None:
    """A body whose dispatch was reported is asked, beside its survey answer, whether it helped."""
    from chiiki_iot.adoption import survey
    from chiiki_iot.support import dispatch
    from tests.support.factories import requested

    email = make_user(Role.MUNICIPALITY, OTARU)
    with get_sessionmaker()() as session, session.begin():
        admin = principal(create_user(session, Role.SECRETARIAT))
        mentor = dispatch.add_to_roster(
            session, principal=admin,
            data=dispatch.RosterInput(kind="mentor", name="札幌の職員", email="m@sapporo.example", body_code="011002"),
        )  # fmt: skip
        asked = requested(session, body=OTARU)
        dispatch.arrange(
            session, principal=admin, dispatch_id=asked.id, expected_version=asked.version,
            roster_id=mentor.id, visit_on=today_in_japan(),
        )  # fmt: skip
        dispatch.file_report(
            session, principal=admin, dispatch_id=asked.id, expected_version=asked.version,
            advice="公開の手順を助言", next_steps="5件公開",
        )  # fmt: skip
        slug = survey.open_round(
            session, principal=admin, fiscal_year=2063, deadline=dt.date(2064, 5, 31), force=True
        ).slug
        dispatch_id = asked.id
    sign_in(client, email)
    page = client.get(f"/survey/{slug}/bodies/{OTARU}/answer")
    assert "派遣を受けた支援について" in page.text and "IoTメンター公務員" in page.text
    answer = client.post(
        f"/support/dispatches/{dispatch_id}/follow-up",
        data={"round": slug, "helped": "partly", "change": "担当を決め、3件公開した",
              "csrf_token": csrf(client, f"/survey/{slug}/bodies/{OTARU}/answer")},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"].endswith(
        f"/bodies/{OTARU}/answer?followed=1"
    )
    again = client.get(answer.headers["location"])
    assert "派遣についての回答を受け付けました" in again.text and "派遣を受けた支援について" not in again.text
    shown = client.get(f"/support/dispatches/{dispatch_id}")
    assert "一部役に立った" in shown.text and "担当を決め、3件公開した" in shown.text


def test_an_old_barrier_or_one_on_an_implemented_model_does_not_lead_the_finder(client: TestClient) -> None:
    code = "012025"  # 函館市
    with get_sessionmaker()() as session, session.begin():
        admin = principal(create_user(session, Role.SECRETARIAT))
        adoption.report_barrier(
            session, principal=admin, body_code=code, model_slug="open-data", barrier=Barrier.BUDGET,
            reported_on=dt.date(2019, 9, 1),
        )  # fmt: skip
        adoption.record_status(
            session, principal=admin, body_code=code, model_slug="tourism-cloud", stage=Stage.IMPLEMENTED,
            effective_on=dt.date(2024, 4, 1), source_kind="manual",
        )  # fmt: skip
        adoption.report_barrier(
            session, principal=admin, body_code=code, model_slug="tourism-cloud", barrier=Barrier.STRUCTURE,
            reported_on=today_in_japan(),
        )  # fmt: skip
    sign_in(client, make_user(Role.MUNICIPALITY, code))
    page = client.get("/support/finder").text
    assert (
        "で報告された壁" not in page
    )  # 2019 is too old; the tourism barrier is on a model it has implemented
    assert page.index("推進体制整備・計画策定支援") < page.index(
        "地域IoTの実装事業への財政支援"
    )  # menu order
