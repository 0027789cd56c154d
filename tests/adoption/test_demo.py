"""Demo data: deterministic, plausible, labelled synthetic, and never mixed with real data."""

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.adoption import demo, service
from chiiki_iot.adoption.ladder import Stage
from chiiki_iot.adoption.models import StatusChange
from chiiki_iot.adoption.projects import projects_of_body
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.settings import get_settings
from tests.adoption.test_importers import OPERATOR


def test_only_on_a_demo_site_and_never_beside_real_data(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInput):
        demo.generate(session, principal=OPERATOR)
    monkeypatch.setattr(get_settings(), "demo_mode", True)
    service.record_status(session, principal=OPERATOR, body_code="011002", model_slug="ehr", stage=Stage.INTERESTED,
                          effective_on=dt.date(2019, 1, 1), source_kind="manual")
    with pytest.raises(InvalidInput) as exc:
        demo.generate(session, principal=OPERATOR)
    assert "混ざらない" in exc.value.message_ja


def test_a_plausible_deterministic_history(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "demo_mode", True)
    session.execute(StatusChange.__table__.delete().where(StatusChange.is_synthetic.is_(False)))
    written = demo.generate(session, principal=OPERATOR)
    assert written > 40_000 and demo.generate(session, principal=OPERATOR) == 0
    assert session.scalar(select(func.count()).select_from(StatusChange).where(StatusChange.is_synthetic.is_(False))) == 0
    early = service.stage_counts(session, "open-data", as_of=dt.date(2017, 3, 31))
    late = service.stage_counts(session, "open-data", as_of=dt.date(2021, 3, 31))
    assert late["実装済"] > early["実装済"] and late["関心あり"] + late["検討中"] > 200  # many stall before action
    sapporo = service.status_of_body(session, "011002", as_of=dt.date(2021, 3, 31))
    assert sapporo and all(c.is_synthetic and c.source_kind == "demo" for c in sapporo.values())
    projects = projects_of_body(session, "011002")
    assert projects and all(p.is_synthetic and p.name.startswith("（合成）") for p in projects)
    figures = service.inputs_of_body(session, "011002")
    assert figures[("schools-total", 2020)].is_synthetic
    assert figures[("schools-cloud-ready", 2020)].value <= figures[("schools-total", 2020)].value
    in_force = service.inputs_in_force(session, body_codes=None, fiscal_year=2020)
    national = sum(v for (_, slug), v in in_force.items() if slug == "schools-total")
    assert 20_000 < national < 80_000  # the order of Japan's ~35,000 schools
