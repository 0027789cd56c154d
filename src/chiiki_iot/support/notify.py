"""Mail from the support package, sent after the response: the block's bureau when a body asks for a
dispatch or submits an application, the body and the person going when a dispatch is arranged, the body
when the report is in, and the applying bodies at each decision on their application."""

from __future__ import annotations

from fastapi import BackgroundTasks
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.mail import queue_notices
from chiiki_iot.accounts.policy import Role
from chiiki_iot.core.fiscal import format_date
from chiiki_iot.registry import service as registry
from chiiki_iot.support import applications, dispatch
from chiiki_iot.support.models import DispatchRequest, SupportApplication

SUBJECT = "【地域IoT実装総合支援パッケージ】"


def _body_addresses(session: Session, code: str) -> list[str]:
    body = registry.get_body(session, code)
    return accounts.emails_of_scope(
        session, Role.MUNICIPALITY if body.is_municipality else Role.PREFECTURE, code
    )


def _bureau(session: Session, code: str) -> list[str]:
    return accounts.emails_of_scope(session, Role.BUREAU, registry.get_body(session, code).block_slug)


def _send(background: BackgroundTasks, to: list[str], subject: str, ja: str, en: str, path: str) -> int:
    return queue_notices(background, to, subject=f"{SUBJECT}{subject}", ja=ja, en=en, path=path)


def dispatch_requested(session: Session, background: BackgroundTasks, d: DispatchRequest) -> int:
    body = registry.get_body(session, d.body_code)
    return _send(
        background,
        _bureau(session, d.body_code),
        f"派遣の依頼: {body.full_name}",
        f"{body.full_name}から派遣の依頼がありました。候補から派遣する人を決めてください。",
        f"{body.full_name} asked for a dispatch; choose someone from the suggestions.",
        f"/support/dispatches/{d.id}#arrange",
    )


def dispatch_arranged(session: Session, background: BackgroundTasks, d: DispatchRequest) -> int:
    body = registry.get_body(session, d.body_code)
    person = dispatch.get_entry(session, d.roster_id) if d.roster_id else None
    day = format_date(d.visit_on) if d.visit_on else ""  # 2026年12月1日（令和8年12月1日）
    day_en = d.visit_on.isoformat() if d.visit_on else ""
    sent = _send(
        background,
        _body_addresses(session, d.body_code),
        f"派遣が決まりました（{day}）",
        f"{person.name if person else ''}さんの派遣が{day}に決まりました。",
        f"A dispatch is arranged for {day_en}.",
        f"/support/dispatches/{d.id}",
    )
    if person is not None:
        sent += _send(
            background,
            [person.email],
            f"派遣のお願い: {body.full_name}（{day}）",
            f"{body.full_name}への派遣をお願いします（{day}）。派遣後7日以内に報告を出してください。",
            f"Please go to {body.full_name} on {day_en}, and file your report within 7 days.",
            f"/support/dispatches/{d.id}#file-report",
        )
    return sent


def dispatch_reported(session: Session, background: BackgroundTasks, d: DispatchRequest) -> int:
    return _send(
        background,
        _body_addresses(session, d.body_code),
        "派遣報告が届きました",
        "派遣報告が届きました。実装状況の履歴にも記録されています。",
        "The dispatch report is in; it is also on your status history.",
        f"/support/dispatches/{d.id}#report",
    )


def application_moved(session: Session, background: BackgroundTasks, a: SupportApplication) -> int:
    """Whoever acts next hears of it: the bureau on submission, the applying bodies on every decision."""
    label = applications.STATUSES[a.status]
    if a.status == "submitted":
        to, path = _bureau(session, a.lead_body_code), f"/support/applications/{a.id}#review"
    elif a.status == "reviewed":
        to, path = (
            accounts.emails_of_scope(session, Role.SECRETARIAT, ""),
            f"/support/applications/{a.id}#decide",
        )
    else:
        to = [e for c in applications.body_codes(a) for e in _body_addresses(session, c)]
        path = f"/support/applications/{a.id}"
    if not to:
        return 0
    return _send(
        background,
        to,
        f"{label}: {a.title}",
        f"申請「{a.title}」は「{label}」になりました。",
        f"The application '{a.title}' is now {a.status}.",
        path,
    )
