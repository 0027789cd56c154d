"""The interest-to-action funnel (関心から実行へ), the bodies each barrier holds back, and which models a body
might take up next (横展開). All read the cached facts of ``facts.py``.

What answers each barrier is the support package's data (``support.menus``), shown beside these lists
through the dashboard slot ``progress.barriers``: this floor knows the 壁, not the measures.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chiiki_iot.adoption.ladder import LADDER, Stage
from chiiki_iot.core.fiscal import FiscalYear
from chiiki_iot.core.terms import N_
from chiiki_iot.progress import facts as fact_store
from chiiki_iot.progress.service import RANK, Scope
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.kinds import BodyKind
from chiiki_iot.registry.service import BodyRef
from chiiki_iot.roadmap import service as roadmap

MIN_PEERS = 3  # a model is suggested when three peers (or a third of them) have implemented it
NOT_REPORTED = N_("未報告")
STUCK = (Stage.INTERESTED.value, Stage.CONSIDERING.value)  # interested, not yet acting


@dataclass
class FunnelStep:
    """One fiscal year of the funnel: bodies per stage, and how many of last year's moved up."""

    fiscal_year: int
    counts: dict[str, int]
    moved_up: dict[str, tuple[int, int]] = field(default_factory=dict)  # stage → (moved up, were there)
    barriers: dict[str, Counter[str]] = field(default_factory=dict)  # stage → barrier → reports that year
    partial: bool = False  # the fiscal year under way, up to the as-of date
    not_reported: int = 0  # bodies with no record on the model: 未報告, not counted as 未着手


def funnel(session: Session, model_slug: str, scope: Scope, *, as_of: dt.date) -> list[FunnelStep]:
    """Per fiscal year: bodies at each stage of one model, conversions from the year before, barriers.
    Computed once per model and scope for the facts it reads (every dashboard visit asks again)."""
    model = roadmap.get_model(session, model_slug).slug
    known = fact_store.facts(session, as_of)
    return known.remember(
        ("funnel", model, scope.kind, scope.key), lambda: _funnel(known, model, scope, as_of)
    )


def _funnel(known: fact_store.Facts, model: str, scope: Scope, as_of: dt.date) -> list[FunnelStep]:
    codes = [b.code for b in known.bodies if scope.holds(b.code)]
    reported: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for code, slug, barrier, day in known.barriers:
        if slug == model and scope.holds(code):
            reported[FiscalYear.of(day).year].append((code, barrier))
    steps: list[FunnelStep] = []
    points = [(year, known.stages[year], False) for year in known.years]
    if not known.years or FiscalYear(known.years[-1]).end < as_of:
        points.append((FiscalYear.of(as_of).year, known.current, True))  # the year under way
    for year, stages, partial in points:
        at = {c: stages[(c, model)] for c in codes if (c, model) in stages}
        step = FunnelStep(
            year, dict(Counter(at.values())), partial=partial, not_reported=len(codes) - len(at)
        )
        if steps:
            last = known.stages[steps[-1].fiscal_year]
            before = {c: last[(c, model)] for c in codes if (c, model) in last}
            for stage in LADDER[:-1]:
                there = [c for c, s in before.items() if s == stage.value]
                step.moved_up[stage.value] = (sum(RANK[at[c]] > RANK[stage.value] for c in there), len(there))
        for code, barrier in reported.get(year, []):
            step.barriers.setdefault(at.get(code, NOT_REPORTED), Counter())[barrier] += 1
        steps.append(step)
    return steps


@dataclass
class HeldBack:
    """A body that reported barriers while interested but not acting, and on which models."""

    body: BodyRef
    models: list[str]


def held_back(
    session: Session,
    scope: Scope,
    *,
    as_of: dt.date,
    years: int = 2,
) -> dict[str, list[HeldBack]]:
    """壁 → the bodies it holds back, most models held back first, from the barriers reported in the last
    ``years`` fiscal years by bodies still 関心あり or 検討中 on the model."""
    known = fact_store.facts(session, as_of)
    return known.remember(
        ("needs", scope.kind, scope.key, years), lambda: _held_back(known, scope, as_of, years)
    )


def _held_back(
    known: fact_store.Facts, scope: Scope, as_of: dt.date, years: int
) -> dict[str, list[HeldBack]]:
    since = FiscalYear(FiscalYear.of(as_of).year - years + 1).start
    held: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for code, model, barrier, day in known.barriers:
        if day >= since and scope.holds(code) and known.current.get((code, model)) in STUCK:
            held[barrier][code].add(model)
    by_code = known.by_code
    return {
        barrier: sorted(
            (HeldBack(by_code[c], sorted(m)) for c, m in bodies.items() if c in by_code),
            key=lambda n: (-len(n.models), n.body.code),
        )
        for barrier, bodies in held.items()
    }


@dataclass
class NextModel:
    """A model similar bodies have implemented and this body has not, with those peers to contact."""

    model_slug: str
    peers: list[BodyRef]
    peer_count: int

    @property
    def share(self) -> float:
        return len(self.peers) / self.peer_count if self.peer_count else 0.0


def _implemented(stages: dict[tuple[str, str], str], code: str, models: list[str]) -> set[str]:
    return {m for m in models if stages.get((code, m)) == Stage.IMPLEMENTED.value}


def next_models(
    session: Session,
    body_code: str,
    *,
    as_of: dt.date,
    peers_wanted: int = 20,
) -> tuple[list[BodyRef], list[NextModel]]:
    """(the peers, the models to consider). Peers: same block and same kind of body (prefectures with
    prefectures, designated cities with designated cities, other municipalities together), the most similar
    in the models they have implemented first (Jaccard similarity)."""
    body = registry.get_body(session, body_code)
    known = fact_store.facts(session, as_of)
    models = [m.slug for m in roadmap.list_models(session)]
    mine = _implemented(known.current, body.code, models)

    def group(kind: str) -> str:
        return kind if kind in (BodyKind.PREFECTURE, BodyKind.DESIGNATED_CITY) else "municipality"

    candidates = [
        b
        for b in known.bodies
        if b.block_slug == body.block_slug and b.code != body.code and group(b.kind) == group(body.kind)
    ]

    def similarity(b: BodyRef) -> float:
        theirs = _implemented(known.current, b.code, models)
        union = mine | theirs
        return len(mine & theirs) / len(union) if union else 0.0

    peers = sorted(candidates, key=lambda b: (-similarity(b), b.code))[:peers_wanted]
    found = []
    for model in models:
        if RANK.get(known.current.get((body.code, model), ""), 0) >= RANK[Stage.DEMONSTRATING.value]:
            continue  # already acting on it
        doing = [p for p in peers if model in _implemented(known.current, p.code, models)]
        if len(doing) >= MIN_PEERS or (doing and len(doing) * 3 >= len(peers)):
            found.append(NextModel(model, doing, len(peers)))
    return peers, sorted(found, key=lambda n: (-n.share, n.model_slug))
