"""The PDCA report on the site: a print-ready page (A4) and the Excel workbook, for a scope and a date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from chiiki_iot.accounts.auth import current_principal
from chiiki_iot.improvement import countermeasures, opinions
from chiiki_iot.progress import service
from chiiki_iot.reports import pdca
from chiiki_iot.reports.service import report_date
from chiiki_iot.web.deps import get_session
from chiiki_iot.web.files import XLSX, file_response
from chiiki_iot.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(current_principal)])
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ScopeKind = Annotated[str, Query(max_length=16)]
ScopeKey = Annotated[str, Query(max_length=2000)]


@router.get("/reports/pdca", response_class=HTMLResponse)
def pdca_page(
    request: Request,
    session: SessionDep,
    scope: ScopeKind = "nation",
    key: ScopeKey = "",
    as_of: dt.date | None = None,
    round: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    day = report_date(session, as_of=as_of, round_slug=round)
    report = pdca.build(session, scope=service.scope_of(session, scope, key), as_of=day)
    return render(
        request,
        "reports/pdca.html",
        report=report,
        rows=pdca.summary_rows(report),
        columns=pdca.SUMMARY_COLUMNS,
        query=f"scope={scope}&key={quote(key)}&as_of={day.isoformat()}",
        act_statuses=countermeasures.STATUSES,
        triage_labels=opinions.TRIAGE,
    )


@router.get("/reports/pdca.xlsx")
def pdca_workbook(
    session: SessionDep,
    scope: ScopeKind = "nation",
    key: ScopeKey = "",
    as_of: dt.date | None = None,
    round: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    day = report_date(session, as_of=as_of, round_slug=round)
    report = pdca.build(session, scope=service.scope_of(session, scope, key), as_of=day)
    name = f"pdca-{scope}{('-' + key) if key else ''}-{day.isoformat()}.xlsx"
    return file_response(pdca.workbook(session, report), filename=name, media_type=XLSX)
