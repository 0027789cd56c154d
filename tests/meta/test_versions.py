"""Every editable record carries a version and every way of changing one checks it, so a stale save is refused
rather than overwriting (DESIGN.md "Writes"; issue 12, finding 6: organisations had a column but no check).

Which tables people edit cannot be told from the schema alone (history, audit and log tables are append-only;
reference tables are loaded, not edited), so the editable models and the services that change them are
listed here by hand. Around that list, what can be discovered is: any table with a ``version`` column must map
it as SQLAlchemy's ``version_id_col`` (the pattern of Body and Event: a concurrent flush from an older read
raises StaleDataError, answered 409), and every PUT/PATCH route of the API takes a ``version``. A new editable
model or update service must be added to the lists below.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

import chiiki_iot.app  # noqa: F401  (the assembly imports every domain's tables)
from chiiki_iot.core.db import Base

EDITABLE = {
    "bodies": "a body's web address and its review (registry)",
    "events": "briefing sessions (outreach)",
    "organisations": "organisations (outreach)",
    "users": "accounts: name, password, two-factor",
    "survey_rounds": "survey rounds: opening and closing",
    "survey_responses": "answers under review: confirm or return",
    "projects": "a body's projects",
}


def _update_services() -> dict[str, Callable[..., object]]:
    from chiiki_iot.adoption import survey
    from chiiki_iot.outreach import service as outreach
    from chiiki_iot.registry import service as registry

    return {
        "registry.update_body_details": registry.update_body_details,
        "registry.review_body": registry.review_body,
        "outreach.update_event": outreach.update_event,
        "outreach.save_organisation": outreach.save_organisation,
        "survey.review_response": survey.review_response,
    }


def _mappers() -> dict[str, object]:
    return {m.local_table.name: m for m in Base.registry.mappers}  # type: ignore[attr-defined]


@pytest.mark.parametrize("table", sorted(EDITABLE))
def test_every_editable_model_has_a_version_the_orm_checks(table: str) -> None:
    mapper = _mappers()[table]
    assert "version" in mapper.columns, f"{table} has no version column"  # type: ignore[attr-defined]
    assert mapper.version_id_col is mapper.columns["version"], (  # type: ignore[attr-defined]
        f"{table}.version is not mapped as version_id_col"
    )


def test_every_version_column_is_the_mappers_version_id() -> None:
    half_done = [
        name
        for name, mapper in _mappers().items()
        if "version" in mapper.columns  # type: ignore[attr-defined]
        and mapper.version_id_col is not mapper.columns["version"]  # type: ignore[attr-defined]
    ]
    assert half_done == []


@pytest.mark.parametrize("name", sorted(_update_services()))
def test_every_update_service_takes_the_version_read(name: str) -> None:
    assert "expected_version" in inspect.signature(_update_services()[name]).parameters


def test_every_put_and_patch_route_takes_a_version() -> None:
    """Read from the OpenAPI document, which is what API clients see."""
    from chiiki_iot.app import create_app

    document = create_app().openapi()
    schemas = document["components"]["schemas"]
    changes = [
        (path, method, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in {"put", "patch"}
    ]
    assert len(changes) >= 3, "fewer PUT/PATCH routes than the three known: the discovery is broken"
    missing = []
    for path, method, operation in changes:
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        properties = schemas[body["$ref"].rsplit("/", 1)[-1]]["properties"] if "$ref" in body else {}
        if "version" not in properties:
            missing.append(f"{method.upper()} {path}")
    assert missing == []
