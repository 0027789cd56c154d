"""JSON and CSV routes of the registry (``/api/v1/...``). Thin: parse, call the service, return."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import ApiWriterDep, current_principal
from chiiki_iot.accounts.policy import SOMEWHERE, authorize
from chiiki_iot.registry import service
from chiiki_iot.registry.schemas import (
    BODY_CSV_COLUMNS,
    BlockRead,
    BodyPageRead,
    BodyRead,
    BodyReview,
    BodyUpdate,
    RegistrySummaryRead,
)
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.tables import csv_response
from chiiki_iot.web.validation import MAX_OFFSET

router = APIRouter(prefix="/api/v1", tags=["registry"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
Format = Annotated[
    Literal["json", "csv"],
    Query(description="json（既定）または csv（BOM付きUTF-8） / json (default) or csv (UTF-8 with BOM)"),
]


@router.get("/registry", response_model=RegistrySummaryRead, summary="Counts of bodies by kind / 団体数")
def registry_summary(session: SessionDep) -> RegistrySummaryRead:
    load = service.last_load(session, "registry")
    return RegistrySummaryRead(
        **service.registry_summary(session),
        source=load.source if load else "",
        corrections=load.summary.get("corrections", []) if load else [],
    )


@router.get("/blocks", response_model=list[BlockRead], summary="The 11 regional blocks / 地域ブロック")
def blocks(session: SessionDep, format: Format = "json") -> list[BlockRead] | Response:
    items = [BlockRead.of(b) for b in service.list_blocks(session)]
    if format == "csv":
        rows = [{**b.model_dump(), "prefecture_codes": " ".join(b.prefecture_codes)} for b in items]
        return csv_response(rows, columns=list(BlockRead.model_fields), filename="blocks.csv")
    return items


@router.get("/blocks/{slug}", response_model=BlockRead, summary="One regional block")
def block(session: SessionDep, slug: str) -> BlockRead:
    return BlockRead.of(service.get_block(session, slug))


@router.get("/prefectures", response_model=list[BodyRead], summary="The 47 prefectures / 都道府県")
def prefectures(session: SessionDep, format: Format = "json") -> list[BodyRead] | Response:
    items = [BodyRead.of(b) for b in service.list_prefectures(session)]
    if format == "csv":
        return csv_response(
            (i.model_dump() for i in items), columns=BODY_CSV_COLUMNS, filename="prefectures.csv"
        )
    return items


@router.get("/municipalities", response_model=BodyPageRead, summary="Municipalities, searchable / 市区町村")
def municipalities(
    session: SessionDep,
    q: Annotated[str, Query(max_length=100, description="名称・よみ・団体コード / kanji, kana or code")] = "",
    prefecture: Annotated[
        str,
        Query(max_length=12, description="都道府県コード（2桁または6桁） / prefecture code, 2 or 6 digits"),
    ] = "",
    block: Annotated[
        str, Query(max_length=32, description="地域ブロック（例 kanto） / block slug, e.g. kanto")
    ] = "",
    kind: Annotated[
        str, Query(max_length=16, description="種別：政令指定都市・市・特別区・町・村・行政区 / kind")
    ] = "",
    population_band: Annotated[
        str, Query(max_length=16, description="人口規模：under-10k, 10k-50k, 50k-100k, 100k-500k, 500k-plus")
    ] = "",
    include_wards: Annotated[
        bool, Query(description="行政区も含める / include designated-city wards")
    ] = False,
    include_prefectures: Annotated[
        bool, Query(description="検索語に合う都道府県も含める / with q, also return prefectures that match")
    ] = False,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="先頭から飛ばす件数 / rows to skip")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=2000, description="最大件数（1〜2000） / rows to return, 1-2000")
    ] = 100,
    format: Format = "json",
) -> BodyPageRead | Response:
    filters = service.BodyFilter(
        q=q,
        prefecture=prefecture,
        block=block,
        kind=kind,
        population_band=population_band,
        include_wards=include_wards,
        include_prefectures=include_prefectures,
    )
    if format == "csv":
        page = service.list_bodies(session, filters=filters, offset=0, limit=5000)
        rows = (BodyRead.of(r.body, r.population).model_dump() for r in page.rows)
        return csv_response(rows, columns=BODY_CSV_COLUMNS, filename="municipalities.csv")
    page = service.list_bodies(session, filters=filters, offset=offset, limit=limit)
    return BodyPageRead(
        total=page.total,
        offset=page.offset,
        limit=page.limit,
        items=[BodyRead.of(r.body, r.population) for r in page.rows],
    )


@router.get("/bodies/{code}", response_model=BodyRead, summary="One body by its code (5 or 6 digits)")
def body(session: SessionDep, code: str) -> BodyRead:
    found = service.get_body(session, code)
    history = service.population_history(session, found.code)
    return BodyRead.of(found, history[-1].population if history else None)


@router.patch(
    "/bodies/{code}",
    response_model=BodyRead,
    summary="Change a body's details / 団体情報の更新",
    responses={
        401: {"description": "no or invalid token"},
        403: {"description": "not your body"},
        409: {"description": "someone else saved first"},
    },
)
def update_body(
    session: SessionDep, principal: ApiWriterDep, code: str, change: Annotated[BodyUpdate, Body()]
) -> BodyRead:
    """Needs ``Authorization: Bearer``; send the ``version`` you read, or the save is refused (409)."""
    authorize(principal, "body.edit", SOMEWHERE)
    body = service.update_body_details(
        session, principal=principal, code=code, expected_version=change.version, url=change.url
    )
    return BodyRead.of(body)


@router.post(
    "/bodies/{code}/review",
    response_model=BodyRead,
    summary="Confirm a body's details / 確認",
    responses={
        401: {"description": "no or invalid token"},
        403: {"description": "not in your scope"},
        409: {"description": "changed since you read it"},
    },
)
def review_body(
    session: SessionDep, principal: ApiWriterDep, code: str, review: Annotated[BodyReview, Body()]
) -> BodyRead:
    authorize(principal, "body.review", SOMEWHERE)
    return BodyRead.of(
        service.review_body(session, principal=principal, code=code, expected_version=review.version)
    )
