"""Pages of the registry: the municipality directory, each body, prefectures, blocks and the map."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, SignedInDep, csrf_protected, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, authorize, can
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.core.i18n import current_language
from chiiki_iot.registry import maps, search, service
from chiiki_iot.registry.models import MUNICIPAL_KINDS, BodyKind
from chiiki_iot.web import sections
from chiiki_iot.web.charts import svg_response
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
PAGE_SIZE = 50


@router.get("/bodies", response_class=HTMLResponse)
def directory(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    prefecture: Annotated[str, Query(max_length=12)] = "",
    block: Annotated[str, Query(max_length=32)] = "",
    kind: Annotated[str, Query(max_length=16)] = "",
    population_band: Annotated[str, Query(max_length=16)] = "",
    page: Annotated[int, Query(ge=1, le=1000)] = 1,
) -> HTMLResponse:
    filters = service.BodyFilter(
        q=q,
        prefecture=prefecture,
        block=block,
        kind=kind,
        population_band=population_band,
        include_prefectures=True,
    )
    result = service.list_bodies(session, filters=filters, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    return render(
        request,
        "registry/directory.html",
        filters=filters,
        result=result,
        page=page,
        page_size=PAGE_SIZE,
        prefectures=service.list_prefectures(session),
        blocks=service.list_blocks(session),
        kinds=[k.value for k in MUNICIPAL_KINDS],
        bands=service.POPULATION_BANDS,
        has_population=service.last_load(session, "population") is not None,
        notice=search.search_notice(q),
        api_query=urlencode(
            {k: v for k, v in request.query_params.items() if k != "page" and v}
            | {"include_prefectures": "true", "limit": "2000"}
        ),
    )


@router.get("/bodies/{code}", response_class=HTMLResponse)
def body_page(request: Request, session: SessionDep, principal: PrincipalDep, code: str) -> Response:
    body = service.get_body(session, code)
    if body.code != code:
        return RedirectResponse(f"/bodies/{body.code}", status_code=301)
    context: dict[str, Any] = {
        "body": body,
        "population": service.population_history(session, body.code),
        "wards": service.wards_of(session, body.code),
        "municipalities": service.municipalities_of(session, body.code)
        if body.kind == BodyKind.PREFECTURE
        else [],
        "can_edit": can(principal, "body.edit", service.policy_target(body)),
        "can_review": can(principal, "body.review", service.policy_target(body)),
        "can_audit": can(principal, "audit.read"),
        "sections": sections.fill("registry.body", session, code=body.code),
        "remote_islands": maps.remote_bodies(session, body) if body.kind == BodyKind.PREFECTURE else [],
    }
    return render(request, "registry/body.html", **context)


@router.get("/prefectures", response_class=HTMLResponse)
def prefectures_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(
        request,
        "registry/prefectures.html",
        prefectures=service.list_prefectures(session),
        counts=service.municipality_counts_by_prefecture(session),
    )


@router.get("/prefectures/{code}")
def prefecture_alias(session: SessionDep, code: str) -> RedirectResponse:
    """/prefectures/13 and /prefectures/130001 both lead to the prefecture's page."""
    return RedirectResponse(f"/bodies/{service.get_prefecture(session, code).code}", status_code=301)


@router.get("/blocks", response_class=HTMLResponse)
def blocks_page(request: Request, session: SessionDep) -> HTMLResponse:
    return render(request, "registry/blocks.html", blocks=service.list_blocks(session))


@router.get("/blocks/{slug}", response_class=HTMLResponse)
def block_page(request: Request, session: SessionDep, slug: str) -> HTMLResponse:
    block = service.get_block(session, slug)
    counts = {p.code: len(service.municipalities_of(session, p.code)) for p in block.prefectures}
    return render(request, "registry/block.html", block=block, counts=counts)


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, session: SessionDep, principal: PrincipalDep) -> HTMLResponse:
    # Only the people who can import data are told how; visitors get a plain statement, not a README.
    return render(
        request,
        "registry/map.html",
        blocks=service.list_blocks(session),
        levels=service.boundary_levels(session),
        summary=service.registry_summary(session),
        can_import=can(principal, "registry.import"),
    )


@router.get("/map.svg")
def map_image(
    request: Request, session: SessionDep, prefecture: Annotated[str, Query(max_length=12)] = ""
) -> Response:
    pref = service.get_prefecture(session, prefecture) if prefecture else None
    svg = maps.map_svg(session, prefecture=pref, lang=current_language.get())
    return svg_response(request, svg, cache_control="public, max-age=300")


@router.get("/map/tiles.svg")
def tile_map_image(request: Request, session: SessionDep) -> Response:
    svg = maps.tile_map_svg(session, lang=current_language.get())
    return svg_response(request, svg, cache_control="public, max-age=300")


@router.get("/bodies/{code}/edit", response_class=HTMLResponse)
def edit_page(request: Request, session: SessionDep, principal: SignedInDep, code: str) -> HTMLResponse:
    body = service.get_body(session, code)
    authorize(principal, "body.edit", service.policy_target(body))
    return render(
        request, "registry/edit.html", body=body, url=body.url or "", version=body.version, error=None
    )


@router.post("/bodies/{code}/edit", response_class=HTMLResponse, dependencies=[Depends(csrf_protected)])
def edit(
    request: Request,
    session: SessionDep,
    principal: SignedInDep,
    code: str,
    url: Annotated[str, Form(max_length=255)] = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    authorize(principal, "body.edit", SOMEWHERE)
    try:
        body = service.update_body_details(
            session, principal=principal, code=code, expected_version=version, url=url
        )
    except (Conflict, InvalidInput) as error:
        body = service.get_body(session, code)
        return render(
            request,
            "registry/edit.html",
            status_code=error.status_code,
            body=body,
            url=url,
            version=body.version if isinstance(error, Conflict) else version,
            error=error,
        )
    return RedirectResponse(f"/bodies/{body.code}?saved=1", status_code=303)


@router.post("/bodies/{code}/review", dependencies=[Depends(csrf_protected)])
def review(
    session: SessionDep, principal: SignedInDep, code: str, version: Annotated[int, Form()] = 0
) -> RedirectResponse:
    authorize(principal, "body.review", SOMEWHERE)
    body = service.review_body(session, principal=principal, code=code, expected_version=version)
    return RedirectResponse(f"/bodies/{body.code}?reviewed=1", status_code=303)
