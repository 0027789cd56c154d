"""Demo data (合成データ): a deterministic, plausible history so every page has something to show.

Five survey rounds FY2016–FY2020 for every prefecture and municipality on every model: each body climbs
the ladder along a saturating adoption curve of its own (larger bodies earlier), some stall between
interest and action and report a barrier, a few stop. A body that reaches 実証中 has a project for it,
and every body reports the KPI input figures of each year (schools, and how many of them a model
reaches, growing with the body's stage). Figures are sized by kind of body and models paced by their count
targets, so that every KPI lands at FY2020 in a believable range of the seed's target (tests/adoption/
test_demo.py holds each sum, ratio and count KPI to 20–150 % of it). Every row is marked synthetic and shown as such; demo data is
only written on a demo site and never into a database that holds real status data.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from sqlalchemy import exists, insert, select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.audit_recorder import record_event
from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption import year_ends
from chiiki_iot.adoption.ladder import LADDER, Barrier, Stage
from chiiki_iot.adoption.models import BarrierReport, InputValue, Project, StatusChange
from chiiki_iot.core import bulk
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.fiscal import FiscalYear
from chiiki_iot.core.settings import get_settings
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.kinds import BodyKind
from chiiki_iot.roadmap import service as roadmap

ROUNDS = (2016, 2017, 2018, 2019, 2020)
SEED = 20170707  # the seed briefing's date: the same history every time


def generate(session: Session, *, principal: Principal) -> int:
    """Write the demo history; return the number of status rows written."""
    authorize(principal, "demo.generate")
    if not get_settings().demo_mode:
        raise InvalidInput(
            "合成データはデモ環境（CHIIKI_DEMO_MODE=true）でのみ作れます。",
            "Synthetic data can only be written on a demo site (CHIIKI_DEMO_MODE=true).",
        )
    if session.scalar(select(exists().where(StatusChange.is_synthetic.is_(False)))):
        raise InvalidInput(
            "実データの実装状況があるため、合成データは書き込みません（混ざらないようにするため）。",
            "This database holds real status data; synthetic data is not mixed into it.",
        )
    if session.scalar(select(exists().where(StatusChange.is_synthetic.is_(True)))):
        return 0  # already there: deterministic, so nothing to add
    bodies = registry.counted_body_records(session)
    models = [m.slug for m in roadmap.list_models(session)]
    names = {m.slug: m.name_ja for m in roadmap.list_models(session)}
    latest = _latest_midpoints(session, bodies)
    inputs = {i.slug: i.kpi.model.slug for i in roadmap.list_kpi_inputs(session)}
    now = dt.datetime.now(dt.UTC)
    statuses: list[dict[str, object]] = []
    barriers: list[dict[str, object]] = []
    projects: list[dict[str, object]] = []
    figures: list[dict[str, object]] = []
    for body in bodies:
        paths = {}
        for slug in models:
            rng = random.Random(f"{SEED}:{body.code}:{slug}")
            paths[slug] = _history(
                rng, body, slug, latest.get(slug, LATEST_MIDPOINT), now, statuses, barriers
            )
            projects.extend(_project(rng, body, slug, paths[slug], names[slug]))
        figures.extend(_figures(random.Random(f"{SEED}:{body.code}:figures"), body, inputs, paths, now))
    for table, rows in (
        (StatusChange, statuses),
        (InputValue, figures),
        (BarrierReport, barriers),
        (Project, projects),
    ):
        for chunk in range(0, len(rows), 20_000):
            part = rows[chunk : chunk + 20_000]
            if table is StatusChange:
                ids = bulk.insert_rows(session, StatusChange, part, ids=True)
                year_ends.note_inserted(session, ids, part)
            else:
                session.execute(insert(table), part)
    record_event(
        session,
        action="demo-data",
        entity="status_changes",
        entity_key="*",
        note=f"{len(statuses)} synthetic status rows, {len(barriers)} synthetic barriers, "
        f"{len(projects)} synthetic projects, {len(figures)} synthetic figures",
    )
    return len(statuses)


LATEST_MIDPOINT = 2026.0  # a model without a count target: about a sixth of bodies 実装済 by FY2020
STALLS = 0.25  # the share of bodies that stall between interest and action
REACH_AIM = 0.8  # a count KPI's demo value lands near this share of its target in its target year


def _latest_midpoints(session: Session, bodies: list[registry.Body]) -> dict[str, float]:
    """Per model, the latest midpoint of its bodies' adoption curves, so that each count KPI (bodies at a
    stage) reaches about REACH_AIM of its target in its target year: 100 sharing-economy bodies, not 300;
    all prefectures on Lアラート by FY2018. A body is 実装済 in year T when its midpoint is before T − ln 4/1.1."""
    latest: dict[str, float] = {}
    for kpi in roadmap.list_kpis(session):
        spec = kpi.measure or {}
        if spec.get("method") != "bodies-at-stage" or not kpi.target_value:
            continue
        kinds = spec.get("kinds") or ["prefecture", "municipality"]
        eligible = sum(
            1 for b in bodies if ("prefecture" if b.kind == BodyKind.PREFECTURE else "municipality") in kinds
        )
        reach = min(1.0, REACH_AIM * kpi.target_value / max(eligible, 1) / (1 - STALLS))
        last_start = kpi.target_fiscal_year - math.log(4) / 1.1
        bound = 2016.5 + (last_start - 2016.5) / reach if reach > 0 else LATEST_MIDPOINT
        for slug in spec.get("models", []):
            latest[slug] = min(latest.get(slug, bound), bound)
    return latest


def _history(
    rng: random.Random,
    body: registry.Body,
    slug: str,
    latest_midpoint: float,
    now: dt.datetime,
    statuses: list[dict[str, object]],
    barriers: list[dict[str, object]],
) -> dict[int, Stage]:
    """One body's path on one model: a logistic curve with a body- and model-specific midpoint.
    Returns the stage in force at each round's fiscal-year end."""
    path: dict[int, Stage] = {}
    eagerness = 1.4 if body.kind in (BodyKind.PREFECTURE, BodyKind.DESIGNATED_CITY) else 1.0
    midpoint = rng.uniform(2016.5, max(latest_midpoint, 2016.6)) - (eagerness - 1) * 3
    stalls = rng.random() < STALLS  # stuck between interest and action (the seed's gap)
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
            statuses.append(
                {
                    "body_code": body.code,
                    "model_slug": slug,
                    "stage": stage.value,
                    "effective_on": day,
                    "source_kind": "demo",
                    "source_ref": f"demo-fy{year}",
                    "evidence": {},
                    "recorded_at": now,
                    "recorded_by": "demo",
                    "is_synthetic": True,
                }
            )
            if stage in (Stage.INTERESTED, Stage.CONSIDERING):
                barrier = rng.choice(list(Barrier)[:4])
                barriers.append(
                    {
                        "body_code": body.code,
                        "model_slug": slug,
                        "barrier": barrier.value,
                        "other_text": "",
                        "reported_on": day,
                        "source_kind": "demo",
                        "source_ref": f"demo-fy{year}",
                        "recorded_by": "demo",
                        "is_synthetic": True,
                    }
                )
        path[year] = stage
        if stage == Stage.STOPPED:
            break
        stage_before = level
    return path


VENDORS = (
    "（合成）サンプル情報システム株式会社",
    "（合成）地域ネットワーク株式会社",
    "（合成）スマート農業研究所",
)


def _project(
    rng: random.Random, body: registry.Body, slug: str, path: dict[int, Stage], name: str
) -> list[dict[str, object]]:
    """A project from the year the body first reached 実証中 (none if it never did)."""
    started = next(
        (year for year, stage in path.items() if stage in (Stage.DEMONSTRATING, Stage.IMPLEMENTED)), None
    )
    if started is None:
        return []
    return [
        {
            "body_code": body.code,
            "name": f"（合成）{name}事業 {started}年度",
            "model_slugs": [slug],
            "starts_on": dt.date(started, 4, 1),
            "ends_on": FiscalYear(started + 2).end,
            "budget_yen": rng.randrange(2, 200) * 1_000_000,
            "funding": rng.choice(("national-subsidy", "own", "other")),
            "vendors": [rng.choice(VENDORS)],
            "partner_codes": [],
            "outcome": "",
            "is_synthetic": True,
        }
    ]


# Rough sizes by kind of body, so that national sums are of the order the seed's targets imply: about
# 35,000 schools (municipal elementary and junior high schools, prefectural high schools), about 30,000
# Wi-Fi sites at disaster-prevention points, 300,000 PHR users and 100 ふるさとテレワーク sites by FY2020.
# (low, high) per body; a kind not listed is sized like a town.
SIZES: dict[str, dict[BodyKind, tuple[int, int]]] = {
    "schools": {
        BodyKind.PREFECTURE: (30, 120),
        BodyKind.DESIGNATED_CITY: (120, 380),
        BodyKind.SPECIAL_WARD: (35, 90),
        BodyKind.CITY: (10, 40),
        BodyKind.TOWN: (3, 12),
        BodyKind.VILLAGE: (1, 4),
    },
    "wifi-points": {
        BodyKind.PREFECTURE: (15, 80),
        BodyKind.DESIGNATED_CITY: (200, 600),
        BodyKind.SPECIAL_WARD: (60, 160),
        BodyKind.CITY: (25, 90),
        BodyKind.TOWN: (6, 22),
        BodyKind.VILLAGE: (3, 9),
    },
    "phr-users": {
        BodyKind.PREFECTURE: (1_000, 8_000),
        BodyKind.DESIGNATED_CITY: (5_000, 25_000),
        BodyKind.SPECIAL_WARD: (1_000, 6_000),
        BodyKind.CITY: (250, 1_600),
        BodyKind.TOWN: (50, 400),
        BodyKind.VILLAGE: (10, 100),
    },
}
# Share of a body's size that a model reaches, by the body's stage on it. "Coverage" figures (schools able
# to use cloud materials, Wi-Fi sites) exist a little even before the body's own project, through national
# or prefectural services; "service" figures (PHR users, telework sites) only once a service runs.
COVERAGE = {
    Stage.NOT_STARTED: (0.05, 0.25),
    Stage.INTERESTED: (0.1, 0.35),
    Stage.CONSIDERING: (0.2, 0.45),
    Stage.DEMONSTRATING: (0.4, 0.7),
    Stage.IMPLEMENTED: (0.75, 1.0),
    Stage.STOPPED: (0.05, 0.25),
}
SERVICE = {Stage.DEMONSTRATING: (0.2, 0.5), Stage.IMPLEMENTED: (0.6, 1.0)}
# input slug → (size, what it counts, share by stage). Unknown inputs (a later revision's) get a small
# coverage-like figure so every KPI has a series.
PROFILES: dict[str, tuple[str, dict[Stage, tuple[float, float]]]] = {
    "schools-total": ("schools", {}),
    "schools-cloud-ready": ("schools", COVERAGE),
    "schools-programming-ready": ("schools", COVERAGE),
    "wifi-disaster-sites": ("wifi-points", COVERAGE),
    "phr-users-count": ("phr-users", SERVICE),
}
TELEWORK_HOSTS = 0.2  # of the bodies running telework, the share that hosts a ふるさとテレワーク site


def _figures(
    rng: random.Random,
    body: registry.Body,
    inputs: dict[str, str],
    paths: dict[str, dict[int, Stage]],
    now: dt.datetime,
) -> list[dict[str, object]]:
    """Each year's KPI input figures: sizes that stay put and counts that grow with the model's stage.

    Each body keeps one position (a quantile) inside each stage's range, so its figures rise with its
    stage and never wobble from year to year."""
    sizes = {
        name: rng.randint(*by_kind.get(BodyKind(body.kind), by_kind[BodyKind.TOWN]))
        for name, by_kind in SIZES.items()
    }
    quantiles = {slug: rng.random() for slug in inputs}
    rows = []
    for year in ROUNDS:
        for slug, model in inputs.items():
            stage = paths.get(model, {}).get(year, Stage.NOT_STARTED)
            rows.append(
                {
                    "body_code": body.code,
                    "input_slug": slug,
                    "fiscal_year": year,
                    "value": _figure(slug, stage, sizes, quantiles[slug]),
                    "source_kind": "demo",
                    "source_ref": f"demo-fy{year}",
                    "recorded_at": now,
                    "recorded_by": "demo",
                    "is_synthetic": True,
                }
            )
    return rows


def _figure(slug: str, stage: Stage, sizes: dict[str, int], quantile: float) -> int:
    if slug == "telework-facilities":  # a site is hosted by a few of the bodies that run telework
        return int(quantile < TELEWORK_HOSTS and stage in (Stage.DEMONSTRATING, Stage.IMPLEMENTED))
    size, shares = PROFILES.get(slug, ("schools", COVERAGE))
    if not shares:
        return sizes[size]
    low, high = shares.get(stage, (0.0, 0.0))
    return round(sizes[size] * (low + (high - low) * quantile))
