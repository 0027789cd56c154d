"""The front door: the home page with headline figures from several domains, the API reference and the
problem types. It sits on the top floor, beside the assembly, so it may read any domain's service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import current_principal
from chiiki_iot.core.errors import PROBLEM_TYPES, NotFound
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    revision = roadmap.get_revision(session)
    return render(
        request,
        "home/home.html",
        summary=registry.registry_summary(session),
        revision=revision,
        model_count=sum(len(f.models) for f in revision.fields),
        kpi_count=sum(len(m.kpis) for f in revision.fields for m in f.models),
        registry_load=registry.last_load(session, "registry"),
        blocks=registry.list_blocks(session),
    )


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """The API reference, rendered from the OpenAPI document on the server (no CDN, works without JS)."""
    schema = request.app.openapi()
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": op.get("summary", ""),
            "tags": op.get("tags", []),
            "parameters": [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "description": p.get("description", "") or p.get("schema", {}).get("description", ""),
                }
                for p in op.get("parameters", [])
            ],
        }
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]
    return render(request, "home/api_docs.html", operations=operations, info=schema["info"])


@router.get("/problems/{slug}", response_class=HTMLResponse)
def problem_type(request: Request, slug: str) -> HTMLResponse:
    """What a problem+json ``type`` means (RFC 9457 asks that the URI be a readable explanation)."""
    if slug not in PROBLEM_TYPES:
        raise NotFound(f"エラー種別「{slug}」はありません。", f"There is no problem type '{slug}'.")
    return render(request, "home/problem_type.html", slug=slug, text=PROBLEM_TYPES[slug])
