"""Pages of the support package: the menus and their measures with budgets and outcomes, the secretariat's
settings, and the finder — the measures that fit one body, with why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, Principal, authorize, bodies_acted_for, can
from chiiki_iot.adoption.ladder import Barrier, Stage
from chiiki_iot.core.errors import InvalidInput, UserError
from chiiki_iot.core.fiscal import FiscalYear, parse_entered_date, today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.kinds import BodyKind
from chiiki_iot.support import budgets, menus, outcomes, reviews
from chiiki_iot.support.forms import CSRF, SessionDep, lines, read_form, undone
from chiiki_iot.web.forms import values, version_of, whole_number, yen
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
MEASURE_SLUG = Annotated[str, Query(max_length=64)]


@router.get("/support", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    year = FiscalYear.of(today_in_japan()).year
    return render(
        request,
        "support/overview.html",
        menus=menus.menus(),
        measures=menus.list_measures(session),
        budget_lines={b.measure.id: b for b in budgets.budget_lines(session, fiscal_year=year)},
        fiscal_year=year,
        own_bodies=bodies_acted_for(principal),
    )


def _measure_page(
    request: Request,
    session: Session,
    principal: Principal,
    slug: str,
    *,
    error: UserError | None = None,
    entered: dict | None = None,
) -> HTMLResponse:
    measure = menus.get_measure(session, slug)
    return render(
        request,
        "support/measure.html",
        status_code=error.status_code if error else 200,
        measure=measure,
        menu=menus.menus().get(measure.menu),
        budget_lines=[b for b in budgets.budget_lines(session) if b.measure.id == measure.id],
        outcome=outcomes.outcome(session, slug),
        criteria=measure.criteria or reviews.DEFAULT_CRITERIA,
        min_units=outcomes.MIN_UNITS,
        may_set=can(principal, "support.measures"),
        kinds=[k for k in BodyKind if k != BodyKind.WARD],
        stages=list(Stage),
        blocks=registry.list_blocks(session),
        fiscal_year=FiscalYear.of(today_in_japan()).year,
        error=error,
        entered=entered or {},
    )


@router.get("/support/measures/{slug}", response_class=HTMLResponse)
def measure(request: Request, session: SessionDep, principal: PrincipalDep, slug: str) -> HTMLResponse:
    return _measure_page(request, session, principal, slug)


def _optional_int(text: str, what_ja: str, what_en: str, unit: str = "") -> int | None:
    return whole_number(text, what_ja, what_en, unit=unit)


def _criteria(form: dict) -> list[dict]:
    """「項目名:満点」 one per line (全角の「：」 too)."""
    out = []
    for line in lines(form, "criteria"):
        label, _, top = line.replace("：", ":").rpartition(":")
        if not label.strip() or not top.strip().isdigit():
            raise InvalidInput(
                f"審査項目「{line}」は「項目名:満点」の形で書いてください。",
                f"Write the criterion '{line}' as 'label:maximum'.",
            )
        out.append({"label": label.strip(), "max": int(top)})
    return out


def _settings(form: dict) -> menus.MeasureSettings:
    def day(key: str):
        text = str(form.get(key, ""))
        return parse_entered_date(text) if text else None

    return menus.MeasureSettings(
        eligible_kinds=values(form, "kinds"),
        eligible_stages=values(form, "stages"),
        eligible_blocks=values(form, "blocks"),
        population_max=_optional_int(
            str(form.get("population_max", "")), "人口の上限", "population limit", "人"
        ),
        opens_on=day("opens_on"),
        closes_on=day("closes_on"),
        days_per_body_per_year=_optional_int(str(form.get("days", "")), "派遣日数の上限", "day limit", "日"),
        documents=lines(form, "documents"),
        criteria=_criteria(form),
    )


@router.post("/support/measures/{slug}", response_class=HTMLResponse, dependencies=CSRF)
async def set_measure(request: Request, session: SessionDep, principal: SignedInDep, slug: str) -> Response:
    authorize(principal, "support.measures", SOMEWHERE)
    form = await read_form(request)
    try:
        menus.set_measure(
            session, principal=principal, slug=slug, expected_version=version_of(form), data=_settings(form)
        )
    except UserError as error:
        return _measure_page(request, session, principal, slug, error=undone(session, error), entered=form)
    return RedirectResponse(f"/support/measures/{slug}?saved=1", status_code=303)


@router.post("/support/measures/{slug}/budget", response_class=HTMLResponse, dependencies=CSRF)
async def set_budget(request: Request, session: SessionDep, principal: SignedInDep, slug: str) -> Response:
    authorize(principal, "support.measures", SOMEWHERE)
    form = await read_form(request)
    try:
        year = _optional_int(str(form.get("fiscal_year", "")), "年度", "fiscal year")
        amount = yen(str(form.get("envelope_yen", "")), "予算額", "envelope")
        if year is None or amount is None:
            raise InvalidInput("年度と予算額を入力してください。", "Give the fiscal year and the envelope.")
        budgets.set_envelope(
            session, principal=principal, measure_slug=slug, fiscal_year=year, envelope_yen=amount
        )
    except UserError as error:
        return _measure_page(request, session, principal, slug, error=undone(session, error), entered=form)
    return RedirectResponse(f"/support/measures/{slug}?saved=1#budget", status_code=303)


def _body_named(session: Session, typed: str) -> registry.Body | None:
    """A body by its code, or by its name when exactly one body has it (小樽市, 北海道小樽市)."""
    text = typed.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        return registry.get_body(session, text)
    found = registry.search_bodies(session, text, limit=5)
    exact = [b for b in found if text in (b.name, b.full_name)]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0]
    names = "、".join(b.full_name for b in found) or "なし"
    raise InvalidInput(
        f"「{text}」に当たる団体を1つに決められません（候補: {names}）。団体コードか正式な名称で探してください。",
        f"'{text}' does not name one body (candidates: {names}); search by code or full name.",
    )


@router.get("/support/finder", response_class=HTMLResponse)
def finder(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    body: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """The measures for one body (the visitor's own by default), each with why it fits or does not."""
    own = bodies_acted_for(principal)
    error, chosen = None, None
    try:
        chosen = _body_named(session, body or (own[0] if own else ""))
    except UserError as refused:
        error = refused
    return render(
        request,
        "support/finder.html",
        status_code=error.status_code if error else 200,
        error=error,
        typed=body,
        body=chosen,
        fits=menus.find_for_body(session, chosen.code) if chosen else [],
        barriers=list(Barrier),
        menus=menus.menus(),
        may_request=chosen is not None and can(principal, "dispatch.request", registry.policy_target(chosen)),
        may_apply=chosen is not None and can(principal, "support.apply", registry.policy_target(chosen)),
    )
