"""審査: who reviews an application (the block's bureau first, the secretariat's reviewers after), the
scoring sheet of its measure, and conflicts of interest (利害関係): a reviewer who speaks for one of the
applying bodies, or for an organisation named on the application, may not score it — whatever they
declare — and every reviewer declares before scoring."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.policy import Principal, Role, authorize, can, organisations_acted_for
from chiiki_iot.core.errors import Conflict, Forbidden, InvalidInput
from chiiki_iot.core.terms import N_
from chiiki_iot.registry import service as registry
from chiiki_iot.support import applications
from chiiki_iot.support.menus import measure_by_id
from chiiki_iot.support.models import ReviewAssignment, SupportApplication

DEFAULT_CRITERIA = [
    {"label": "必要性", "max": 5},
    {"label": "実現性", "max": 5},
    {"label": "KPIへの効果", "max": 5},
    {"label": "持続性・横展開", "max": 5},
]
"""The sheet used while the secretariat has set none for a measure (the seed gives no criteria)."""
RECOMMENDATIONS = {"approve": N_("採択が適当"), "reject": N_("不採択が適当"), "return": N_("修正が必要")}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def criteria_of(session: Session, application: SupportApplication) -> list[dict]:
    return measure_by_id(session, application.measure_id).criteria or DEFAULT_CRITERIA


def assign_bureau(session: Session, application: SupportApplication, *, by: str) -> list[str]:
    """On submission: every active user of the lead body's bureau becomes a bureau-stage reviewer."""
    block = registry.get_body(session, application.lead_body_code).block_slug
    emails = accounts.emails_of_scope(session, Role.BUREAU, block)
    for email in emails:
        _add(session, application.id, email, "bureau", by)
    session.flush()
    return emails


def assign(
    session: Session, *, principal: Principal, application_id: int, reviewer_email: str, stage: str
) -> ReviewAssignment:
    """The secretariat (or the block's bureau, for its own stage) adds a reviewer."""
    application = applications.get(session, principal, application_id)
    authorize(principal, "support.assign", applications.block_target(session, application))
    if stage not in ("bureau", "secretariat"):
        raise InvalidInput("審査の段階は総合通信局か事務局です。", "The stage is bureau or secretariat.")
    if application.status not in ("submitted", "reviewed"):
        raise Conflict(
            "審査中の申請にだけ審査者を割り当てられます。", "Only applications under review get reviewers."
        )
    user = accounts.find_user(session, accounts.normalise_email(reviewer_email))
    if user is None or not user.is_active:
        raise InvalidInput(
            f"利用者「{reviewer_email}」はいません。", f"There is no active user '{reviewer_email}'."
        )
    assignment = _add(session, application.id, user.email, stage, principal.actor)
    session.flush()
    return assignment


def _add(session: Session, application_id: int, email: str, stage: str, by: str) -> ReviewAssignment:
    existing = session.scalar(
        select(ReviewAssignment).where(
            ReviewAssignment.application_id == application_id, ReviewAssignment.reviewer == email
        )
    )
    if existing is not None:
        return existing
    assignment = ReviewAssignment(
        application_id=application_id, reviewer=email, stage=stage, assigned_by=by, assigned_at=_now()
    )
    session.add(assignment)
    return assignment


def conflicted(session: Session, principal: Principal, application: SupportApplication) -> bool:
    """Speaks for an applying body or for an organisation taking part: may not score."""
    tied = set(organisations_acted_for(principal)) & set(application.organisation_slugs)
    return bool(tied) or applications.speaks_for(principal, application)


def assignments(session: Session, application_id: int) -> list[ReviewAssignment]:
    return list(
        session.scalars(
            select(ReviewAssignment)
            .where(ReviewAssignment.application_id == application_id)
            .order_by(ReviewAssignment.stage, ReviewAssignment.id)
        )
    )


def score(
    session: Session,
    *,
    principal: Principal,
    application_id: int,
    scores: dict[str, int],
    recommendation: str,
    comment: str,
    no_conflict: bool,
) -> ReviewAssignment:
    """One assigned reviewer's scores, recommendation and comment. The bureau's first review moves the
    application on to the secretariat."""
    application = applications.get(session, principal, application_id)
    authorize(principal, "support.review", applications.block_target(session, application))
    mine = session.scalar(
        select(ReviewAssignment).where(
            ReviewAssignment.application_id == application.id, ReviewAssignment.reviewer == principal.actor
        )
    )
    if mine is None:
        raise Forbidden("この申請の審査者に割り当てられていません。", "You are not assigned to review this.")
    if conflicted(session, principal, application):
        raise Forbidden(
            "申請団体または参加する企業・団体と利害関係があるため、この申請は審査できません。",
            "You are tied to an applying body or a taking-part organisation, so you cannot score this.",
        )
    if not no_conflict:
        raise InvalidInput(
            "利害関係がないことを確認してください。", "Declare that you have no conflict of interest."
        )
    if application.status not in ("submitted", "reviewed"):
        raise Conflict("審査中の申請ではありません。", "This application is not under review.")
    if recommendation not in RECOMMENDATIONS:
        raise InvalidInput("審査の所見を選んでください。", "Choose a recommendation.")
    sheet = criteria_of(session, application)
    checked = {}
    for criterion in sheet:
        label, top = str(criterion["label"]), int(criterion["max"])
        value = scores.get(label)
        if value is None or not 0 <= value <= top:
            raise InvalidInput(
                f"「{label}」は0〜{top}点で付けてください。", f"Score '{label}' from 0 to {top}."
            )
        checked[label] = value
    mine.scores, mine.total = checked, sum(checked.values())
    mine.recommendation, mine.comment = recommendation, comment.strip()[:5000]
    mine.no_conflict_declared, mine.scored_at = True, _now()
    if mine.stage == "bureau":
        applications.mark_reviewed(session, application)
    session.flush()
    return mine


def visible_reviews(
    session: Session, principal: Principal, application: SupportApplication
) -> list[ReviewAssignment]:
    """Scores are for the assigned reviewers and the secretariat, not for the applicants."""
    if applications.is_assigned(session, principal, application.id) or can(
        principal, "support.decide", applications.block_target(session, application)
    ):
        return assignments(session, application.id)
    return []
