"""Read schemas of the network's API: what other domains and clients see of members, needs and solutions."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from chiiki_iot.network.matching import Ranked
from chiiki_iot.network.members import MemberRow
from chiiki_iot.network.models import Need, Solution


class MemberRead(BaseModel):
    id: int
    name: str
    kind: str
    block: str
    body_code: str
    organisation: str
    founder: bool
    interests: list[str]

    @classmethod
    def of(cls, m: MemberRow) -> MemberRead:
        return cls(
            id=m.id,
            name=m.name,
            kind=m.kind,
            block=m.block_slug,
            body_code=m.body_code,
            organisation=m.organisation_slug,
            founder=m.founder,
            interests=m.interests,
        )


class NeedRead(BaseModel):
    id: int
    round_id: int | None
    body_code: str
    title: str
    description: str
    models: list[str]
    barriers: list[str]
    budget_yen: int | None
    timing: str
    status: str
    published_at: dt.datetime | None

    @classmethod
    def of(cls, n: Need) -> NeedRead:
        return cls(
            id=n.id,
            round_id=n.round_id,
            body_code=n.body_code,
            title=n.title,
            description=n.description,
            models=list(n.model_slugs or []),
            barriers=list(n.barriers or []),
            budget_yen=n.budget_yen,
            timing=n.timing,
            status=n.status,
            published_at=n.published_at,
        )


class SolutionRead(BaseModel):
    id: int
    organisation: str
    title: str
    description: str
    models: list[str]
    regions: list[str]
    price_min_yen: int | None
    price_max_yen: int | None
    track_record: str
    version: int

    @classmethod
    def of(cls, s: Solution) -> SolutionRead:
        return cls(
            id=s.id,
            organisation=s.organisation_slug,
            title=s.title,
            description=s.description,
            models=list(s.model_slugs or []),
            regions=list(s.regions or []),
            price_min_yen=s.price_min_yen,
            price_max_yen=s.price_max_yen,
            track_record=s.track_record,
            version=s.version,
        )


class RankedSolutionRead(BaseModel):
    solution: SolutionRead
    score: float
    reasons_ja: list[str]
    reasons_en: list[str]

    @classmethod
    def of(cls, s: Solution, r: Ranked) -> RankedSolutionRead:
        return cls(
            solution=SolutionRead.of(s),
            score=r.score,
            reasons_ja=[x.ja for x in r.reasons],
            reasons_en=[x.en for x in r.reasons],
        )
