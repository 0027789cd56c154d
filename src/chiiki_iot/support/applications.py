"""支援の申請: a body, or a group of bodies (広域連携) with a lead, applies for a measure; the block's bureau
reviews it, the secretariat decides (交付決定 / 不採択 / 差し戻し), the group carries it out and reports.

Every transition is one function, allowed only from the states in ``TRANSITIONS``, authorised by the one
policy, checked against the version the user opened (no lost update) and audited by the session hook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, Target, authorize, bodies_acted_for, can
from chiiki_iot.adoption import service as adoption
from chiiki_iot.core.errors import Conflict, Forbidden, InvalidInput, NotFound, SignInRequired
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.core.text import clean_url
from chiiki_iot.outreach import service as outreach
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap
from chiiki_iot.support import budgets
from chiiki_iot.support.menus import get_measure, measure_by_id, window_open
from chiiki_iot.support.models import ReviewAssignment, SupportApplication

STATUSES = {
    "draft": N_("下書き"),
    "submitted": N_("審査中（総合通信局）"),
    "reviewed": N_("審査中（事務局）"),
    "returned": N_("差し戻し"),
    "approved": N_("交付決定"),
    "rejected": N_("不採択"),
    "in-progress": N_("実施中"),
    "completed": N_("完了"),
}
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"draft", "returned"}), "submitted"),
    "review": (frozenset({"submitted"}), "reviewed"),
    "approve": (frozenset({"reviewed"}), "approved"),
    "reject": (frozenset({"reviewed"}), "rejected"),
    "return": (frozenset({"submitted", "reviewed"}), "returned"),
    "start": (frozenset({"approved"}), "in-progress"),
    "complete": (frozenset({"in-progress"}), "completed"),
}
EDITABLE = frozenset({"draft", "returned"})
MAX_MEMBERS = 50


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ApplicationInput:
    measure_slug: str
    lead_body_code: str
    title: str
    plan: str
    fiscal_year: int | None = None
    member_codes: list[str] = field(default_factory=list)
    organisation_slugs: list[str] = field(default_factory=list)
    model_slugs: list[str] = field(default_factory=list)
    budget_lines: list[tuple[str, int]] = field(default_factory=list)
    schedule: str = ""
    kpi_targets: list[tuple[str, float]] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


def _text(value: str, what_ja: str, what_en: str, *, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"{what_ja}を入力してください。", f"Give the {what_en}.")
    if len(value) > limit:
        raise InvalidInput(
            f"{what_ja}は{limit:,}文字以内にしてください。",
            f"The {what_en} is limited to {limit:,} characters.",
        )
    return value


def _fields(session: Session, data: ApplicationInput) -> dict[str, object]:
    measure = get_measure(session, data.measure_slug)
    if not measure.takes_applications:
        raise InvalidInput(
            f"「{measure.name_ja}」は申請を受け付けるメニューではありません。",
            f"'{measure.name_en}' does not take applications.",
        )
    lead = registry.get_body(session, data.lead_body_code)
    adoption.check_counted(lead)
    members = list(dict.fromkeys(c for c in (registry.get_body(session, m).code for m in data.member_codes)))
    if lead.code in members:
        raise InvalidInput(
            "代表団体を構成団体に重ねて入れないでください。", "The lead body is not also a member."
        )
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(f"構成団体は{MAX_MEMBERS}までです。", f"At most {MAX_MEMBERS} member bodies.")
    for slug in data.organisation_slugs:
        if not outreach.organisation_exists(session, slug):
            raise InvalidInput(
                f"団体・企業「{slug}」は登録されていません。", f"Unknown organisation '{slug}'."
            )
    lines = [(_text(item, "経費の項目", "budget item", limit=200), yen) for item, yen in data.budget_lines]
    if any(not 0 < yen <= budgets.MONEY_MAX_YEN for _, yen in lines):
        raise InvalidInput("経費の金額は1円以上にしてください。", "Each budget line must be at least 1 yen.")
    kpis = {k.slug for k in roadmap.list_kpis(session)}
    for slug, _ in data.kpi_targets:
        if slug not in kpis:
            raise InvalidInput(
                f"KPI「{slug}」はロードマップにありません。", f"The roadmap has no KPI '{slug}'."
            )
    return {
        "measure_id": measure.id,
        "fiscal_year": data.fiscal_year or FiscalYear.of(today_in_japan()).year,
        "lead_body_code": lead.code,
        "member_codes": members,
        "organisation_slugs": list(dict.fromkeys(data.organisation_slugs)),
        "title": _text(data.title, "事業名", "title", limit=255),
        "plan": _text(data.plan, "事業計画", "plan", limit=20_000),
        "model_slugs": [adoption.check_model(session, m) for m in dict.fromkeys(data.model_slugs)],
        "budget_lines": [{"item": item, "yen": yen} for item, yen in lines],
        "requested_yen": sum(yen for _, yen in lines),
        "schedule": _text(data.schedule, "スケジュール", "schedule", limit=5_000, required=False),
        "kpi_targets": [{"kpi": slug, "target": target} for slug, target in data.kpi_targets],
        "attachments": [clean_url(u) for u in data.attachments],
    }


def body_codes(application: SupportApplication) -> list[str]:
    """The lead body first, then the group's other bodies."""
    return [application.lead_body_code, *application.member_codes]


def speaks_for(principal: Principal, application: SupportApplication) -> bool:
    """Whether this person works for one of the application's bodies: sees it, and may not review it."""
    return bool(set(bodies_acted_for(principal)) & set(body_codes(application)))


def may_act(session: Session, principal: Principal, application: SupportApplication) -> bool:
    """Whether this person may edit, submit, start or report for it: its bodies (or the secretariat keying
    in a paper application)."""
    return any(
        can(principal, "support.apply", registry.policy_target(registry.get_body(session, code)))
        for code in body_codes(application)
    )


def block_target(session: Session, application: SupportApplication) -> Target:
    """The lead body, as the bureau's and the secretariat's rules see it."""
    return registry.policy_target(registry.get_body(session, application.lead_body_code))


def create(session: Session, *, principal: Principal, data: ApplicationInput) -> SupportApplication:
    """下書き: someone who speaks for the lead body starts an application."""
    lead = registry.get_body(session, data.lead_body_code)
    authorize(principal, "support.apply", registry.policy_target(lead))
    application = SupportApplication(
        status="draft", created_by=principal.actor, created_at=_now(), **_fields(session, data)
    )
    session.add(application)
    session.flush()
    return application


def update(
    session: Session,
    *,
    principal: Principal,
    application_id: int,
    expected_version: int,
    data: ApplicationInput,
) -> SupportApplication:
    """The group edits its draft, or an application returned to it."""
    application = _editable(session, principal, application_id, expected_version)
    fields = _fields(session, data)
    if fields["lead_body_code"] != application.lead_body_code:
        raise InvalidInput(
            "代表団体は変えられません。新しく申請を作ってください。", "The lead body cannot change."
        )
    for name, value in fields.items():
        setattr(application, name, value)
    session.flush()
    return application


def _editable(
    session: Session, principal: Principal, application_id: int, expected_version: int
) -> SupportApplication:
    application = get(session, principal, application_id)
    if not may_act(session, principal, application):
        raise Forbidden("この申請を編集できるのは申請団体です。", "Only the applying bodies may edit it.")
    _check_version(application, expected_version)
    if application.status not in EDITABLE:
        raise Conflict(
            "提出後の申請は変更できません。", "An application cannot change after it is submitted."
        )
    return application


def _check_version(application: SupportApplication, expected: int) -> None:
    if application.version != expected:
        raise Conflict(
            "この申請は、開いた後に他の人が更新しました。最新の内容を確かめてください。",
            "Someone changed this application since you opened it; check the latest and try again.",
            extra={"current": {"version": application.version}},
        )


def _check_move(application: SupportApplication, transition: str) -> str:
    """The state ``transition`` leads to, or a refusal if the application is not in a state it starts from."""
    sources, target = TRANSITIONS[transition]
    if application.status not in sources:
        raise Conflict(
            f"「{STATUSES[application.status]}」の申請にはこの操作はできません。",
            f"An application that is '{application.status}' cannot be moved this way ({transition}).",
        )
    return target


def _move(application: SupportApplication, transition: str) -> None:
    application.status = _check_move(application, transition)


def submit(
    session: Session, *, principal: Principal, application_id: int, expected_version: int
) -> SupportApplication:
    """提出: within the measure's window, with a plan and a budget; the block's bureau is assigned to review."""
    application = _editable(session, principal, application_id, expected_version)
    measure = measure_by_id(session, application.measure_id)
    if not window_open(measure, today_in_japan()):
        raise Conflict("このメニューの受付期間外です。", "The measure's call window is closed.")
    if not application.budget_lines:
        raise InvalidInput("経費の内訳を1行以上入れてください。", "Give at least one budget line.")
    _move(application, "submit")
    application.submitted_at = _now()
    session.flush()
    return application


def return_to_applicant(
    session: Session, *, principal: Principal, application_id: int, expected_version: int, reason: str
) -> SupportApplication:
    """差し戻し (by the bureau in its review, or the secretariat): with what to change."""
    application = get(session, principal, application_id)
    authorize(principal, "support.assign", block_target(session, application))
    _check_version(application, expected_version)
    text = _text(reason, "差し戻す理由", "reason", limit=5_000)  # checked before anything moves
    _move(application, "return")
    application.return_reason = text
    session.flush()
    return application


def mark_reviewed(session: Session, application: SupportApplication) -> None:
    """The bureau's review is in (``reviews.score`` at the bureau stage): on to the secretariat."""
    if application.status == "submitted":
        _move(application, "review")


def decide(
    session: Session,
    *,
    principal: Principal,
    application_id: int,
    expected_version: int,
    outcome: str,
    reason: str,
    granted_yen: int | None = None,
) -> SupportApplication:
    """事務局の決定: approve (the amount is taken from the year's envelope, or refused if it does not fit),
    reject or return — each with its reason, which the decision letter quotes."""
    application = get(session, principal, application_id)
    authorize(principal, "support.decide", block_target(session, application))
    _check_version(application, expected_version)
    if outcome not in ("approve", "reject", "return"):
        raise InvalidInput(
            "決定は「交付決定」「不採択」「差し戻し」のいずれかです。", "Approve, reject or return."
        )
    text = _text(reason, "決定の理由", "reason for the decision", limit=5_000)
    target = _check_move(application, outcome)
    if outcome == "approve":
        amount = application.requested_yen if granted_yen is None else granted_yen
        if not 0 < amount <= application.requested_yen:
            raise InvalidInput(
                f"交付額は1円以上、申請額（{application.requested_yen:,}円）以下にしてください。",
                f"The grant must be 1 yen up to the {application.requested_yen:,} yen asked for.",
            )
        budgets.commit(
            session, measure_id=application.measure_id, fiscal_year=application.fiscal_year, amount_yen=amount
        )
        application.granted_yen = amount
    application.status = target  # only now: a refused approval leaves the application as it was
    if outcome == "return":
        application.return_reason = text
    else:
        application.decision_reason = text
        application.decided_at, application.decided_by = _now(), principal.actor
    session.flush()
    return application


def start(
    session: Session, *, principal: Principal, application_id: int, expected_version: int
) -> SupportApplication:
    """着手: the group starts the approved project."""
    application = get(session, principal, application_id)
    if not may_act(session, principal, application):
        raise Forbidden("着手を届けるのは申請団体です。", "Only the applying bodies report the start.")
    _check_version(application, expected_version)
    _move(application, "start")
    session.flush()
    return application


def complete(
    session: Session, *, principal: Principal, application_id: int, expected_version: int, report: str
) -> SupportApplication:
    """完了と実績報告: the group reports what was done; the grant is recorded as paid."""
    application = get(session, principal, application_id)
    if not may_act(session, principal, application):
        raise Forbidden("実績報告は申請団体が行います。", "Only the applying bodies report completion.")
    _check_version(application, expected_version)
    text = _text(report, "実績報告", "report", limit=20_000)  # checked before anything moves
    _move(application, "complete")
    application.report = text
    application.completed_at = _now()
    budgets.pay(
        session,
        measure_id=application.measure_id,
        fiscal_year=application.fiscal_year,
        amount_yen=application.granted_yen or 0,
    )
    session.flush()
    return application


# ---- who sees what --------------------------------------------------------------------------------------


def is_assigned(session: Session, principal: Principal, application_id: int) -> bool:
    return (
        principal.actor != ""
        and session.scalar(
            select(ReviewAssignment.id).where(
                ReviewAssignment.application_id == application_id,
                ReviewAssignment.reviewer == principal.actor,
            )
        )
        is not None
    )


def can_read(session: Session, principal: Principal, application: SupportApplication) -> bool:
    """The applying bodies, the reviewers assigned to it, the secretariat (which decides), and an
    organisation named on it; nobody else learns it exists."""
    if principal.is_anonymous:
        return False
    if can(principal, "support.decide", block_target(session, application)):
        return True
    if speaks_for(principal, application) or is_assigned(session, principal, application.id):
        return True
    return any(
        can(principal, "support.partner", Target(organisation=o)) for o in application.organisation_slugs
    )


def get(session: Session, principal: Principal, application_id: int) -> SupportApplication:
    if principal.is_anonymous:
        raise SignInRequired("申請を見るにはサインインしてください。", "Sign in to see applications.")
    application = session.get(SupportApplication, application_id)
    if application is None or not can_read(session, principal, application):
        raise NotFound(f"申請 {application_id} はありません。", f"There is no application {application_id}.")
    return application


def list_visible(session: Session, principal: Principal) -> list[SupportApplication]:
    """The applications this person may see, newest first."""
    rows = session.scalars(select(SupportApplication).order_by(SupportApplication.id.desc()))
    return [a for a in rows if can_read(session, principal, a)]


def applying_bodies(principal: Principal) -> list[str]:
    """The bodies this person may start an application for."""
    return bodies_acted_for(principal)
