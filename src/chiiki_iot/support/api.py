"""The support package as JSON and CSV (/api/v1/support/...): measures, budgets and outcomes for anyone;
applications and dispatches for whoever may see them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.support import applications, budgets, dispatch, menus, outcomes, plans, training
from chiiki_iot.support.forms import SessionDep
from chiiki_iot.support.schemas import (
    ApplicationRead,
    BudgetRead,
    DispatchRead,
    MeasureRead,
    OutcomeRead,
    PlanCoverageRead,
    TrainingRead,
)
from chiiki_iot.web.tables import schema_csv

router = APIRouter(prefix="/api/v1/support", tags=["support"], dependencies=[Depends(current_principal)])
Format = Annotated[Literal["json", "csv"], Query(description="json または csv / json or csv")]


@router.get("/measures", response_model=list[MeasureRead], summary="Support measures / 支援メニュー")
def measure_list(session: SessionDep, format: Format = "json") -> list[MeasureRead] | Response:
    items = [MeasureRead.of(m) for m in menus.list_measures(session)]
    return schema_csv(items, MeasureRead, "support-measures.csv") if format == "csv" else items


@router.get("/budgets", response_model=list[BudgetRead], summary="Budgets per measure and year / 予算")
def budget_list(
    session: SessionDep, fiscal_year: int | None = Query(None, ge=2000, le=2100), format: Format = "json"
) -> list[BudgetRead] | Response:
    items = [BudgetRead.of(b) for b in budgets.budget_lines(session, fiscal_year=fiscal_year)]
    return schema_csv(items, BudgetRead, "support-budgets.csv") if format == "csv" else items


@router.get("/outcomes", response_model=list[OutcomeRead], summary="Outcomes (observational) / 成果")
def outcome_list(session: SessionDep, format: Format = "json") -> list[OutcomeRead] | Response:
    items = [OutcomeRead.of(outcomes.outcome(session, m.slug)) for m in menus.list_measures(session)]
    return schema_csv(items, OutcomeRead, "support-outcomes.csv") if format == "csv" else items


@router.get("/outcomes/{slug}", response_model=OutcomeRead, summary="One measure's outcome / 成果")
def outcome_of(session: SessionDep, slug: str) -> OutcomeRead:
    return OutcomeRead.of(outcomes.outcome(session, slug))


@router.get("/applications", response_model=list[ApplicationRead], summary="Applications you may see / 申請")
def application_list(
    session: SessionDep, principal: SignedInDep, format: Format = "json"
) -> list[ApplicationRead] | Response:
    slugs = {m.id: m.slug for m in menus.list_measures(session)}
    items = [
        ApplicationRead.of(a, slugs[a.measure_id]) for a in applications.list_visible(session, principal)
    ]
    return schema_csv(items, ApplicationRead, "support-applications.csv") if format == "csv" else items


@router.get("/dispatches", response_model=list[DispatchRead], summary="Dispatches you may see / 派遣")
def dispatch_list(
    session: SessionDep, principal: PrincipalDep, format: Format = "json"
) -> list[DispatchRead] | Response:
    slugs = {m.id: m.slug for m in menus.list_measures(session)}
    items = [DispatchRead.of(d, slugs[d.measure_id]) for d in dispatch.list_visible(session, principal)]
    return schema_csv(items, DispatchRead, "support-dispatches.csv") if format == "csv" else items


@router.get(
    "/plans/coverage", response_model=list[PlanCoverageRead], summary="IoT/DX plans by scope / 計画の策定状況"
)
def plan_coverage(
    session: SessionDep,
    level: Literal["nation", "block", "prefecture"] = "prefecture",
    format: Format = "json",
) -> list[PlanCoverageRead] | Response:
    items = [PlanCoverageRead.of(c) for c in plans.coverage(session, level=level)]
    return schema_csv(items, PlanCoverageRead, f"support-plans-{level}.csv") if format == "csv" else items


@router.get("/training", response_model=list[TrainingRead], summary="Training by course and year / 研修")
def training_totals(session: SessionDep, format: Format = "json") -> list[TrainingRead] | Response:
    items = [TrainingRead.of(t) for t in training.totals(session)]
    return schema_csv(items, TrainingRead, "support-training.csv") if format == "csv" else items
