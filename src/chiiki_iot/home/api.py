"""``GET /api/v1/health``: whether this server process answers and reaches its database (for a load
balancer or a monitor, open to all), and — for the secretariat — what the process holds in memory."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import PrincipalDep, current_principal
from chiiki_iot.accounts.policy import can
from chiiki_iot.core.memory import memory_report
from chiiki_iot.web.deps import get_session

router = APIRouter(prefix="/api/v1", tags=["health"], dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@router.get("/health", summary="Is the server up and its database reachable / 稼働状況")
def health(session: SessionDep, principal: PrincipalDep) -> JSONResponse:
    try:
        session.execute(text("SELECT 1"))
        database = "ok"
    except SQLAlchemyError:
        database = "unavailable"
    body: dict[str, Any] = {"status": "ok" if database == "ok" else "degraded", "database": database}
    if can(principal, "system.health"):
        report = memory_report()
        body["process"] = {
            "pid": report.pid,
            "rss_mb": round(report.rss_bytes / 2**20, 1) if report.rss_bytes is not None else None,
            "peak_rss_mb": round(report.peak_rss_bytes / 2**20, 1),
            "cache_entries": report.caches,
            "cache_fills": report.cache_fills,
            "long_lived_objects": report.long_lived_objects,
            "garbage_collections": list(report.collections),
        }
    return JSONResponse(
        body, status_code=200 if database == "ok" else 503, headers={"Cache-Control": "no-store"}
    )
