"""Demo data (合成データ): a deterministic, plausible history so every page has something to show.

Five survey rounds FY2016–FY2020 for every prefecture and municipality on every model: each body climbs
the ladder along a saturating adoption curve of its own (larger bodies earlier), some stall between
interest and action and report a barrier, a few stop. Every row is marked synthetic and shown as such;
demo data is only written on a demo site and never into a database that holds real status data.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.audit import record_event
from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption.ladder import LADDER, Barrier, Stage
from chiiki_iot.adoption.models import BarrierReport, StatusChange
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.fiscal import FiscalYear
from chiiki_iot.core.settings import get_settings
from chiiki_iot.registry.models import MUNICIPAL_KINDS, Body, BodyKind
from chiiki_iot.roadmap import service as roadmap

ROUNDS = (2016, 2017, 2018, 2019, 2020)
SEED = 20170707  # the seed briefing's date: the same history every time


def generate(session: Session, *, principal: Principal) -> int:
    """Write the demo history; return the number of status rows written."""
    authorize(principal, "users.manage")
    if not get_settings().demo_mode:
        raise InvalidInput("合成データはデモ環境（CHIIKI_DEMO_MODE=true）でのみ作れます。",
                           "Synthetic data can only be written on a demo site (CHIIKI_DEMO_MODE=true).")
    if session.scalar(select(exists().where(StatusChange.is_synthetic.is_(False)))):
        raise InvalidInput("実データの実装状況があるため、合成データは書き込みません（混ざらないようにするため）。",
                           "This database holds real status data; synthetic data is not mixed into it.")
    if session.scalar(select(exists().where(StatusChange.is_synthetic.is_(True)))):
        return 0  # already there: deterministic, so nothing to add
    bodies = list(session.scalars(select(Body).where(Body.kind.in_([*MUNICIPAL_KINDS, BodyKind.PREFECTURE]))))
    models = [m.slug for m in roadmap.list_models(session)]
    now = dt.datetime.now(dt.UTC)
    statuses: list[dict[str, object]] = []
    barriers: list[dict[str, object]] = []
    for body in bodies:
        for slug in models:
            rng = random.Random(f"{SEED}:{body.code}:{slug}")
            _history(rng, body, slug, now, statuses, barriers)
    for chunk in range(0, len(statuses), 20_000):
        session.execute(insert(StatusChange), statuses[chunk:chunk + 20_000])
    if barriers:
        session.execute(insert(BarrierReport), barriers)
    record_event(session, action="demo-data", entity="status_changes", entity_key="*",
                 note=f"{len(statuses)} synthetic status rows, {len(barriers)} synthetic barriers")
    return len(statuses)


def _history(rng: random.Random, body: Body, slug: str, now: dt.datetime, statuses: list[dict[str, object]],
             barriers: list[dict[str, object]]) -> None:
    """One body's path on one model: a logistic curve with a body- and model-specific midpoint."""
    eagerness = 1.4 if body.kind in (BodyKind.PREFECTURE, BodyKind.DESIGNATED_CITY) else 1.0
    midpoint = rng.uniform(2016.5, 2026) - (eagerness - 1) * 3
    stalls = rng.random() < 0.25  # stuck between interest and action (the seed's gap)
    stage_before = -1
    for year in ROUNDS:
        progress = 1 / (1 + math.exp(-(year - midpoint) * 1.1))
        level = min(len(LADDER) - 1, int(progress * len(LADDER)))
        if stalls:
            level = min(level, 2)
        level = max(level, stage_before)  # bodies rarely step back; a few stop below
        stage = LADDER[level]
        if level >= 3 and rng.random() < 0.02:
            stage = Stage.STOPPED
        if level != stage_before or stage == Stage.STOPPED:
            day = FiscalYear(year).end
            statuses.append({"body_code": body.code, "model_slug": slug, "stage": stage.value, "effective_on": day,
                             "source_kind": "demo", "source_ref": f"demo-fy{year}", "evidence": {},
                             "recorded_at": now, "recorded_by": "demo", "is_synthetic": True})
            if stage in (Stage.INTERESTED, Stage.CONSIDERING):
                barrier = rng.choice(list(Barrier)[:4])
                barriers.append({"body_code": body.code, "model_slug": slug, "barrier": barrier.value,
                                 "other_text": "", "reported_on": day, "source_kind": "demo",
                                 "source_ref": f"demo-fy{year}", "recorded_by": "demo", "is_synthetic": True})
        if stage == Stage.STOPPED:
            break
        stage_before = level
