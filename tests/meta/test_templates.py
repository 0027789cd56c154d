"""Every template is rendered — not just compiled — with the environment's ``StrictUndefined``, and every
string a template or module marks for translation has English.

Rendering needs real context, and the only honest source of it is the pages themselves. So
``test_every_template_renders_through_the_app`` walks every HTML GET route of the app as ``create_app()``
builds it (JSON under /api/v1 and files ending .svg/.xlsx/.ics render no template), fills its path and
required query parameters from ``sample_parameters`` (a new route with a parameter nobody gave a sample
for fails here),
and requests it in Japanese and in English as the secretariat (who may see every page) and in Japanese as
an anonymous visitor. It records every template the environment loads — pages, their layout, included
partials, macro files — and fails if a template file is never loaded, if a page does not answer 200 (or
a deliberate 401 for the anonymous visitor), or if a render raises: a missing variable is an
``UndefinedError`` that the test client re-raises instead of hiding in a 500.

What it does not do: it renders each template along the branches those requests take (an empty form,
the state the test data is in), not every ``{% if %}``; the page tests of each domain render the others
(errors, saved notices, other roles). It takes a few seconds: one request per route and language.
"""

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from jinja2 import Template

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.policy import Role
from chiiki_iot.adoption import survey
from chiiki_iot.app import create_app
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.core.i18n import LOCALE_DIR
from chiiki_iot.network import hub, symbols
from chiiki_iot.outreach import service as outreach
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support import training
from chiiki_iot.web.templating import ENV, template_folders
from tests.accounts.test_auth import make_user, sign_in
from tests.improvement import factories as improvement_factories
from tests.support import factories as support_factories

REPO = Path(__file__).resolve().parents[2]
NOT_A_PAGE = re.compile(r"^/api/v1/|\.(svg|xlsx|ics|json)$")


def template_files() -> set[str]:
    return {str(p.relative_to(d)) for d in template_folders() for p in Path(d).rglob("*.html")}


@pytest.fixture
def loaded_templates(monkeypatch: pytest.MonkeyPatch) -> Iterator[set[str]]:
    """The names of the templates the one Jinja environment loads while the test runs (pages, and the
    layouts, partials and macro files they pull in)."""
    names: set[str] = set()
    original: Callable[..., Template] = ENV.get_template

    def recording(name: Any, *args: Any, **kwargs: Any) -> Template:
        template = original(name, *args, **kwargs)
        names.add(template.name or str(name))
        return template

    monkeypatch.setattr(ENV, "get_template", recording)
    yield names


def sample_parameters(client: TestClient, email: str) -> dict[str, dict[str, str]]:
    """Real values for each routed path's parameters: reference data where it exists, and a survey round,
    an upload, an invitation and a reset link made here for the pages that show one."""
    with get_sessionmaker()() as session, session.begin():
        model = roadmap.list_models(session)[0]
        model_slug, field_slug = model.slug, model.field.slug
        kpi_slug = roadmap.list_kpis(session)[0].slug
        revisions = [r.slug for r in roadmap.list_revisions(session)]
        event_id = str(outreach.list_events(session)[0].id)
        secretariat = accounts.find_user(session, email)
        assert secretariat is not None
        principal = accounts.principal_for(secretariat)
        slug = survey.open_round(
            session, principal=principal, fiscal_year=2061, deadline=dt.date(2062, 5, 31), force=True
        ).slug
        _, invitation = accounts.invite(
            session,
            principal=principal,
            email="template-walk@example.jp",
            role=Role.MUNICIPALITY,
            scope="011002",
        )
        reset = accounts.request_password_reset(session, email=email)
        assert reset is not None
        solution = hub.save_solution(
            session,
            principal=principal,
            data=hub.SolutionInput(
                organisation_slug="tca", title="見守りセンサー", description="電力の使用から異常を知らせる"
            ),
        )
        need = hub.post_need(
            session,
            principal=principal,
            data=hub.NeedInput(
                body_code="011002", title="高齢者の見守り", description="一人暮らしの方の異変に気づきたい"
            ),
        )
        hub.publish_need(session, principal=principal, need_id=need.id, expected_version=need.version)
        call = symbols.open_call(
            session, principal=principal, title="シンボル・プロジェクト", deadline=dt.date(2099, 3, 31)
        )
        application = support_factories.approved(session, secretariat=principal)
        asked = support_factories.requested(session)
        course = training.add_course(session, principal=principal, title="データ活用入門")
        training.add_session(session, principal=principal, course_id=course.id, held_on=dt.date(2026, 6, 1))
        measure = improvement_factories.countermeasure(session, secretariat=principal)
        case = improvement_factories.published_case(session, secretariat=principal)
        draft = improvement_factories.draft(session, secretariat=principal)
    workbook = client.get(f"/survey/{slug}/workbook.xlsx?body=011002")  # as sent out, nothing filled in
    assert workbook.status_code == 200
    upload = client.post(
        f"/survey/{slug}/uploads",
        files={"file": ("回答.xlsx", workbook.content)},
        data={"csrf_token": client.cookies.get("chiiki_csrf")},
        follow_redirects=False,
    )
    assert upload.status_code == 303, upload.text
    token = upload.headers["location"].rsplit("/", 1)[-1]
    body, pref = {"code": "011002"}, {"code": "010006"}
    return {
        "/bodies/{code}": body,
        "/bodies/{code}/edit": body,
        "/bodies/{code}/status": body,
        "/bodies/{code}/progress": body,
        "/prefectures/{code}": {"code": "01"},
        "/blocks/{slug}": {"slug": "hokkaido"},
        "/roadmap/compare": {"from": revisions[0], "to": revisions[-1]},
        "/roadmap/fields/{slug}": {"slug": field_slug},
        "/roadmap/models/{slug}": {"slug": model_slug},
        "/roadmap/models/{slug}/adoption": {"slug": model_slug},
        "/invitations/{token}": {"token": invitation},
        "/password/reset/{token}": {"token": reset[1]},
        "/survey/{slug}": {"slug": slug},
        "/survey/{slug}/uploads/{token}": {"slug": slug, "token": token},
        "/survey/{slug}/bodies/{code}/answer": {"slug": slug, **body},
        "/dashboard/blocks/{slug}": {"slug": "hokkaido"},
        "/dashboard/prefectures/{code}": pref,
        "/dashboard/kpis/{slug}": {"slug": kpi_slug},
        "/outreach/events/{event_id}": {"event_id": event_id},
        "/problems/{slug}": {"slug": "forbidden"},
        "/network/needs/{need_id}": {"need_id": str(need.id)},
        "/network/solutions/{solution_id}": {"solution_id": str(solution.id)},
        "/network/symbol/{call_id}": {"call_id": str(call.id)},
        "/support/measures/{slug}": {"slug": "iot-mentor"},
        "/support/dispatches/{dispatch_id}": {"dispatch_id": str(asked.id)},
        "/support/plans/{code}": body,
        "/support/training/{course_id}": {"course_id": str(course.id)},
        "/support/applications/{application_id}": {"application_id": str(application.id)},
        "/support/applications/{application_id}/letter": {"application_id": str(application.id)},
        "/support/applications/{application_id}/letter.pdf": {"application_id": str(application.id)},
        "/improvement/countermeasures/{row_id}": {"row_id": str(measure.id)},
        "/improvement/countermeasures/{row_id}/edit": {"row_id": str(measure.id)},
        "/improvement/revisions/{draft_id}": {"draft_id": str(draft.id)},
        "/cases/{case_id}": {"case_id": str(case.id)},
        "/cases/{case_id}/edit": {"case_id": str(case.id)},
        "/cases/{case_id}/spread.svg": {"case_id": str(case.id)},
    }


def _required_query(dependant: Any) -> list[str]:
    names = [q.alias for q in dependant.query_params if q.field_info.is_required()]
    return names + [n for sub in dependant.dependencies for n in _required_query(sub)]


def page_urls(samples: dict[str, dict[str, str]]) -> list[str]:
    """Each HTML GET route once, its path parameters and required query parameters filled."""
    urls, unsampled = [], []
    for route in iter_route_contexts(create_app().routes):
        if "GET" not in (getattr(route, "methods", None) or ()) or NOT_A_PAGE.search(route.path):
            continue
        in_path = re.findall(r"{(\w+)}", route.path)
        needed = in_path + _required_query(route.dependant)
        given = samples.get(route.path, {})
        if any(name not in given for name in needed):
            unsampled.append(route.path)
            continue
        url = route.path
        for name in in_path:
            url = url.replace(f"{{{name}}}", given[name])
        query = "&".join(f"{k}={v}" for k, v in given.items() if k not in in_path)
        urls.append(url + (f"?{query}" if query else ""))
    assert unsampled == [], "give these routes sample parameters in sample_parameters()"
    return urls


def _expected_status(url: str) -> int:
    """200, except a PDF on a machine without Pango (no browser installed): then the site says so, 503."""
    if not url.endswith(".pdf"):
        return 200
    try:
        import weasyprint  # noqa: F401
    except OSError:
        return 503
    return 200


def test_every_template_renders_through_the_app(client: TestClient, loaded_templates: set[str]) -> None:
    email = make_user(Role.SECRETARIAT)
    sign_in(client, email)
    urls = page_urls(sample_parameters(client, email))
    assert len(urls) >= 40
    for lang in ("ja", "en"):
        for url in urls:
            response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
            assert response.status_code == _expected_status(url), (lang, url, response.text[:500])
    client.cookies.clear()
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 401), (url, response.text[:500])
    client.get("/bodies/000000")  # a refusal page: error.html with a NotFound
    assert template_files() - loaded_templates == set()


def test_a_missing_variable_fails_the_walk(
    client: TestClient, loaded_templates: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk cannot pass by swallowing errors: a page whose template names a variable nobody passed
    raises through the test client (it is no 500 page, no blank)."""
    from jinja2 import UndefinedError

    sign_in(client, make_user(Role.MUNICIPALITY, "011002"))
    assert client.get("/account").status_code == 200 and "accounts/account.html" in loaded_templates
    monkeypatch.delitem(ENV.globals, "role_labels")  # the account page lists the roles by their labels
    with pytest.raises(UndefinedError):
        client.get("/account")


def test_every_marked_string_has_an_english_translation(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(REPO / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "_",
            "-o",
            str(pot),
            "--no-location",
            str(REPO),
        ],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    with pot.open("rb") as fh:
        wanted = [m.id for m in read_po(fh) if m.id]
    with (LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="en")
    missing = [m for m in wanted if not (catalogue.get(m) and catalogue.get(m).string)]
    assert len(wanted) > 50 and missing == []
    placeholders = re.compile(r"%\(\w+\)s")
    mismatched = [
        m
        for m in wanted
        if sorted(placeholders.findall(m)) != sorted(placeholders.findall(catalogue.get(m).string))
    ]
    assert mismatched == []
