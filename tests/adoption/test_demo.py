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


def test_only_on_a_demo_site_and_never_beside_real_data(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InvalidInput):
        demo.generate(session, principal=OPERATOR)
    monkeypatch.setattr(get_settings(), "demo_mode", True)
    service.record_status(
        session,
        principal=OPERATOR,
        body_code="011002",
        model_slug="ehr",
        stage=Stage.INTERESTED,
        effective_on=dt.date(2019, 1, 1),
        source_kind="manual",
    )
    with pytest.raises(InvalidInput) as exc:
        demo.generate(session, principal=OPERATOR)
    assert "混ざらない" in exc.value.message_ja


@pytest.mark.slow
def test_a_plausible_deterministic_history(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "demo_mode", True)
    session.execute(StatusChange.__table__.delete().where(StatusChange.is_synthetic.is_(False)))
    written = demo.generate(session, principal=OPERATOR)
    assert written > 40_000 and demo.generate(session, principal=OPERATOR) == 0
    assert (
        session.scalar(
            select(func.count()).select_from(StatusChange).where(StatusChange.is_synthetic.is_(False))
        )
        == 0
    )
    early = service.stage_counts(session, "open-data", as_of=dt.date(2017, 3, 31))
    late = service.stage_counts(session, "open-data", as_of=dt.date(2021, 3, 31))
    assert (
        late["実装済"] > early["実装済"] and late["関心あり"] + late["検討中"] > 200
    )  # many stall before action
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


@pytest.mark.slow
def test_demo_figures_are_plausible_against_the_seed_targets(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every sum or ratio KPI, measured by the KPI engine on the demo data, lands at FY2020 between 20 % and
    150 % of its seed target (ratios never above 100 %), and each count KPI near its target: not 1,833
    telework sites against a target of 100."""
    from chiiki_iot.progress import service as progress
    from chiiki_iot.roadmap import service as roadmap

    monkeypatch.setattr(get_settings(), "demo_mode", True)
    session.execute(StatusChange.__table__.delete().where(StatusChange.is_synthetic.is_(False)))
    demo.generate(session, principal=OPERATOR)
    checked = []
    for kpi in roadmap.list_kpis(session):
        method = (kpi.measure or {}).get("method")
        if method not in ("input-sum", "input-ratio", "bodies-at-stage") or kpi.target_value is None:
            continue
        year = kpi.target_fiscal_year
        found = progress.kpi_progress(session, kpi, progress.NATION, as_of=dt.date(year + 1, 3, 31))
        value = next(p.value for p in found.points if p.fiscal_year == year)
        share = value / kpi.target_value
        assert 0.2 <= share <= 1.5, f"{kpi.slug}: {value:,.0f} against a target of {kpi.target_value:,.0f}"
        if method == "input-ratio":
            assert value <= 100, kpi.slug
        checked.append(kpi.slug)
    assert {
        "telework-sites",
        "wi-fi-sites",
        "phr-users",
        "schools-using-cloud-materials",
        "schools-able-to-teach-programming",
        "open-data-bodies",
        "sharing-economy-bodies",
    } <= set(checked)
