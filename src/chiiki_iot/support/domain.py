"""The support package's parts for the assembly: measures and the finder, applications with their review,
budgets, dispatch of experts and IoTメンター公務員, and outcomes; under each 壁 of a dashboard, the measures
that answer it (slot ``progress.barriers``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from chiiki_iot.core import data_versions
from chiiki_iot.core.datasets import DatasetEntry
from chiiki_iot.core.domain import Domain
from chiiki_iot.support import (
    api,
    application_pages,
    cli,
    dispatch,
    dispatch_pages,
    menus,
    models,
    pages,
    plan_pages,
    plans,
)
from chiiki_iot.web.sections import Section

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _barrier_measures(session: Session) -> dict[str, object]:
    """壁 → (slug, name_ja, name_en) of the measures answering it: plain values, kept with the page."""
    return {
        "measures": {
            barrier: [(m.slug, m.name_ja, m.name_en) for m in found]
            for barrier, found in menus.measures_for_barrier(session).items()
        }
    }


def _follow_ups(session: Session, *, body_code: str, round_slug: str) -> dict[str, object]:
    """The body's reported dispatches not yet followed up, asked beside its survey answer."""
    waiting = dispatch.awaiting_follow_up(session, body_code)
    names = {m.id: m.name_ja for m in menus.list_measures(session)}
    return {
        "dispatches": waiting,
        "names": {d.id: names[d.measure_id] for d in waiting},
        "helped": dispatch.HELPED,
        "round_slug": round_slug,
    }


def _plan_coverage(session: Session) -> dict[str, object]:
    """Plans in force for the nation and each block, beside implementation (the national dashboard)."""
    return {
        "plan_blocks": plans.coverage(session, level="block"),
        "plan_nation": plans.coverage(session, level="nation")[0],
    }


DOMAIN = Domain(
    name="support",
    models=(models,),
    routers=(pages.router, dispatch_pages.router, application_pages.router, plan_pages.router, api.router),
    templates=TEMPLATES,
    load_reference_data=lambda session, force: menus.load_measures(session),
    cli=cli.app,
    datasets=(
        DatasetEntry(
            "support-measures",
            "地域IoT実装総合支援パッケージの支援メニュー",
            "Support package: measures",
            "/api/v1/support/measures",
            landing_page="/support",
        ),
        DatasetEntry(
            "support-budgets",
            "支援メニューの予算（予算額・交付決定済・支払済・残額）",
            "Support package: budgets per measure and fiscal year",
            "/api/v1/support/budgets",
            landing_page="/support",
        ),
        DatasetEntry(
            "support-plans",
            "IoT・DX推進計画の策定状況（都道府県別）",
            "IoT/DX plans by prefecture",
            "/api/v1/support/plans/coverage?level=prefecture",
            landing_page="/support/plans",
        ),
        DatasetEntry(
            "support-training",
            "データ活用スキルの研修（コース・年度別の受講者数）",
            "Data-skills training: participants by course and year",
            "/api/v1/support/training",
            landing_page="/support/training",
        ),
        DatasetEntry(
            "support-outcomes",
            "支援の成果（観察による比較）",
            "Support package: outcomes (observational comparison)",
            "/api/v1/support/outcomes",
            landing_page="/support",
        ),
    ),
    sections={
        "progress.dashboard": Section(
            "support/_dashboard_plans.html",
            _plan_coverage,
            version=lambda session: str(data_versions.current(session, plans.PLANS)),
        ),
        "adoption.survey_answer": Section("support/_follow_up.html", _follow_ups),
        "progress.barriers": Section(
            "support/_barrier_measures.html",
            _barrier_measures,
            version=lambda session: str(data_versions.current(session, menus.MEASURES)),
        ),
    },
)
