"""派遣: experts (専門家派遣) and IoTメンター公務員 in one workflow — a body asks, the bureau arranges one of the
suggested people, the visit happens, and the person reports within ``REPORT_DAYS`` days. The report goes on
the body's status history as evidence (through ``adoption.service``), so the next reader of that history
sees what was advised.

Mentors are staff of bodies that have implemented the model (実装済); the suggestions read the status data:
same model, same block first, then similar size."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts import service as accounts
from chiiki_iot.accounts.policy import Grant, Principal, Role, authorize, can
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Stage, rank
from chiiki_iot.core.errors import Conflict, Forbidden, InvalidInput, NotFound, SignInRequired
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.core.settings import get_settings
from chiiki_iot.core.terms import N_
from chiiki_iot.registry import service as registry
from chiiki_iot.support.menus import get_measure, measure_by_id, window_open
from chiiki_iot.support.models import DispatchRequest, RosterEntry, SupportMeasure

STATUSES = {
    "requested": N_("依頼受付"),
    "arranged": N_("派遣決定"),
    "reported": N_("報告済"),
    "cancelled": N_("取りやめ"),
}
MODES = {"online": N_("オンライン"), "on-site": N_("現地")}
REPORT_DAYS = 7
JST = dt.timezone(dt.timedelta(hours=9))
SUGGESTIONS = 5


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _check_version(record: DispatchRequest | RosterEntry, expected: int) -> None:
    if record.version != expected:
        raise Conflict(
            "この記録は、開いた後に他の人が更新しました。最新の内容を確かめてください。",
            "Someone changed this record since you opened it; check the latest and try again.",
        )


# ---- the roster -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterInput:
    kind: str
    name: str
    email: str
    affiliation: str = ""
    body_code: str = ""
    model_slugs: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    online: bool = True
    on_site: bool = True
    availability: str = ""


def add_to_roster(session: Session, *, principal: Principal, data: RosterInput) -> RosterEntry:
    """名簿への登録: the secretariat or a bureau adds an expert or a mentor (a mentor names their body)."""
    authorize(principal, "support.roster")
    if data.kind not in ("expert", "mentor"):
        raise InvalidInput("専門家かメンターかを選んでください。", "Choose expert or mentor.")
    body_code = registry.get_body(session, data.body_code).code if data.body_code else None
    if data.kind == "mentor" and body_code is None:
        raise InvalidInput(
            "IoTメンター公務員は所属団体を入れてください。", "A mentor names the body they work for."
        )
    if not data.name.strip():
        raise InvalidInput("氏名を入力してください。", "Give the name.")
    blocks = {b.slug for b in registry.list_blocks(session)}
    if any(b not in blocks for b in data.blocks):
        raise InvalidInput("地域ブロックが選択肢にありません。", "Unknown block.")
    if not (data.online or data.on_site):
        raise InvalidInput(
            "オンラインか現地の少なくとも一方を選んでください（どちらもないと候補に出ません）。",
            "Choose online, on site or both (with neither, they are never suggested).",
        )
    email = accounts.normalise_email(data.email)
    if any(e.email == email and e.kind == data.kind for e in list_roster(session)):
        raise Conflict(f"{email} はすでに名簿にあります。", f"{email} is already on the roster.")
    entry = RosterEntry(
        kind=data.kind,
        name=data.name.strip()[:255],
        email=email,
        affiliation=data.affiliation.strip()[:255],
        body_code=body_code,
        model_slugs=[adoption.check_model(session, m) for m in dict.fromkeys(data.model_slugs)],
        blocks=list(dict.fromkeys(data.blocks)),
        online=data.online,
        on_site=data.on_site,
        availability=data.availability.strip()[:2000],
    )
    session.add(entry)
    session.flush()
    return entry


def list_roster(session: Session, *, kind: str = "") -> list[RosterEntry]:
    query = select(RosterEntry).where(RosterEntry.active.is_(True)).order_by(RosterEntry.kind, RosterEntry.id)
    if kind:
        query = query.where(RosterEntry.kind == kind)
    return list(session.scalars(query))


def get_entry(session: Session, entry_id: int) -> RosterEntry:
    entry = session.get(RosterEntry, entry_id)
    if entry is None:
        raise NotFound(f"名簿 {entry_id} はありません。", f"There is no roster entry {entry_id}.")
    return entry


# ---- requests -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestInput:
    measure_slug: str
    body_code: str
    model_slug: str
    problem: str
    mode: str
    preferred_dates: str = ""
    days: int = 1


def request(session: Session, *, principal: Principal, data: RequestInput) -> DispatchRequest:
    """派遣の依頼: the body (or the secretariat for it) asks for an expert or a mentor."""
    body = registry.get_body(session, data.body_code)
    authorize(principal, "dispatch.request", registry.policy_target(body))
    adoption.check_counted(body)
    measure = get_measure(session, data.measure_slug)
    if measure.delivery != "dispatch":
        raise InvalidInput(
            f"「{measure.name_ja}」は派遣のメニューではありません。",
            f"'{measure.name_en}' is not a dispatch measure.",
        )
    if not window_open(measure, today_in_japan()):
        raise Conflict("このメニューの受付期間外です。", "The measure's call window is closed.")
    if data.mode not in MODES:
        raise InvalidInput("オンラインか現地かを選んでください。", "Choose online or on site.")
    if not data.problem.strip():
        raise InvalidInput("相談したい課題を書いてください。", "Describe the problem you want help with.")
    if not 1 <= data.days <= 30:
        raise InvalidInput("派遣日数は1〜30日にしてください。", "Days must be 1–30.")
    _check_days_left(session, measure, body.code, data.days)
    dispatch = DispatchRequest(
        measure_id=measure.id,
        body_code=body.code,
        model_slug=adoption.check_model(session, data.model_slug),
        problem=data.problem.strip()[:5000],
        preferred_dates=data.preferred_dates.strip()[:255],
        mode=data.mode,
        days=data.days,
        status="requested",
        requested_by=principal.actor,
        requested_at=_now(),
    )
    session.add(dispatch)
    session.flush()
    return dispatch


def days_used(session: Session, measure_id: int, body_code: str, fiscal_year: int) -> int:
    """Dispatch days a body has used (or has asked for and not cancelled) under a measure in a year."""
    year = FiscalYear(fiscal_year)
    start = dt.datetime.combine(year.start, dt.time(), tzinfo=dt.UTC) - dt.timedelta(hours=9)
    end = dt.datetime.combine(year.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC) - dt.timedelta(
        hours=9
    )
    return int(
        session.scalar(
            select(func.coalesce(func.sum(DispatchRequest.days), 0)).where(
                DispatchRequest.measure_id == measure_id,
                DispatchRequest.body_code == body_code,
                DispatchRequest.status != "cancelled",
                DispatchRequest.requested_at >= start,
                DispatchRequest.requested_at < end,
            )
        )
        or 0
    )


def _check_days_left(session: Session, measure: SupportMeasure, body_code: str, days: int) -> None:
    limit = measure.days_per_body_per_year
    if limit is None:
        return
    used = days_used(session, measure.id, body_code, FiscalYear.of(today_in_japan()).year)
    if used + days > limit:
        raise Conflict(
            f"今年度の派遣日数の上限（{limit}日）を超えます（使用済み・依頼中 {used}日）。",
            f"This would pass the year's limit of {limit} days ({used} already used or asked for).",
        )


def get_dispatch(session: Session, principal: Principal, dispatch_id: int) -> DispatchRequest:
    """A request, for the body, its bureau, the secretariat and the person arranged; a 404 to anyone else."""
    if principal.is_anonymous:
        raise SignInRequired(
            "派遣の依頼を見るにはサインインしてください。", "Sign in to see dispatch requests."
        )
    dispatch = session.get(DispatchRequest, dispatch_id)
    if dispatch is None or not can_read(session, principal, dispatch):
        raise NotFound(
            f"派遣の依頼 {dispatch_id} はありません。", f"There is no dispatch request {dispatch_id}."
        )
    return dispatch


def _target(session: Session, dispatch: DispatchRequest):
    return registry.policy_target(registry.get_body(session, dispatch.body_code))


def is_dispatched_person(session: Session, principal: Principal, dispatch: DispatchRequest) -> bool:
    if dispatch.roster_id is None or principal.is_anonymous:
        return False
    return get_entry(session, dispatch.roster_id).email == principal.actor


def can_read(session: Session, principal: Principal, dispatch: DispatchRequest) -> bool:
    target = _target(session, dispatch)
    return (
        can(principal, "dispatch.request", target)
        or can(principal, "dispatch.arrange", target)
        or is_dispatched_person(session, principal, dispatch)
    )


def list_visible(session: Session, principal: Principal) -> list[DispatchRequest]:
    rows = session.scalars(select(DispatchRequest).order_by(DispatchRequest.id.desc()))
    return [d for d in rows if can_read(session, principal, d)]


# ---- suggestions ----------------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A roster entry suggested for a request, with the reasons in both languages."""

    entry: RosterEntry
    score: float
    reasons: list[tuple[str, str]]


def suggest(session: Session, dispatch: DispatchRequest) -> list[Candidate]:
    """Best first: for a mentor, their body has implemented the model (from the status data); then the same
    block, then a body of similar size (population within a factor of three). Experts: their models and the
    blocks they go to. People who cannot come the way asked (online / on site) are left out."""
    measure = measure_by_id(session, dispatch.measure_id)
    body = registry.get_body(session, dispatch.body_code)
    entries = [e for e in list_roster(session, kind=measure.dispatch_roster) if e.body_code != body.code]
    entries = [e for e in entries if (e.online if dispatch.mode == "online" else e.on_site)]
    codes = [body.code, *(e.body_code for e in entries if e.body_code)]
    population = registry.latest_populations(session, codes)
    homes = registry.bodies_by_code(session, [c for c in codes if c])
    implemented = _implemented(session, dispatch.model_slug)
    near = set(registry.neighbour_blocks(body.block_slug))
    found = [_candidate(e, dispatch, body, homes, population, implemented, near) for e in entries]
    return sorted((c for c in found if c.score > 0), key=lambda c: (-c.score, c.entry.id))[:SUGGESTIONS]


@dataclass
class BodyCandidate:
    """A body not on the roster whose staff could mentor: it has implemented the model."""

    body: registry.BodyRef
    reasons: list[tuple[str, str]]


def bodies_to_recruit(
    session: Session, dispatch: DispatchRequest, *, limit: int = SUGGESTIONS
) -> list[BodyCandidate]:
    """From the status data: bodies at 実装済 on the request's model with nobody on the roster yet, same
    block first, then the neighbouring blocks, then similar size — whom the bureau might ask for a mentor."""
    body = registry.get_body(session, dispatch.body_code)
    on_roster = {e.body_code for e in list_roster(session) if e.body_code}
    implemented = _implemented(session, dispatch.model_slug) - on_roster - {body.code}
    near = set(registry.neighbour_blocks(body.block_slug))
    refs = [b for b in registry.counted_bodies(session) if b.code in implemented]
    population = registry.latest_populations(session, [body.code, *(b.code for b in refs)])
    scored = []
    for ref in refs:
        reasons = [("このモデルを実装済", "has implemented this model")]
        score = 0.0
        if ref.block_slug == body.block_slug:
            score, reasons = score + 2, [*reasons, ("同じ地域ブロック", "same block")]
        elif ref.block_slug in near:
            score, reasons = score + 1, [*reasons, ("隣の地域ブロック", "neighbouring block")]
        mine, theirs = population.get(body.code), population.get(ref.code)
        if mine and theirs and abs(math.log(theirs / mine)) <= math.log(3):
            score, reasons = score + 0.5, [*reasons, ("人口規模が近い", "similar population")]
        scored.append((score, ref.code, BodyCandidate(ref, reasons)))
    return [c for _, _, c in sorted(scored, key=lambda t: (-t[0], t[1]))[:limit]]


def _implemented(session: Session, model_slug: str) -> set[str]:
    return {
        b.code
        for b, change in adoption.adoption_of_model(session, model_slug, as_of=today_in_japan())
        if change.stage == Stage.IMPLEMENTED.value
    }


def _candidate(
    entry: RosterEntry,
    dispatch: DispatchRequest,
    body: registry.Body,
    homes: dict[str, registry.Body],
    population: dict[str, int],
    implemented: set[str],
    near: set[str],
) -> Candidate:
    score, reasons = 0.0, []
    if entry.body_code and entry.body_code in implemented:
        score += 3
        reasons.append(("所属団体がこのモデルを実装済", "their body has implemented this model"))
    if dispatch.model_slug in entry.model_slugs:
        score += 2
        reasons.append(("このモデルを担当分野に登録", "lists this model"))
    if entry.kind == "mentor" and score == 0:
        return Candidate(entry, 0.0, [])  # a mentor who has not done this model has nothing to pass on
    home = homes.get(entry.body_code or "")
    if (home is not None and home.block_slug == body.block_slug) or body.block_slug in entry.blocks:
        score += 1
        reasons.append(("同じ地域ブロック", "same block"))
    elif home is not None and home.block_slug in near:
        score += 0.5
        reasons.append(("隣の地域ブロック", "neighbouring block"))
    elif entry.blocks and body.block_slug not in entry.blocks:
        score -= 1
        reasons.append(("対応地域外", "outside the blocks they go to"))
    mine, theirs = population.get(body.code), population.get(entry.body_code or "")
    if mine and theirs and abs(math.log(theirs / mine)) <= math.log(3):
        score += 0.5
        reasons.append(("人口規模が近い", "similar population"))
    return Candidate(entry, score, reasons)


# ---- arranging and reporting ----------------------------------------------------------------------------


def arrange(
    session: Session,
    *,
    principal: Principal,
    dispatch_id: int,
    expected_version: int,
    roster_id: int,
    visit_on: dt.date,
) -> DispatchRequest:
    """派遣決定: the block's bureau (or the secretariat) arranges one person and the date."""
    dispatch = get_dispatch(session, principal, dispatch_id)
    authorize(principal, "dispatch.arrange", _target(session, dispatch))
    _check_version(dispatch, expected_version)
    if dispatch.status != "requested":
        raise Conflict("この依頼はすでに調整済みです。", "This request has already been arranged.")
    entry = get_entry(session, roster_id)
    if not entry.active or entry.body_code == dispatch.body_code:
        raise InvalidInput("この人は派遣できません。", "This person cannot be dispatched here.")
    asked_on = dispatch.requested_at.astimezone(JST).date()
    if visit_on < asked_on:
        raise InvalidInput(
            f"派遣日は依頼のあった日（{asked_on.isoformat()}）以降にしてください。",
            f"The visit cannot be before the request ({asked_on.isoformat()}).",
        )
    dispatch.roster_id, dispatch.visit_on = entry.id, visit_on
    dispatch.status, dispatch.arranged_by, dispatch.arranged_at = "arranged", principal.actor, _now()
    session.flush()
    return dispatch


def report_due(dispatch: DispatchRequest) -> dt.date | None:
    return dispatch.visit_on + dt.timedelta(days=REPORT_DAYS) if dispatch.visit_on else None


def report_overdue(dispatch: DispatchRequest) -> bool:
    """Arranged, and the report not in by ``REPORT_DAYS`` days after the visit."""
    due = report_due(dispatch)
    return dispatch.status == "arranged" and due is not None and due < today_in_japan()


def file_report(
    session: Session,
    *,
    principal: Principal,
    dispatch_id: int,
    expected_version: int,
    advice: str,
    next_steps: str,
) -> DispatchRequest:
    """派遣報告: the person dispatched (or the bureau for them) says what was advised and what comes next.
    It goes on the body's status history as evidence dated the day it is filed, at the stage the body
    stands on that day (at least 関心あり: a body that asked for help on a model is interested in it), so it
    never lowers a stage nor rewrites what the history said of earlier days."""
    dispatch = get_dispatch(session, principal, dispatch_id)
    if not (
        is_dispatched_person(session, principal, dispatch)
        or can(principal, "dispatch.arrange", _target(session, dispatch))
    ):
        raise Forbidden(
            "報告は派遣された本人か総合通信局が行います。", "The person dispatched or the bureau reports."
        )
    _check_version(dispatch, expected_version)
    if dispatch.status != "arranged":
        raise Conflict("派遣が決まった依頼にだけ報告できます。", "Only an arranged dispatch can be reported.")
    if dispatch.visit_on is not None and today_in_japan() < dispatch.visit_on:
        raise Conflict(
            f"派遣日（{dispatch.visit_on.isoformat()}）の後に報告してください。",
            f"File the report after the visit ({dispatch.visit_on.isoformat()}).",
        )
    if not advice.strip() or not next_steps.strip():
        raise InvalidInput(
            "助言の内容と次の一歩の両方を書いてください。", "Give both the advice and the next steps."
        )
    dispatch.advice, dispatch.next_steps = advice.strip()[:10_000], next_steps.strip()[:5_000]
    dispatch.status, dispatch.reported_at, dispatch.reported_by = "reported", _now(), principal.actor
    change = adoption.record_status(
        session,
        principal=_evidence_writer(principal),
        body_code=dispatch.body_code,
        model_slug=dispatch.model_slug,
        stage=_stage_now(session, dispatch),
        effective_on=today_in_japan(),
        source_kind="support",
        source_ref=f"dispatch-{dispatch.id}",
        evidence=adoption.Evidence(
            project=f"{_title(session, dispatch)}：{dispatch.advice[:200]}",
            url=f"{get_settings().base_url.rstrip('/')}/support/dispatches/{dispatch.id}",
        ),
    )
    dispatch.status_change_id = change.id
    session.flush()
    return dispatch


def _title(session: Session, dispatch: DispatchRequest) -> str:
    return f"{measure_by_id(session, dispatch.measure_id).name_ja}の報告"


def _stage_now(session: Session, dispatch: DispatchRequest) -> Stage:
    current = adoption.stages_of_body(session, dispatch.body_code, as_of=today_in_japan()).get(
        dispatch.model_slug
    )
    stage = Stage(current) if current else Stage.NOT_STARTED
    return stage if rank(stage) >= rank(Stage.INTERESTED) else Stage.INTERESTED


def _evidence_writer(principal: Principal) -> Principal:
    """The report is the programme's record, not the body's own answer: it is written with the programme's
    authority (``status.record`` is the body's or the secretariat's), in the name of whoever reported."""
    return Principal(actor=principal.actor, grants=(Grant(Role.SECRETARIAT),), user_id=principal.user_id,
                     ip=principal.ip, via=principal.via)  # fmt: skip


def cancel(
    session: Session, *, principal: Principal, dispatch_id: int, expected_version: int
) -> DispatchRequest:
    """取りやめ: the body that asked cancels before the report; its days are given back."""
    dispatch = get_dispatch(session, principal, dispatch_id)
    authorize(principal, "dispatch.request", _target(session, dispatch))
    _check_version(dispatch, expected_version)
    if dispatch.status not in ("requested", "arranged"):
        raise Conflict("報告済みの派遣は取りやめられません。", "A reported dispatch cannot be cancelled.")
    dispatch.status = "cancelled"
    session.flush()
    return dispatch


# ---- the follow-up in the next survey round -------------------------------------------------------------

HELPED = {"yes": N_("役に立った"), "partly": N_("一部役に立った"), "no": N_("役に立たなかった")}


def awaiting_follow_up(session: Session, body_code: str) -> list[DispatchRequest]:
    """The body's reported dispatches it has not yet said anything about: asked beside its next survey."""
    return list(
        session.scalars(
            select(DispatchRequest)
            .where(
                DispatchRequest.body_code == body_code,
                DispatchRequest.status == "reported",
                DispatchRequest.followup_round == "",
            )
            .order_by(DispatchRequest.reported_at)
        )
    )


def follow_up(
    session: Session,
    *,
    principal: Principal,
    dispatch_id: int,
    round_slug: str,
    helped: str,
    change: str,
) -> DispatchRequest:
    """派遣の効果の確認: with its survey answer, the body says whether the dispatch helped and what changed."""
    dispatch = get_dispatch(session, principal, dispatch_id)
    authorize(principal, "dispatch.request", _target(session, dispatch))
    if dispatch.status != "reported":
        raise Conflict("報告のあった派遣にだけ答えられます。", "Only a reported dispatch can be followed up.")
    if helped not in HELPED:
        raise InvalidInput("役に立ったかどうかを選んでください。", "Say whether it helped.")
    if not change.strip():
        raise InvalidInput(
            "何が変わったか（変わらなかったか）を書いてください。", "Say what changed (or did not)."
        )
    dispatch.followup_helped, dispatch.followup_change = helped, change.strip()[:5000]
    dispatch.followup_round, dispatch.followup_at = round_slug[:32], _now()
    session.flush()
    return dispatch
