"""Ranked solutions for a need and ranked needs for a solution, from the database, with the scorer of
``network.matching``. The solution index is built once per version of the catalogue and kept per process
(data version ``network.solutions``, raised by the transaction that changes a solution, so every worker
rebuilds after any worker's write)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.adoption import projects as adoption_projects
from chiiki_iot.core import data_versions, memory
from chiiki_iot.network.matching import NeedCard, Ranked, SolutionCard, SolutionIndex
from chiiki_iot.network.models import Need, Solution
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.service import neighbour_blocks

CATALOGUE = "network.solutions"
data_versions.watch(CATALOGUE, lambda record: isinstance(record, Solution), tables=("hub_solutions",))

_lock = threading.Lock()
_cached: tuple[int, SolutionIndex] | None = None
memory.report_cache("network solution index (solutions)", lambda: len(_cached[1]) if _cached else 0)


def _track_records(session: Session, solutions: list[Solution]) -> dict[int, Counter[str]]:
    """Each solution's linked projects, counted by the block of the body that ran them."""
    wanted = {pid for s in solutions for pid in s.project_ids or []}
    if not wanted:
        return {}
    blocks = adoption_projects.project_blocks(session, sorted(wanted))
    return {
        s.id: Counter(blocks[p] for p in s.project_ids or [] if p in blocks)
        for s in solutions
        if s.project_ids
    }


def card_of(solution: Solution, track: Counter[str] | None = None) -> SolutionCard:
    price = None
    if solution.price_min_yen is not None or solution.price_max_yen is not None:
        low = solution.price_min_yen if solution.price_min_yen is not None else 0
        price = (low, solution.price_max_yen if solution.price_max_yen is not None else low)
    return SolutionCard(
        key=str(solution.id),
        organisation=solution.organisation_slug,
        title=solution.title,
        description=solution.description,
        models=tuple(solution.model_slugs or ()),
        regions=tuple(solution.regions or ()),
        price_yen=price,
        track_record=dict(track or {}),
    )


def need_card(session: Session, need: Need) -> NeedCard:
    body = registry.get_body(session, need.body_code)
    return NeedCard(
        title=need.title,
        description=need.description,
        models=tuple(need.model_slugs or ()),
        budget_yen=need.budget_yen,
        body_code=body.code,
        prefecture_code=body.prefecture_code,
        block_slug=body.block_slug,
        neighbour_blocks=neighbour_blocks(body.block_slug),
    )


def solution_index(session: Session) -> SolutionIndex:
    """The index of active solutions, rebuilt when the catalogue's version moved (or, inside a transaction
    that changed it, built for that transaction alone and not kept). It holds plain cards, no ORM rows."""
    global _cached
    if data_versions.pending(session, CATALOGUE):
        return _build(session)
    version = data_versions.current(session, CATALOGUE)
    with _lock:
        if _cached is None or _cached[0] != version:
            _cached = (version, _build(session))
        return _cached[1]


def _build(session: Session) -> SolutionIndex:
    rows = list(session.scalars(select(Solution).where(Solution.active.is_(True)).order_by(Solution.id)))
    tracks = _track_records(session, rows)
    return SolutionIndex([card_of(s, tracks.get(s.id)) for s in rows])


@dataclass(frozen=True)
class RankedSolution:
    solution: Solution
    ranked: Ranked


def solutions_for_need(session: Session, need: Need, *, limit: int = 10) -> list[RankedSolution]:
    ranked = solution_index(session).rank(need_card(session, need), limit=limit)
    rows = {
        s.id: s
        for s in session.scalars(select(Solution).where(Solution.id.in_([int(r.key) for r in ranked])))
    }
    return [RankedSolution(rows[int(r.key)], r) for r in ranked if int(r.key) in rows]


@dataclass(frozen=True)
class RankedNeed:
    need: Need
    ranked: Ranked


def needs_for_solution(
    session: Session, solution: Solution, needs: list[Need], *, limit: int = 10
) -> list[RankedNeed]:
    """Open needs for one solution: each need ranks the catalogue as the site does, and the solution's own
    score and reasons for that need are kept (the same figure the body sees)."""
    index = solution_index(session)
    position = next((i for i, s in enumerate(index.solutions) if s.key == str(solution.id)), None)
    if position is None:
        return []
    scored = [RankedNeed(n, index.score_one(need_card(session, n), position)) for n in needs]
    return sorted(scored, key=lambda r: -r.ranked.score)[:limit]
