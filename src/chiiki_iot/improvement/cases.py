"""事例 (横展開): a body's project written up so that similar bodies can copy it — the problem, what was
built, cost and funding, vendors, results with figures, documents and whom to ask.

A case goes draft → 確認中 (the block's bureau reviews) → 公開; a bureau may send it back with a note. Only
published cases are searchable, listed on similar bodies' pages and counted: a KPI declared as counting
cases (「オープンデータの利活用事例数」, ``counts: cases``) gets, on every publication, the number of published
cases on its model as its national figure for the fiscal year, with this library as its source. A case may
name the earlier case it copied; following those links shows how a solution spread from its original.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize, can
from chiiki_iot.adoption import service as adoption
from chiiki_iot.adoption.ladder import Barrier, Stage
from chiiki_iot.core import data_versions
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.fiscal import FiscalYear, today_in_japan
from chiiki_iot.core.terms import N_
from chiiki_iot.core.text import clean_url
from chiiki_iot.improvement.countermeasures import stale
from chiiki_iot.improvement.models import Case
from chiiki_iot.progress import service as progress
from chiiki_iot.registry import service as registry
from chiiki_iot.roadmap import service as roadmap

CASES = "improvement.cases"
data_versions.watch(CASES, lambda record: isinstance(record, Case), tables=("cases",))

STATUSES = {"draft": N_("下書き"), "review": N_("確認中"), "published": N_("公開")}
TRANSITIONS: dict[str, frozenset[str]] = {
    "submit": frozenset({"draft"}),
    "publish": frozenset({"review"}),
    "return": frozenset({"review"}),
}
"""Which states each step starts from (one function per step below)."""

COUNTS = "cases"
"""What a KPI counting cases declares (``counts`` in the roadmap's data)."""


@dataclass(frozen=True)
class CaseInput:
    body_code: str
    title: str
    model_slugs: list[str]
    problem: str = ""
    built: str = ""
    cost_yen: int | None = None
    funding: str = ""
    vendors: list[str] = field(default_factory=list)
    results: str = ""
    links: list[str] = field(default_factory=list)
    contact: str = ""
    barriers_overcome: list[str] = field(default_factory=list)
    copied_from_id: int | None = None
    project_id: int | None = None


def get(session: Session, case_id: int) -> Case:
    found = session.get(Case, case_id) if 0 < case_id < 2**31 else None
    if found is None:
        raise NotFound(f"事例 {case_id} はありません。", f"No case {case_id}.")
    return found


def write(session: Session, *, principal: Principal, data: CaseInput) -> Case:
    """事例を書く: the body itself, its block's bureau or the secretariat; it starts as a draft."""
    body = registry.get_body(session, data.body_code)
    authorize(principal, "cases.write", registry.policy_target(body))
    case = Case(
        body_code=body.code, status="draft", written_by=principal.actor, written_at=dt.datetime.now(dt.UTC)
    )
    _fill(session, case, data)
    session.add(case)
    session.flush()
    return case


def revise(
    session: Session, *, principal: Principal, case_id: int, expected_version: int, data: CaseInput
) -> Case:
    """A draft (or one sent back) is edited by whoever may write for its body; a published case is not."""
    case = _for_step(session, principal, case_id, expected_version, action="cases.write")
    if case.status != "draft":
        raise Conflict("確認中・公開済みの事例は編集できません。", "Only a draft can be edited.")
    _fill(session, case, data)
    session.flush()
    return case


def submit(session: Session, *, principal: Principal, case_id: int, expected_version: int) -> Case:
    case = _step(session, principal, case_id, expected_version, "submit", action="cases.write")
    case.status = "review"
    session.flush()
    return case


def publish(session: Session, *, principal: Principal, case_id: int, expected_version: int) -> Case:
    """公開: the bureau of the body's block (or the secretariat); every KPI counting cases on the case's
    models gets its new count as the year's national figure."""
    case = _step(session, principal, case_id, expected_version, "publish", action="cases.review")
    case.status = "published"
    case.published_on = today_in_japan()
    case.kpi_slugs = [k.slug for k in _counting_kpis(session) if k.model.slug in case.model_slugs]
    session.flush()
    for slug in case.kpi_slugs:
        _count(session, slug, principal.actor)
    return case


def send_back(
    session: Session, *, principal: Principal, case_id: int, expected_version: int, note: str
) -> Case:
    """差し戻し: back to a draft with the reviewer's note for the writer."""
    if not note.strip():
        raise InvalidInput("差し戻す理由を入力してください。", "Say why the case goes back.")
    case = _step(session, principal, case_id, expected_version, "return", action="cases.review")
    case.status = "draft"
    case.review_note = note.strip()
    session.flush()
    return case


def count_for(session: Session, kpi_slug: str, *, until: dt.date | None = None) -> int:
    """Published cases counted towards a KPI (up to a date)."""
    return sum(
        1
        for c in published(session)
        if kpi_slug in c.kpi_slugs and (until is None or (c.published_on and c.published_on <= until))
    )


def published(session: Session) -> list[Case]:
    return list(
        session.scalars(
            select(Case).where(Case.status == "published").order_by(Case.published_on.desc(), Case.id)
        )
    )


def list_cases(session: Session, *, principal: Principal) -> list[Case]:
    """Every published case, and the drafts and cases under review that this person may write or review."""
    rows = list(session.scalars(select(Case).order_by(Case.id.desc())))
    codes = {c.body_code for c in rows}
    bodies = registry.bodies_by_code(session, codes)
    return [
        c
        for c in rows
        if c.status == "published"
        or can(principal, "cases.write", registry.policy_target(bodies[c.body_code]))
        or can(principal, "cases.review", registry.policy_target(bodies[c.body_code]))
    ]


@dataclass(frozen=True)
class CaseQuery:
    """The library's search: any of these left empty does not narrow."""

    model: str = ""
    field_slug: str = ""
    band: str = ""
    block: str = ""
    barrier: str = ""
    text: str = ""


def search(session: Session, query: CaseQuery) -> list[Case]:
    """Published cases by model, field, body size (人口規模), block and barrier overcome, and words."""
    rows = published(session)
    if query.model:
        rows = [c for c in rows if query.model in c.model_slugs]
    if query.field_slug:
        in_field = {m.slug for m in roadmap.list_models(session) if m.field.slug == query.field_slug}
        rows = [c for c in rows if in_field & set(c.model_slugs)]
    if query.barrier:
        rows = [c for c in rows if query.barrier in c.barriers_overcome]
    if query.band or query.block:
        bodies = registry.bodies_by_code(session, {c.body_code for c in rows})
        bands = registry.population_bands(session)
        rows = [
            c
            for c in rows
            if (not query.band or bands.get(c.body_code) == query.band)
            and (not query.block or bodies[c.body_code].block_slug == query.block)
        ]
    if query.text.strip():
        words = query.text.split()
        rows = [c for c in rows if all(w in f"{c.title} {c.problem} {c.built} {c.results}" for w in words)]
    return rows


@dataclass(frozen=True)
class SimilarCase:
    """A published case shown to a body: from a body like it, on a model it has not implemented."""

    case: Case
    body: registry.Body
    model_slugs: list[str]
    reasons: list[tuple[str, str]]


def similar_for_body(session: Session, body_code: str, *, limit: int = 5) -> list[SimilarCase]:
    """Cases from similar bodies — the same kind and population band, in the same or a neighbouring
    block — on the models this body has not implemented; the same block first."""
    body = registry.get_body(session, body_code)
    rows = [c for c in published(session) if c.body_code != body.code]
    if not rows:
        return []  # every body page asks: no population read while the library is empty
    bands = registry.population_bands(session)
    done = {
        model
        for model, stage in adoption.stages_of_body(session, body.code, as_of=today_in_japan()).items()
        if stage == Stage.IMPLEMENTED.value
    }
    near = set(registry.neighbour_blocks(body.block_slug))
    bodies = registry.bodies_by_code(session, {c.body_code for c in rows})
    found: list[tuple[int, SimilarCase]] = []
    for case in rows:
        other = bodies[case.body_code]
        models = [m for m in case.model_slugs if m not in done]
        same_band = bands.get(other.code) is not None and bands.get(other.code) == bands.get(body.code)
        if not models or other.kind != body.kind or not same_band:
            continue
        if other.block_slug == body.block_slug:
            where, rank = ("同じ地域ブロック", "same block"), 0
        elif other.block_slug in near:
            where, rank = ("隣の地域ブロック", "neighbouring block"), 1
        else:
            continue
        reasons = [("同じ種類の団体", "same kind of body"), ("同じ人口規模", "same population band"), where]
        found.append((rank, SimilarCase(case, other, models, reasons)))
    return [s for _, s in sorted(found, key=lambda r: (r[0], -r[1].case.id))][:limit]


@dataclass(frozen=True)
class Spread:
    """A case and those that copied it, generation by generation (横展開 from the original)."""

    original: Case
    copies: list[tuple[int, Case]]  # (generation, case), 1 = copied the original directly


def spread(session: Session, case_id: int) -> Spread:
    """From the original of this case's line (following 'copied from' back), every published copy."""
    case = get(session, case_id)
    seen = {case.id}
    while case.copied_from_id is not None and case.copied_from_id not in seen:
        case = get(session, case.copied_from_id)
        seen.add(case.id)
    children: dict[int, list[Case]] = {}
    for other in published(session):
        if other.copied_from_id is not None:
            children.setdefault(other.copied_from_id, []).append(other)
    copies: list[tuple[int, Case]] = []
    frontier, generation, visited = [case.id], 1, {case.id}
    while frontier:
        nxt = [c for parent in frontier for c in children.get(parent, []) if c.id not in visited]
        copies += [(generation, c) for c in nxt]
        visited |= {c.id for c in nxt}
        frontier, generation = [c.id for c in nxt], generation + 1
    return Spread(case, copies)


def _counting_kpis(session: Session) -> list[roadmap.Kpi]:
    return [
        k for k in roadmap.list_kpis(session)
        if k.counts == COUNTS and (k.measure or {}).get("method", "national-figure") == "national-figure"
    ]  # fmt: skip


def _count(session: Session, kpi_slug: str, actor: str) -> None:
    today = today_in_japan()
    value = count_for(session, kpi_slug)
    progress.record_counted_figure(
        session, kpi_slug=kpi_slug, counts=COUNTS, fiscal_year=FiscalYear.of(today).year, value=float(value),
        source=f"地域IoT実装推進プラットフォームの事例集（公開済み {value}件、{today:%Y年%m月%d日}時点）",
        recorded_by=actor,
    )  # fmt: skip


def _step(
    session: Session, principal: Principal, case_id: int, expected_version: int, step: str, *, action: str
) -> Case:
    case = _for_step(session, principal, case_id, expected_version, action=action)
    if case.status not in TRANSITIONS[step]:
        raise Conflict(
            f"この事例は「{STATUSES[case.status]}」のため、この操作はできません。",
            f"The case is {case.status}; this step is not open to it.",
        )
    return case


def _for_step(
    session: Session, principal: Principal, case_id: int, expected_version: int, *, action: str
) -> Case:
    case = get(session, case_id)
    authorize(principal, action, registry.policy_target(registry.get_body(session, case.body_code)))
    if case.version != expected_version:
        raise stale("この事例", "this case")
    return case


def _fill(session: Session, case: Case, data: CaseInput) -> None:
    if not data.title.strip():
        raise InvalidInput("事例の題名を入力してください。", "Give the case a title.")
    if not data.model_slugs:
        raise InvalidInput("分野別モデルを一つ以上選んでください。", "Choose at least one sector model.")
    models = [adoption.check_model(session, m) for m in dict.fromkeys(data.model_slugs)]
    barriers = list(dict.fromkeys(data.barriers_overcome))
    unknown = [b for b in barriers if b not in {x.value for x in Barrier}]
    if unknown:
        raise InvalidInput(
            f"選べない壁があります：{'、'.join(unknown)}", f"Unknown barriers: {', '.join(unknown)}"
        )
    if data.cost_yen is not None and data.cost_yen < 0:
        raise InvalidInput("費用は0円以上にしてください。", "The cost cannot be negative.")
    if data.copied_from_id is not None:
        original = get(session, data.copied_from_id)
        if original.id == case.id or original.status != "published":
            raise InvalidInput(
                "参考にした事例には、公開済みのほかの事例を選んでください。",
                "The case copied must be another published case.",
            )
    links = [clean_url(u) for u in data.links]
    case.title = data.title.strip()[:255]
    case.model_slugs = models
    case.problem, case.built, case.results = data.problem.strip(), data.built.strip(), data.results.strip()
    case.cost_yen, case.funding = data.cost_yen, data.funding.strip()[:255]
    case.vendors = [v.strip()[:255] for v in data.vendors if v.strip()]
    case.links = [u for u in links if u]
    case.contact = data.contact.strip()[:255]
    case.barriers_overcome = barriers
    case.copied_from_id = data.copied_from_id
    case.project_id = data.project_id
