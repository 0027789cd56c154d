"""Decision letters (交付決定通知書・不採択通知書) in the ministry's style: 和暦 dates, a document number, the
addressee as the head of the lead body (札幌市長 殿), 記 with the particulars. One template serves the A4
print page and the PDF (WeasyPrint, with the IPAex fonts the server has)."""

from __future__ import annotations

import datetime as dt

from fastapi import Request
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal
from chiiki_iot.core.errors import Conflict, ServiceUnavailable
from chiiki_iot.core.fiscal import FiscalYear
from chiiki_iot.registry import service as registry
from chiiki_iot.support import applications
from chiiki_iot.support.menus import measure_by_id
from chiiki_iot.web.app import STATIC_DIR
from chiiki_iot.web.templating import render

LETTER_CSS = STATIC_DIR / "letter.css"
DECIDED = frozenset({"approved", "rejected", "in-progress", "completed"})
JST = dt.timezone(dt.timedelta(hours=9))


def _head_of(body: registry.Body) -> str:
    """The head the letter is addressed to: 知事 for a prefecture (都 / 道 / 府 / 県), 長 for a municipality."""
    return f"{body.name}長" if body.is_municipality else f"{body.name}知事"


def letter_html(request: Request, session: Session, principal: Principal, application_id: int) -> str:
    application = applications.get(session, principal, application_id)
    if application.status not in DECIDED or application.decided_at is None:
        raise Conflict("決定前の申請には通知書がありません。", "There is no letter before the decision.")
    lead = registry.get_body(session, application.lead_body_code)
    members = registry.bodies_by_code(session, application.member_codes)
    response = render(
        request,
        "support/letter.html",
        a=application,
        measure=measure_by_id(session, application.measure_id),
        lead=lead,
        addressee=_head_of(lead),
        members=[members[c] for c in application.member_codes if c in members],
        decided_on=application.decided_at.astimezone(JST).date(),
        submitted_on=(application.submitted_at or application.created_at).astimezone(JST).date(),
        approved=application.status != "rejected",
        number=f"地IoT支第{application.id}号",
        fiscal_year_ja=FiscalYear(application.fiscal_year).label("ja"),
    )
    return bytes(response.body).decode()


def letter_pdf(request: Request, session: Session, principal: Principal, application_id: int) -> bytes:
    html = letter_html(request, session, principal, application_id)
    try:
        from weasyprint import CSS, HTML  # imported here: it loads Pango, which only the PDF needs
    except OSError as missing:
        raise ServiceUnavailable(
            "この環境ではPDFを作れません（Pango と IPAex フォントが必要です）。印刷用ページから印刷してください。",
            "PDFs cannot be made here (Pango and the IPAex fonts are needed); print the letter page instead.",
        ) from missing
    # The stylesheet is read from the package, never fetched: the PDF asks nothing of the network.
    return HTML(string=html, url_fetcher=_no_fetching).write_pdf(stylesheets=[CSS(filename=str(LETTER_CSS))])


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict:
    raise ValueError(f"the letter fetches nothing ({url})")
