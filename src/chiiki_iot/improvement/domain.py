"""The Act step's parts for the assembly: countermeasures (under each KPI, slot ``progress.kpi``),
opinions, block priorities (on the block dashboard, slot ``progress.block``), roadmap revision drafts and
the case library (cases from similar bodies on a body's page, slot ``registry.body``)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from chiiki_iot.core import data_versions
from chiiki_iot.core.datasets import DatasetEntry
from chiiki_iot.core.domain import Domain
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.improvement import (
    api,
    case_pages,
    cases,
    countermeasures,
    models,
    opinion_pages,
    pages,
    priorities,
    revision_pages,
)
from chiiki_iot.web.sections import Section

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _kpi_countermeasures(session: Session, *, kpi_slug: str, rating: str) -> dict[str, object]:
    return {
        "cm_open": countermeasures.open_for_kpis(session).get(kpi_slug, []),
        "cm_lagging": rating in pages.LAGGING,
        "cm_kpi": kpi_slug,
        "cm_statuses": countermeasures.STATUSES,
        "cm_today": today_in_japan(),
    }


def _similar_cases(session: Session, *, code: str) -> dict[str, object]:
    return {"similar_cases": cases.similar_for_body(session, code)}


def _block_priorities(session: Session, *, block_slug: str) -> dict[str, object]:
    return {"priorities": priorities.progress_in_block(session, block_slug), "block_slug": block_slug}


DOMAIN = Domain(
    name="improvement",
    models=(models,),
    routers=(pages.router, opinion_pages.router, revision_pages.router, case_pages.router, api.router),
    templates=TEMPLATES,
    datasets=(
        DatasetEntry(
            "improvement-countermeasures",
            "対応策（遅れている KPI への取組）と進捗",
            "Countermeasures for lagging KPIs, with progress",
            "/api/v1/improvement/countermeasures",
            landing_page="/improvement",
        ),
        DatasetEntry(
            "improvement-opinions",
            "会合で出た意見と仕分け・回答",
            "Opinions raised at meetings, triaged and answered",
            "/api/v1/improvement/opinions",
            landing_page="/improvement/opinions",
        ),
        DatasetEntry(
            "improvement-priorities",
            "地域ブロックの重点モデル",
            "Priority models of each block",
            "/api/v1/improvement/priorities",
            landing_page="/improvement/priorities",
        ),
        DatasetEntry(
            "improvement-cases",
            "事例集（公開済みの事例）",
            "Case library (published cases)",
            "/api/v1/improvement/cases",
            landing_page="/cases",
        ),
    ),
    sections={
        "progress.kpi": Section(
            "improvement/_kpi_countermeasures.html",
            _kpi_countermeasures,
            version=lambda session: str(data_versions.current(session, countermeasures.COUNTERMEASURES)),
        ),
        "progress.block": Section(
            "improvement/_block_priorities.html",
            _block_priorities,
            version=lambda session: str(data_versions.current(session, priorities.PRIORITIES)),
        ),
        "registry.body": Section("improvement/_similar_cases.html", _similar_cases),
    },
)
