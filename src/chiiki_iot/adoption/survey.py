"""The annual survey (地域IoT実装状況調査): rounds opened and closed by the secretariat, and who has answered.

Answers arrive as workbooks (``workbooks.py``); an answered body has a SurveyResponse. Response rates are
counted over prefectures and municipalities, by prefecture and by block, with the list of who has not
answered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize, can
from chiiki_iot.adoption.models import SurveyResponse, SurveyRound
from chiiki_iot.adoption.service import check_model
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound, Problem
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.kinds import BodyKind
from chiiki_iot.roadmap import service as roadmap


class OpeningNeedsConfirmation(InvalidInput):
    """Opening this round looks like a mistake (past deadline, another round still open): say why, and let
    the secretariat open it anyway only when they say so (``force``)."""


def opening_warnings(
    session: Session, *, fiscal_year: int, deadline: dt.date, today: dt.date | None = None
) -> list[Problem]:
    """What is odd about opening a round now: a deadline already past, or other rounds still open (their
    answering periods would overlap this one's, and bodies would not know which workbook to send)."""
    today = today or today_in_japan()
    warnings = []
    if deadline < today:
        warnings.append(
            Problem(
                f"回答期限 {deadline:%Y年%m月%d日} は過ぎています（今日は {today:%Y年%m月%d日}）。",
                f"The deadline {deadline} is in the past (today is {today}).",
                "回答期限 / deadline",
            )
        )
    for other in session.scalars(
        select(SurveyRound)
        .where(SurveyRound.state == "open", SurveyRound.fiscal_year != fiscal_year)
        .order_by(SurveyRound.fiscal_year)
    ):
        warnings.append(
            Problem(
                f"{other.title}（回答期限 {other.deadline:%Y年%m月%d日}）がまだ受付中です。期間が重なります。",
                f"{other.title} ({other.slug}, deadline {other.deadline}) is still open; the two "
                "rounds would overlap.",
                other.slug,
            )
        )
    return warnings


def open_round(
    session: Session,
    *,
    principal: Principal,
    fiscal_year: int,
    deadline: dt.date,
    model_slugs: list[str] | None = None,
    input_slugs: list[str] | None = None,
    as_of: dt.date | None = None,
    force: bool = False,
) -> SurveyRound:
    """Open the survey for a fiscal year; it asks about every model of the roadmap unless told otherwise,
    and for the KPI input figures of the models it asks about (the roadmap data says which those are).
    A past deadline or another open round is refused unless ``force`` says the secretariat means it."""
    authorize(principal, "survey.run")
    slug = f"fy{fiscal_year}"
    if session.scalar(select(SurveyRound).where(SurveyRound.slug == slug)) is not None:
        raise InvalidInput(
            f"{fiscal_year}年度の調査は既にあります。", f"The FY{fiscal_year} survey already exists."
        )
    warnings = opening_warnings(session, fiscal_year=fiscal_year, deadline=deadline)
    if warnings and not force:
        raise OpeningNeedsConfirmation(
            f"{fiscal_year}年度の調査はまだ開いていません。次の点を確かめ、このまま開くなら確認の欄に印を付けてください。",
            f"The FY{fiscal_year} survey was not opened. Check the following; to open it anyway, confirm it.",
            problems=warnings,
        )
    models = (
        [check_model(session, m) for m in model_slugs]
        if model_slugs
        else [m.slug for m in roadmap.list_models(session)]
    )
    inputs = (
        [roadmap.get_kpi_input(session, i).slug for i in input_slugs]
        if input_slugs is not None
        else [i.slug for i in roadmap.list_kpi_inputs(session) if i.kpi.model.slug in models]
    )
    survey = SurveyRound(
        slug=slug,
        fiscal_year=fiscal_year,
        title=f"{fiscal_year}年度 地域IoT実装状況調査",
        as_of=as_of or FiscalYear(fiscal_year).end,
        deadline=deadline,
        model_slugs=models,
        input_slugs=inputs,
        state="open",
        opened_by=principal.actor,
    )
    session.add(survey)
    session.flush()
    return survey


def get_round(session: Session, slug: str) -> SurveyRound:
    survey = session.scalar(select(SurveyRound).where(SurveyRound.slug == slug))
    if survey is None:
        raise NotFound(f"調査「{slug}」はありません。", f"There is no survey round '{slug}'.")
    return survey


def list_rounds(session: Session) -> list[SurveyRound]:
    return list(session.scalars(select(SurveyRound).order_by(SurveyRound.fiscal_year)))


def close_round(session: Session, *, principal: Principal, slug: str) -> SurveyRound:
    authorize(principal, "survey.run")
    survey = get_round(session, slug)
    survey.state = "closed"
    session.flush()
    return survey


def _response(session: Session, survey: SurveyRound, body_code: str) -> SurveyResponse | None:
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.round_id == survey.id, SurveyResponse.body_code == body_code
        )
    )


def mark_answered(session: Session, *, survey: SurveyRound, body_codes: list[str], actor: str) -> None:
    """Record that these bodies answered (again): one read of the round's responses, not one per body."""
    existing = {
        r.body_code: r
        for r in session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.round_id == survey.id, SurveyResponse.body_code.in_(body_codes)
            )
        )
    }
    now = dt.datetime.now(dt.UTC)
    for code in body_codes:
        response = existing.get(code)
        if response is None:
            session.add(
                SurveyResponse(
                    round_id=survey.id,
                    body_code=code,
                    state="submitted",
                    submitted_at=now,
                    submitted_by=actor,
                )
            )
        elif response.state != "submitted" or response.submitted_by != actor or response.draft:
            # An unchanged re-upload by the same person leaves the answer as it stands.
            response.state, response.submitted_at, response.submitted_by = "submitted", now, actor
            response.draft = None


@dataclass
class ResponseRate:
    """回答率 for one group (a prefecture or a block)."""

    key: str
    label: str
    answered: int
    total: int
    label_en: str = ""

    @property
    def rate(self) -> float:
        return self.answered / self.total if self.total else 0.0


def response_rates(
    session: Session, slug: str
) -> tuple[list[ResponseRate], list[ResponseRate], list[registry.Body]]:
    """(by prefecture, by block, bodies that have not answered)."""
    survey = get_round(session, slug)
    answered = set(
        session.scalars(
            select(SurveyResponse.body_code).where(
                SurveyResponse.round_id == survey.id, SurveyResponse.state != "draft"
            )
        )
    )
    bodies = registry.counted_body_records(session)
    prefs = {b.code: b for b in bodies if b.kind == BodyKind.PREFECTURE}
    by_pref: dict[str, ResponseRate] = {
        c: ResponseRate(c, p.name, 0, 0, p.name_en or "") for c, p in prefs.items()
    }
    by_block = {
        b.slug: ResponseRate(b.slug, b.name_ja, 0, 0, b.name_en) for b in registry.list_blocks(session)
    }
    for b in bodies:
        for group in (by_pref[b.prefecture_code], by_block[b.block_slug]):
            group.total += 1
            group.answered += b.code in answered
    missing = [b for b in bodies if b.code not in answered]
    return list(by_pref.values()), [r for r in by_block.values() if r.total], missing


def missing_in_scope(principal: Principal, missing: list[registry.Body]) -> list[registry.Body]:
    """Who has not answered, as far as this person follows them: the secretariat the nation, a bureau its
    block, a prefecture itself and its municipalities, a municipality itself. Nobody else needs the list."""
    return [b for b in missing if can(principal, "survey.follow", registry.policy_target(b))]


DECISIONS = {"confirm": "confirmed", "return": "returned"}
# What each decision may be taken on: only a submitted answer is reviewed. A draft (or an answer sent back)
# is not an answer yet — confirming it made it count as answered although the body never sent it.
REVIEWABLE = {"confirm": ("submitted",), "return": ("submitted", "confirmed")}
_STATE_LABELS = {
    "draft": ("下書き", "a draft"),
    "returned": ("差戻し中", "returned"),
    "confirmed": ("承認済み", "confirmed"),
    "submitted": ("提出済み", "submitted"),
}


def review_response(
    session: Session, *, principal: Principal, slug: str, body_code: str, decision: str, expected_version: int
) -> SurveyResponse:
    """承認 or 差戻し: a prefecture (its municipalities), a bureau (its block) or the secretariat reviews an answer."""
    if decision not in DECISIONS:
        raise InvalidInput(
            f"判断「{decision}」は confirm か return です。",
            f"Decision '{decision}' must be confirm or return.",
        )
    survey = get_round(session, slug)
    body = registry.get_body(session, body_code)
    authorize(principal, "survey.review", registry.policy_target(body))
    response = _response(session, survey, body.code)
    if response is None:
        raise NotFound(
            f"{body.full_name} の回答はまだありません。", f"{body.full_name} has not answered yet."
        )
    if response.version != expected_version:
        raise Conflict(
            f"{body.full_name} の回答は、開いた後に更新されました。",
            f"{body.full_name}'s answer changed since you opened it.",
            extra={"current": {"state": response.state, "version": response.version}},
        )
    if response.state not in REVIEWABLE[decision]:
        ja, en = _STATE_LABELS.get(response.state, (response.state, response.state))
        raise InvalidInput(
            f"{body.full_name} の回答は{ja}です。提出された回答だけを"
            f"{'承認' if decision == 'confirm' else '差戻し'}できます。",
            f"{body.full_name}'s answer is {en}; only a submitted answer can be "
            f"{'confirmed' if decision == 'confirm' else 'returned'}.",
        )
    response.state, response.reviewed_by = DECISIONS[decision], principal.actor
    session.flush()
    return response


def responses_to_review(
    session: Session, *, principal: Principal, slug: str
) -> list[tuple[registry.Body, SurveyResponse]]:
    """The answers this person may review in a round (their prefecture's municipalities, their block...)."""
    survey = get_round(session, slug)
    responses = list(
        session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.round_id == survey.id, SurveyResponse.state != "draft"
            )
        )
    )
    bodies = registry.bodies_by_code(session, {r.body_code for r in responses})
    rows = sorted(((bodies[r.body_code], r) for r in responses), key=lambda pair: pair[0].code)
    return [(b, r) for b, r in rows if can(principal, "survey.review", registry.policy_target(b))]


def save_draft(
    session: Session, *, principal: Principal, slug: str, body_code: str, answers: dict[str, dict[str, str]]
) -> SurveyResponse:
    """下書き保存: keep the form's answers without recording anything (the body itself, or the secretariat)."""
    survey = get_round(session, slug)
    body = registry.get_body(session, body_code)
    authorize(principal, "status.record", registry.policy_target(body))
    response = _response(session, survey, body.code)
    if response is None:
        response = SurveyResponse(
            round_id=survey.id,
            body_code=body.code,
            state="draft",
            submitted_at=dt.datetime.now(dt.UTC),
            submitted_by=principal.actor,
        )
        session.add(response)
    elif response.state in ("submitted", "confirmed"):
        raise InvalidInput(
            "提出済みの回答は下書きに戻せません。", "A submitted answer cannot go back to draft."
        )
    response.state, response.draft = "draft" if response.state != "returned" else "returned", answers
    session.flush()
    return response


def draft_of(session: Session, slug: str, body_code: str) -> dict[str, dict[str, str]]:
    response = _response(session, get_round(session, slug), body_code)
    return dict(response.draft or {}) if response else {}


@dataclass(frozen=True)
class AnswerSeen:
    """The body's response as it stood before an online answer was read: (id, version), or none yet."""

    response_id: int | None
    version: int | None


def answer_seen(session: Session, *, survey: SurveyRound, body_code: str) -> AnswerSeen:
    """Read before the answer is planned, so that a submit planned on an older state cannot win later."""
    response = _response(session, survey, body_code)
    return AnswerSeen(response.id, response.version) if response else AnswerSeen(None, None)


def claim_submission(
    session: Session, *, survey: SurveyRound, body_code: str, seen: AnswerSeen, actor: str
) -> None:
    """提出: the transition that only one of several simultaneous submits of a body's answer can win.

    The response moves to 'submitted' only if it is still the version that was read before planning (one
    conditional UPDATE; on PostgreSQL the second waits for the first and then matches no row), or — when the
    body had no response — by an insert that the (round, body) unique index lets only one transaction make.
    The loser gets a 409 before it records anything, so a double click records the answer once."""
    now = dt.datetime.now(dt.UTC)
    if seen.response_id is None:
        try:
            with session.begin_nested():
                session.add(
                    SurveyResponse(
                        round_id=survey.id,
                        body_code=body_code,
                        state="submitted",
                        submitted_at=now,
                        submitted_by=actor,
                    )
                )
        except IntegrityError as exc:
            raise _submitted_meanwhile() from exc
        return
    result = session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == seen.response_id, SurveyResponse.version == seen.version)
        .values(
            state="submitted",
            submitted_at=now,
            submitted_by=actor,
            draft=None,
            version=SurveyResponse.version + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _submitted_meanwhile()
    response = session.get(SurveyResponse, seen.response_id)
    if response is not None:
        session.expire(response)  # the identity map must see the new state and version


def _submitted_meanwhile() -> Conflict:
    return Conflict(
        "この回答は同時に別の送信で提出されました。ページを開き直して内容を確認してください。",
        "This answer was submitted by another request at the same time; reload the page to see it.",
    )
