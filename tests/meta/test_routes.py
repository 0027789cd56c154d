"""Every route declares who is asking (the principal dependency), and every form post checks CSRF."""

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from chiiki_iot.accounts import admin_pages, pages
from chiiki_iot.accounts import api as accounts_api
from chiiki_iot.accounts.web import csrf_protected, current_principal
from chiiki_iot.adoption import api as adoption_api
from chiiki_iot.adoption import pages as adoption_pages
from chiiki_iot.adoption import survey_pages
from chiiki_iot.outreach import api as outreach_api
from chiiki_iot.outreach import pages as outreach_pages
from chiiki_iot.progress import api as progress_api
from chiiki_iot.progress import pages as progress_pages
from chiiki_iot.registry import api as registry_api
from chiiki_iot.registry import pages as registry_pages
from chiiki_iot.reports import pages as report_pages
from chiiki_iot.roadmap import api as roadmap_api
from chiiki_iot.roadmap import pages as roadmap_pages
from chiiki_iot.web import pages as web_pages

# The routers create_app() mounts; a new one must be added here (and to create_app).
ROUTERS = [
    m.router
    for m in (
        web_pages,
        registry_pages,
        roadmap_pages,
        pages,
        admin_pages,
        registry_api,
        roadmap_api,
        accounts_api,
        adoption_pages,
        adoption_api,
        survey_pages,
        progress_pages,
        progress_api,
        report_pages,
        outreach_pages,
        outreach_api,
    )
]


def calls(dependant: Dependant) -> set[object]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= calls(sub)
    return found


def routes() -> list[APIRoute]:
    return [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]


def test_create_app_mounts_exactly_these_routers() -> None:
    import inspect

    from chiiki_iot.web import app

    source = inspect.getsource(app.create_app)
    assert all(
        name in source
        for name in (
            "web_pages",
            "registry_pages",
            "roadmap_pages",
            "accounts_pages",
            "accounts_admin",
            "registry_api",
            "roadmap_api",
            "accounts_api",
            "adoption_pages",
            "adoption_api",
            "survey_pages",
        )
    )


def test_every_route_resolves_the_principal() -> None:
    missing = [r.path for r in routes() if current_principal not in calls(r.dependant)]
    assert len(routes()) > 40 and missing == []


def test_every_page_form_post_checks_csrf() -> None:
    posts = [r for r in routes() if "POST" in r.methods and not r.path.startswith("/api/")]
    assert posts and [r.path for r in posts if csrf_protected not in calls(r.dependant)] == []
