"""Rules of adoption: recording a body's status on a model, and reading it as of any date.

The status on a date is the latest change that took effect on or before it (ties: the later record).
Pages, API, CLI and importers call these; none of them reads the history table itself.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, inspect, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption.ladder import Barrier, Stage
from chiiki_iot.adoption.models import (
    BarrierReport,
    FiscalYearStage,
    InputValue,
    StatusChange,
    SurveyResponse,
    SurveyRound,
)
from chiiki_iot.adoption.year_ends import changed_after as changed_after  # the figures read these
from chiiki_iot.adoption.year_ends import stages_by_year as stages_by_year
from chiiki_iot.core.errors import InvalidInput, Problem
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.core.text import clean_url
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.kinds import BodyKind
from chiiki_iot.roadmap import service as roadmap

SOURCE_KINDS = ("survey", "import", "manual", "demo", "network", "support")
SOURCE_LABELS = {
    "survey": N_("調査"),
    "import": N_("一括取り込み"),
    "manual": N_("手入力"),
    "demo": N_("デモ"),
    "network": N_("IoTデザインハブ"),
    "support": N_("支援パッケージ（派遣報告）"),
}


@dataclass(frozen=True)
class Evidence:
    """根拠: what shows the status — a project name, a web address, documents."""

    project: str = ""
    url: str = ""
    documents: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            k: v
            for k, v in (("project", self.project), ("url", self.url), ("documents", list(self.documents)))
            if v
        }


def check_counted(body: registry.Body) -> None:
    """Status, barriers and figures belong to prefectures and municipalities; a ward's go to its city."""
    if body.kind == BodyKind.WARD:
        raise InvalidInput(
            f"{body.full_name}は行政区です。市として記録してください。",
            f"{body.full_name} is a ward of a designated city; record it for the city.",
        )


def check_model(session: Session, slug: str) -> str:
    """A model slug of the current roadmap (NotFound otherwise)."""
    return roadmap.get_model(session, slug).slug


# The first day a status can take effect: the start of FY2016, where the roadmap's plans and the KPI engine's
# history begin (progress.facts.EARLIEST; adoption sits below progress, so a test keeps the two equal).
PROGRAMME_START = dt.date(2016, 4, 1)


def check_effective_on(day: dt.date) -> None:
    """A status takes effect between the programme's start and today (in Japan): an earlier date would
    silently rewrite official figures already reported, a later one would announce a stage not yet reached.
    Every way of recording a status (API, pages, imports, the survey) passes through this one check."""
    today = today_in_japan()
    if day < PROGRAMME_START:
        raise InvalidInput(
            f"日付 {day:%Y年%m月%d日} は事業の開始（{PROGRAMME_START:%Y年%m月%d日}）より前です。",
            f"The date {day} is before the programme began ({PROGRAMME_START}).",
        )
    if day > today:
        raise InvalidInput(
            f"日付 {day:%Y年%m月%d日} は未来です（今日は {today:%Y年%m月%d日}）。段階になった日を書いてください。",
            f"The date {day} is in the future (today is {today}); give the day the stage was reached.",
        )


def record_status(
    session: Session,
    *,
    principal: Principal,
    body_code: str,
    model_slug: str,
    stage: Stage,
    effective_on: dt.date,
    source_kind: str,
    source_ref: str = "",
    evidence: Evidence = Evidence(),
    synthetic: bool = False,
) -> StatusChange:
    """Add a status change. The body itself (or the secretariat) records it; history is never rewritten."""
    body = registry.get_body(session, body_code)
    authorize(principal, "status.record", registry.policy_target(body))
    check_counted(body)
    if source_kind not in SOURCE_KINDS:
        raise InvalidInput(
            f"出典の種類「{source_kind}」は使えません。", f"Unknown source kind '{source_kind}'."
        )
    clean_url(evidence.url)
    check_effective_on(effective_on)
    change = StatusChange(
        body_code=body.code,
        model_slug=check_model(session, model_slug),
        stage=stage.value,
        effective_on=effective_on,
        source_kind=source_kind,
        source_ref=source_ref,
        evidence=evidence.as_dict(),
        recorded_at=dt.datetime.now(dt.UTC),
        recorded_by=principal.actor,
        is_synthetic=synthetic,
    )
    session.add(change)
    session.flush()
    return change


def _latest(
    as_of: dt.date,
    body_code: str | None = None,
    model_slug: str | None = None,
) -> Select:
    """Each (body, model)'s latest change on or before ``as_of``, as a subquery of change ids."""
    inner = select(
        StatusChange.id,
        func.row_number()
        .over(
            partition_by=(StatusChange.body_code, StatusChange.model_slug),
            order_by=(StatusChange.effective_on.desc(), StatusChange.id.desc()),
        )
        .label("n"),
    ).where(StatusChange.effective_on <= as_of)
    if body_code is not None:  # narrow early: a body's page reads only its own history
        inner = inner.where(StatusChange.body_code == body_code)
    if model_slug is not None:  # and a model's list only that model's
        inner = inner.where(StatusChange.model_slug == model_slug)
    ranked = inner.subquery()
    return select(ranked.c.id).where(ranked.c.n == 1)


def status_of_body(session: Session, body_code: str, *, as_of: dt.date) -> dict[str, StatusChange]:
    """model slug → the change in force on ``as_of`` for one body (models with no record are absent)."""
    code = registry.get_body(session, body_code).code
    query = select(StatusChange).where(
        StatusChange.body_code == code, StatusChange.id.in_(_latest(as_of, code))
    )
    return {c.model_slug: c for c in session.scalars(query)}


def stages_of_body(session: Session, body_code: str, *, as_of: dt.date) -> dict[str, str]:
    """model slug → stage in force on ``as_of`` for one body: reads only that body's rows (the online answer
    must not cost a read of every body's status)."""
    return {slug: change.stage for slug, change in status_of_body(session, body_code, as_of=as_of).items()}


def adoption_of_model(
    session: Session, model_slug: str, *, as_of: dt.date
) -> list[tuple[registry.Body, StatusChange]]:
    """Every municipality or prefecture with a status on ``model_slug`` on ``as_of``, by code."""
    slug = check_model(session, model_slug)
    changes = list(
        session.scalars(
            select(StatusChange).where(
                StatusChange.model_slug == slug, StatusChange.id.in_(_latest(as_of, model_slug=slug))
            )
        )
    )
    bodies = registry.bodies_by_code(session, {c.body_code for c in changes})
    return sorted(((bodies[c.body_code], c) for c in changes), key=lambda pair: pair[0].code)


def stage_counts(session: Session, model_slug: str, *, as_of: dt.date) -> dict[str, int]:
    """How many bodies stand on each stage (bodies with no record count as 未着手)."""
    counts = {s.value: 0 for s in Stage}
    for _, change in adoption_of_model(session, model_slug, as_of=as_of):
        counts[change.stage] += 1
    counts[Stage.NOT_STARTED.value] += registry.count_counted(session) - sum(counts.values())
    return counts


def history(session: Session, body_code: str, *, model_slug: str | None = None) -> list[StatusChange]:
    """The body's timeline, oldest first (all models, or one)."""
    code = registry.get_body(session, body_code).code
    query = select(StatusChange).where(StatusChange.body_code == code)
    if model_slug:
        query = query.where(StatusChange.model_slug == check_model(session, model_slug))
    return list(session.scalars(query.order_by(StatusChange.effective_on, StatusChange.id)))


def barriers_of_body(session: Session, body_code: str) -> list[BarrierReport]:
    """The barriers (壁) a body has reported, newest first."""
    code = registry.get_body(session, body_code).code
    return list(
        session.scalars(
            select(BarrierReport)
            .where(BarrierReport.body_code == code)
            .order_by(BarrierReport.reported_on.desc(), BarrierReport.id.desc())
        )
    )


def check_barrier(barrier: Barrier, other_text: str) -> None:
    """「その他」 says nothing without its content, so it needs the text."""
    if barrier == Barrier.OTHER and not other_text.strip():
        raise InvalidInput(
            "「その他」の壁は内容を書いてください。", "Describe the barrier when it is 'other'."
        )


def report_barrier(
    session: Session,
    *,
    principal: Principal,
    body_code: str,
    model_slug: str,
    barrier: Barrier,
    reported_on: dt.date,
    other_text: str = "",
    source_kind: str = "manual",
    source_ref: str = "",
) -> BarrierReport:
    """壁の報告 outside a survey: the body itself (or the secretariat) says what holds a model back."""
    body = registry.get_body(session, body_code)
    authorize(principal, "status.record", registry.policy_target(body))
    check_counted(body)
    check_barrier(barrier, other_text)
    if reported_on > today_in_japan():
        raise InvalidInput(f"日付 {reported_on} は未来です。", f"The date {reported_on} is in the future.")
    report = BarrierReport(
        body_code=body.code,
        model_slug=check_model(session, model_slug),
        barrier=barrier.value,
        other_text=other_text.strip(),
        reported_on=reported_on,
        source_kind=source_kind,
        source_ref=source_ref,
        recorded_by=principal.actor,
    )
    session.add(report)
    session.flush()
    return report


def record_input(
    session: Session,
    *,
    principal: Principal,
    body_code: str,
    input_slug: str,
    fiscal_year: int,
    value: float,
    source_kind: str = "manual",
    source_ref: str = "",
) -> InputValue:
    """A KPI input figure for a fiscal year (the body itself or the secretariat); the newest record counts."""
    body = registry.get_body(session, body_code)
    authorize(principal, "status.record", registry.policy_target(body))
    check_counted(body)
    item = roadmap.get_kpi_input(session, input_slug)
    check_input_value(
        item, value, population=registry.latest_populations(session, [body.code]).get(body.code)
    )
    if source_kind not in SOURCE_KINDS:
        raise InvalidInput(
            f"出典の種類「{source_kind}」は使えません。", f"Unknown source kind '{source_kind}'."
        )
    row = InputValue(
        body_code=body.code,
        input_slug=item.slug,
        fiscal_year=fiscal_year,
        value=value,
        source_kind=source_kind,
        source_ref=source_ref,
        recorded_at=dt.datetime.now(dt.UTC),
        recorded_by=principal.actor,
    )
    session.add(row)
    session.flush()
    return row


# Domain ranges of a reported figure, by the input's unit. A count (schools, sites, people) cannot pass a
# billion — Japan has 125 million people — and an amount of money in yen cannot pass 10兆円 (10^13, beyond
# any municipal budget); a percentage is at most 100. Without a bound one body's 1.7e308 made the national
# sum infinite and every KPI page answer 500.
COUNT_MAX = 10**9
MONEY_MAX = 10**13
PERCENT_MAX = 100
INPUT_VALUE_MAX = MONEY_MAX  # the widest bound: what the API schema allows before the unit is known


def input_value_max(item: roadmap.KpiInput) -> float:
    """The largest figure an input can take, from its unit: a percentage, an amount in yen, or a count."""
    unit = item.unit_ja.strip()
    if unit in ("%", "％"):
        return PERCENT_MAX
    if unit.endswith("円"):
        return MONEY_MAX
    return COUNT_MAX


def check_input_value(item: roadmap.KpiInput, value: float, *, population: int | None = None) -> None:
    """A reported figure is a count, a percentage or an amount: finite, not negative, within its unit's
    range and — where the input declares ``per_inhabitant_max`` and the body's ``population`` is known —
    within the body's size, so that one typo cannot outweigh a whole prefecture in a national sum."""
    ceiling = input_value_max(item)
    by_size = _size_ceiling(item, population)
    if not math.isfinite(value) or value < 0:
        ja, en = f"{item.name_ja}は0以上の数で入力してください。", f"{item.name_en} must be 0 or more."
    elif value > ceiling:
        ja = f"{item.name_ja}は{ceiling:,}{item.unit_ja}以下で入力してください。"
        en = f"{item.name_en} must be at most {' '.join(filter(None, (f'{ceiling:,}', item.unit_en)))}."
    elif by_size is not None and value > by_size:
        ja = (
            f"{item.name_ja}が{value:,g}{item.unit_ja}は、人口 {population:,} 人の団体としては多すぎます"
            f"（{by_size:,}{item.unit_ja}まで）。桁を確かめてください。"
        )
        en = (
            f"{item.name_en}: {value:,g} is too many for a body of {population:,} inhabitants (at most "
            f"{' '.join(filter(None, (f'{by_size:,}', item.unit_en)))}). Check the digits."
        )
    else:
        return
    # The field is named as the API and forms call it, so a client can point at it.
    raise InvalidInput(ja, en, problems=[Problem(ja, en, location="value")])


def _size_ceiling(item: roadmap.KpiInput, population: int | None) -> int | None:
    """The most a body of ``population`` can report of ``item``: never below 1, so a small village can
    still report its one school."""
    if item.per_inhabitant_max is None or not population:
        return None
    return max(1, math.floor(population * item.per_inhabitant_max))


def inputs_in_force(
    session: Session, *, body_codes: list[str] | None, fiscal_year: int
) -> dict[tuple[str, str], float]:
    """(body code, input slug) → the figure in force for a fiscal year (newest record), for many bodies at once."""
    query = (
        select(InputValue.body_code, InputValue.input_slug, InputValue.value)
        .where(InputValue.fiscal_year == fiscal_year)
        .order_by(InputValue.id)
    )
    if body_codes is not None:
        query = query.where(InputValue.body_code.in_(body_codes))
    return {(code, slug): value for code, slug, value in session.execute(query)}


def latest_figures_before(
    session: Session,
    *,
    body_codes: list[str] | None,
    fiscal_year: int,
) -> dict[tuple[str, str], tuple[float, int]]:
    """(body, input) → (its last reported figure, the fiscal year it was for), from before ``fiscal_year``:
    what a body answering this year's survey last told us, however long ago (not only last year)."""
    query = (
        select(InputValue.body_code, InputValue.input_slug, InputValue.value, InputValue.fiscal_year)
        .where(InputValue.fiscal_year < fiscal_year)
        .order_by(InputValue.fiscal_year, InputValue.id)
    )
    if body_codes is not None:
        query = query.where(InputValue.body_code.in_(body_codes))
    return {(code, slug): (value, year) for code, slug, value, year in session.execute(query)}


def stages_on(session: Session, *, day: dt.date, model_slugs: list[str]) -> dict[tuple[str, str], str]:
    """(body, model) → stage in force on ``day`` for every counted body: one index seek per pair (the
    model/body/date index), so its cost follows the number of bodies × models, not the length of history."""
    out: dict[tuple[str, str], str] = {}
    counted = registry.counted_codes_query().subquery()
    for slug in model_slugs:
        latest = (
            select(StatusChange.stage)
            .where(
                StatusChange.model_slug == slug,
                StatusChange.body_code == counted.c.code,
                StatusChange.effective_on <= day,
            )
            .order_by(StatusChange.effective_on.desc(), StatusChange.id.desc())
            .limit(1)
            .correlate(counted)
            .scalar_subquery()
        )
        rows = session.execute(select(counted.c.code, latest))
        out.update(((code, slug), stage) for code, stage in rows if stage is not None)
    return out


def barrier_rows(session: Session, *, until: dt.date):
    """Every barrier report up to a date as (body, model, barrier, reported_on) tuples."""
    return session.execute(
        select(
            BarrierReport.body_code,
            BarrierReport.model_slug,
            BarrierReport.barrier,
            BarrierReport.reported_on,
        ).where(BarrierReport.reported_on <= until)
    )


FIGURE_TABLES = (
    StatusChange.__tablename__,
    FiscalYearStage.__tablename__,  # its rebuild
    InputValue.__tablename__,
    BarrierReport.__tablename__,
    SurveyResponse.__tablename__,
)
"""Tables whose bulk writes (imports, demo data) can change a figure built on adoption."""


def changes_figures(record: object) -> bool:
    """Whether a record being written can change a figure built on adoption: a status change, a reported
    figure, a barrier, or a survey answer being approved or losing its approval — the one write to an answer
    that changes what counts as provisional (drafts and submissions do not)."""
    if isinstance(record, (StatusChange, InputValue, BarrierReport)):
        return True
    if not isinstance(record, SurveyResponse):
        return False
    history = inspect(record).attrs.state.history
    return "confirmed" in (*history.added, *history.deleted)


@dataclass(frozen=True)
class ReportedFigure:
    """報告値: a figure a body reported for a fiscal year, and whether it is still provisional (暫定) — sent
    in a survey answer that the prefecture has not confirmed yet."""

    body_code: str
    input_slug: str
    fiscal_year: int
    value: float
    provisional: bool


def _answers_awaiting_approval(session: Session) -> set[tuple[str, str]]:
    """(round slug, body) of every survey answer not approved: submitted, returned or in draft."""
    query = (
        select(SurveyRound.slug, SurveyResponse.body_code)
        .join(SurveyRound, SurveyRound.id == SurveyResponse.round_id)
        .where(SurveyResponse.state != "confirmed")
    )
    return {(slug, code) for slug, code in session.execute(query)}


def unapproved_stages(session: Session, *, as_of: dt.date) -> frozenset[tuple[str, str]]:
    """(body, model) pairs whose stage in force on ``as_of`` comes from a survey answer the prefecture has not
    approved yet (暫定). Read from the answers awaiting approval, so it costs nothing once a round is
    approved, and the history only of the bodies whose answers wait."""
    pending = _answers_awaiting_approval(session)
    if not pending:
        return frozenset()
    bodies = sorted({code for _, code in pending})
    in_force: dict[tuple[str, str], tuple[str, str]] = {}
    for start in range(0, len(bodies), 500):  # bounded IN lists
        query = (
            select(
                StatusChange.body_code,
                StatusChange.model_slug,
                StatusChange.source_kind,
                StatusChange.source_ref,
            )
            .where(
                StatusChange.body_code.in_(bodies[start : start + 500]), StatusChange.effective_on <= as_of
            )
            .order_by(StatusChange.effective_on, StatusChange.id)
        )
        for code, model, kind, ref in session.execute(query):
            in_force[(code, model)] = (kind, ref)
    return frozenset(
        pair for pair, (kind, ref) in in_force.items() if kind == "survey" and (ref, pair[0]) in pending
    )


def reported_figures(session: Session, *, until_year: int) -> list[ReportedFigure]:
    """Every figure in force for each body, input and fiscal year up to ``until_year`` (the newest record of
    a year wins), oldest year first. Only committed records exist here: a previewed upload writes nothing."""
    pending = _answers_awaiting_approval(session)
    query = (
        select(
            InputValue.body_code,
            InputValue.input_slug,
            InputValue.fiscal_year,
            InputValue.value,
            InputValue.source_kind,
            InputValue.source_ref,
        )
        .where(InputValue.fiscal_year <= until_year)
        .order_by(InputValue.fiscal_year, InputValue.id)
    )
    latest: dict[tuple[str, str, int], ReportedFigure] = {}
    for code, slug, year, value, source, ref in session.connection().execute(query):  # Core: plain rows
        provisional = source == "survey" and (ref, code) in pending
        latest[(code, slug, year)] = ReportedFigure(code, slug, year, value, provisional)
    return list(latest.values())


def inputs_of_body(session: Session, body_code: str) -> dict[tuple[str, int], InputValue]:
    """(input slug, fiscal year) → the figure in force (the newest record)."""
    code = registry.get_body(session, body_code).code
    rows = session.scalars(select(InputValue).where(InputValue.body_code == code).order_by(InputValue.id))
    return {(r.input_slug, r.fiscal_year): r for r in rows}


def has_synthetic_data(session: Session) -> bool:
    """Whether any demo (合成) status is stored: every figure computed from it must say so."""
    return bool(session.scalar(select(exists().where(StatusChange.is_synthetic.is_(True)))))
