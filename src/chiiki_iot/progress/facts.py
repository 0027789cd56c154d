"""The facts the KPI engine works on, read once and cached: the stage of every body on every model at each
fiscal-year end (年度末), the figures reported for each fiscal year, and the barriers reported.

The stages are read from the condensed history (``adoption.year_ends``: the last status of each body,
model and fiscal year, kept by the writes), so their cost follows 1,788 bodies × 23 models × the years,
not the length of history; only an as-of date inside a year with later changes seeks the stage on that day.

The result is cached per process and keyed on the figures' data version in the database
(``core.data_versions``), which the transaction of every change that can move a figure raises: every
server process sees a write on its next request, and a request that fails or only reads (a 404 from
anyone) no longer throws the cache away.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chiiki_iot.adoption import service as adoption
from chiiki_iot.core import data_versions, memory
from chiiki_iot.core.db import session_scope
from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.fiscal import JAPAN, FiscalYear, today_in_japan
from chiiki_iot.core.settings import get_settings
from chiiki_iot.progress.models import NationalFigure
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.service import BodyRef
from chiiki_iot.roadmap import service as roadmap

BASE_FISCAL_YEAR = 2016  # the first round the roadmap counts from (its plans start in FY2016)


@dataclass(frozen=True)
class FactsLabel:
    synthetic: bool
    computed_at: dt.datetime | None


@dataclass
class Facts:
    """Everything the engine needs as of one date."""

    as_of: dt.date
    bodies: list[BodyRef]
    years: list[int]  # fiscal years whose 年度末 is on or before as_of, from the base year
    stages: dict[int, dict[tuple[str, str], str]]  # fiscal year → (body, model) → stage at its 年度末
    current: dict[tuple[str, str], str]  # (body, model) → stage on as_of
    # fy → (body, input) → the figure in force at that year's end: each body's newest report for that year or
    # an earlier one, carried forward until it reports again (as statistical offices do), so one early answer
    # changes a sum by that body's own contribution only
    figures: dict[int, dict[tuple[str, str], adoption.ReportedFigure]] = field(default_factory=dict)
    barriers: list[tuple[str, str, str, dt.date]] = field(default_factory=list)
    synthetic: bool = False  # demo data is among the facts: every page and response says so
    unapproved: frozenset[tuple[str, str]] = frozenset()  # (body, model) whose stage on as_of awaits approval
    version: str = ""  # changes whenever the facts do (for chart caches)
    computed_at: dt.datetime | None = None  # when, in Japan time: pages say how fresh their figures are
    memo: dict[object, object] = field(default_factory=dict)  # results derived from these facts alone

    memo_lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def remember(self, key: object, compute):
        """A value derived only from these facts, computed once (facts never change once read), also when
        several requests ask at once: eight visitors after a write each derived every figure again and
        waited seven times as long as one alone. Derivations are mostly CPU work under one interpreter lock,
        so taking turns costs little (a few read the roadmap or the registry with the caller's session,
        which already holds its connection); the lock is reentrant because derivations build on each
        other."""
        if key in self.memo:
            return self.memo[key]
        with self.memo_lock:
            if key not in self.memo:
                self.memo[key] = compute()
            return self.memo[key]

    @property
    def label(self) -> FactsLabel:
        """What a page says about the figures it shows, without the facts themselves: a rendered template's
        context lives on in reference cycles (its macros) until the next full collection, and one holding
        the facts kept each replaced set alive — 40–60 MB a write at 50× history."""
        return FactsLabel(self.synthetic, self.computed_at)

    @property
    def by_code(self) -> dict[str, BodyRef]:
        return {b.code: b for b in self.bodies}


FIGURES = "figures"
"""The data version (``core.data_versions``) every figure is computed from."""

_lock = threading.Lock()
Version = tuple[int, int]
_cache: OrderedDict[tuple[str, dt.date], tuple[Version, Facts]] = OrderedDict()
_filled = 0  # computations kept (under ``_lock``)
memory.report_cache("figures (facts by date)", lambda: len(_cache), fills=lambda: _filled)
_computing: dict[tuple[str, dt.date], threading.Lock] = {}  # one computation at a time per place
_refreshing: set[tuple[str, dt.date]] = set()
_refreshed: dict[tuple[str, dt.date], float] = {}  # when each place's last background computation ended
_warming: ContextVar[Facts | None] = ContextVar("warming", default=None)
_warmers: list[Callable[[Session, Facts], None]] = []
logger = logging.getLogger(__name__)
CACHE_SIZE = 8
"""Dates kept (today, and a few 年度末 asked for): one version each, the newest; older ones are never read
again once a newer one exists."""


def _changes_facts(record: object) -> bool:
    """Whether a written record can change a figure: national figures here, bodies and adoption's records as
    their domains say (a survey answer only when it is approved or stops being so, not its drafts)."""
    return (
        isinstance(record, NationalFigure)
        or adoption.changes_figures(record)
        or registry.changes_bodies(record)
    )


data_versions.watch(
    FIGURES,
    _changes_facts,
    tables=(NationalFigure.__tablename__, *adoption.FIGURE_TABLES, *registry.BODY_TABLES),
)


def warm_with(warmer: Callable[[Session, Facts], None]) -> None:
    """Register what to derive from facts computed in the background before they are handed to readers:
    the figures the busiest page shows. Derived on first use instead, they cost the first visitor after
    each refresh 0.4 s at 50× history; while a warmer runs, ``facts()`` for that date returns the facts
    being warmed."""
    if warmer not in _warmers:
        _warmers.append(warmer)


def page_version(session: Session, as_of: dt.date) -> str:
    """What a progress page shown to someone not signed in depends on besides its address: the facts it
    will show (their computation, which may still be the previous one while the next is under way), the
    roadmap and the day (pages default to today)."""
    return f"{facts(session, as_of).version}.{today_in_japan()}"


def clear() -> None:
    """Forget every cached fact (tests that roll back their writes, and with them the version, call this)."""
    with _lock:
        _cache.clear()
        _refreshed.clear()


EARLIEST = dt.date(BASE_FISCAL_YEAR, 4, 1)


def check_as_of(day: dt.date) -> None:
    """Progress is asked between the roadmap's first fiscal year and a year ahead; anything else is a typo
    (and would cost a computation of every figure for nothing)."""
    latest = today_in_japan() + dt.timedelta(days=366)
    if not EARLIEST <= day <= latest:
        raise InvalidInput(
            f"基準日は {EARLIEST:%Y年%m月%d日} から {latest:%Y年%m月%d日} までの日付にしてください。",
            f"The as-of date must be between {EARLIEST} and {latest}.",
        )


def facts(session: Session, as_of: dt.date) -> Facts:
    """The facts as of a date: computed once per data version and date, in this process, however many
    requests ask at the same moment (the others wait for the one computation instead of each starting
    their own); what a session with uncommitted changes computes is its own and never kept.

    When the figures have changed since the facts kept for this date were computed, the setting
    ``figures_refresh_in_background`` is on (the server's default) and the reader may see the previous
    figures (``data_versions.previous_allowed``: anyone but whoever has just changed something, and API
    tokens), the kept facts are served at once and the new ones computed in the background: at a survey
    deadline, when answers arrive every second, readers then never queue behind a recomputation. Pages say when their figures were computed
    (``computed_at``); a change shows within the seconds one computation takes."""
    check_as_of(as_of)
    warming = _warming.get()
    if warming is not None and warming.as_of == as_of:
        return warming
    session.flush()  # pending writes mark the session as having uncommitted changes
    version = _version(session)
    if data_versions.pending(session, FIGURES) or data_versions.pending(session, roadmap.ROADMAP):
        return _computed(session, as_of, version)
    place = (str(session.get_bind().engine.url), as_of)
    kept = _kept(place, version)
    if kept is not None:
        return kept
    older = _kept_older(place, version)
    if (
        older is not None
        and data_versions.previous_allowed.get()
        and get_settings().figures_refresh_in_background
    ):
        _refresh_in_background(place, as_of)
        return older
    computed = _compute_once(session, place, as_of, version)
    assert computed is not None  # a reader waits its turn; only the background refresh gives up
    return computed


def _version(session: Session) -> Version:
    """The figures' version and the roadmap's (the facts read the roadmap's models)."""
    return (data_versions.current(session, FIGURES), roadmap.version(session))


def _compute_once(
    session: Session, place: tuple[str, dt.date], as_of: dt.date, version: Version, *, warm: bool = False
) -> Facts | None:
    """The facts of ``version`` (or newer) for ``place``, computed at most once at a time per place: a
    computation of one version running beside another's held three sets of facts at once and took a server
    at 50× history past 500 MB. Those who wait take what the computation before them kept if it is as new
    as theirs. A background refresh (``warm``) does not wait: when a computation is already under way it
    leaves (returns None), since that one keeps facts at least as new."""
    global _filled
    with _lock:
        computing = _computing.setdefault(place, threading.Lock())
    if not computing.acquire(blocking=not warm):
        return None
    try:
        kept = _kept_since(place, version)
        if kept is None:
            kept = _computed(session, as_of, version)
            if warm:
                _warm(session, kept)
            with _lock:
                _filled += 1
                if place not in _cache or _cache[place][0] < version:
                    _cache[place] = (version, kept)
                _cache.move_to_end(place)
                while len(_cache) > CACHE_SIZE:
                    _cache.popitem(last=False)
            memory.release_freed_memory()  # the facts replaced, freed in many small pieces
    finally:
        computing.release()
    return kept


def _refresh_in_background(place: tuple[str, dt.date], as_of: dt.date) -> None:
    """Compute the newest facts for ``place`` in a thread of its own (one at a time per place, and not
    sooner than ``figures_refresh_spacing_seconds`` after the last ended: at a deadline, with an answer
    every second, back-to-back computations took half the process's time from the answers themselves),
    in a read-only unit of work of its own; a failure leaves the kept facts in place for the next try."""
    with _lock:
        spacing = get_settings().figures_refresh_spacing_seconds
        if place in _refreshing or time.monotonic() - _refreshed.get(place, -spacing) < spacing:
            return
        _refreshing.add(place)

    def refresh() -> None:
        try:
            for session in session_scope(write=False):
                _compute_once(session, place, as_of, _version(session), warm=True)
        except Exception:  # logged; readers keep the facts they have and the next request tries again
            logger.exception("background refresh of the figures failed")
        finally:
            with _lock:
                _refreshing.discard(place)
                _refreshed[place] = time.monotonic()

    threading.Thread(target=refresh, name="figures-refresh", daemon=True).start()


def _warm(session: Session, facts: Facts) -> None:
    token = _warming.set(facts)
    try:
        for warmer in _warmers:
            warmer(session, facts)
    except Exception:  # a figure that fails here fails again, with its own message, for the reader
        logger.exception("warming the figures failed")
    finally:
        _warming.reset(token)


def _kept_older(place: tuple[str, dt.date], version: Version) -> Facts | None:
    with _lock:
        found = _cache.get(place)
        return found[1] if found is not None and found[0] < version else None


def _kept_since(place: tuple[str, dt.date], version: Version) -> Facts | None:
    """The kept facts if they are of ``version`` or newer (a computation finished while one waited)."""
    with _lock:
        found = _cache.get(place)
        return found[1] if found is not None and found[0] >= version else None


def _kept(place: tuple[str, dt.date], version: Version) -> Facts | None:
    with _lock:
        found = _cache.get(place)
        if found is None or found[0] != version:
            return None
        _cache.move_to_end(place)
        return found[1]


_computations = itertools.count(1)


def _computed(session: Session, as_of: dt.date, version: Version) -> Facts:
    """Facts read now, labelled with the data version and a number of this computation: renders cached
    by label (charts) then never mix two computations, even of a version a rollback made twice."""
    with memory.collection_paused():  # a large, acyclic result: the collector only slowed it down
        result = _read(session, as_of)
    result.version = f"{version[0]}-{version[1]}.{next(_computations)}"
    result.computed_at = dt.datetime.now(JAPAN)
    return result


def _read(session: Session, as_of: dt.date) -> Facts:
    years = [y for y in range(BASE_FISCAL_YEAR, as_of.year + 1) if FiscalYear(y).end <= as_of]
    bodies = registry.counted_bodies(session)
    stages, current = _year_ends(session, as_of, years)
    if adoption.changed_after(session, as_of):  # a date inside a past year: seek the stage on that day
        models = [m.slug for m in roadmap.list_models(session)]
        current = adoption.stages_on(session, day=as_of, model_slugs=models)
    figures = carried_forward(
        adoption.reported_figures(session, until_year=FiscalYear.of(as_of).year),
        range(BASE_FISCAL_YEAR, FiscalYear.of(as_of).year + 1),
    )
    return Facts(
        as_of,
        bodies,
        years,
        stages,
        current,
        figures,
        [tuple(r) for r in adoption.barrier_rows(session, until=as_of)],
        synthetic=adoption.has_synthetic_data(session),
        unapproved=adoption.unapproved_stages(session, as_of=as_of),
    )


def carried_forward(
    reports: list[adoption.ReportedFigure],
    years: range,
) -> dict[int, dict[tuple[str, str], adoption.ReportedFigure]]:
    """year → (body, input) → the newest figure reported for that year or before (reports oldest year first)."""
    out: dict[int, dict[tuple[str, str], adoption.ReportedFigure]] = {}
    state: dict[tuple[str, str], adoption.ReportedFigure] = {}
    pending = iter(reports)
    nxt = next(pending, None)
    for year in years:
        while nxt is not None and nxt.fiscal_year <= year:
            state[(nxt.body_code, nxt.input_slug)] = nxt
            nxt = next(pending, None)
        out[year] = dict(state)
    return out


def _year_ends(
    session: Session,
    as_of: dt.date,
    years: list[int],
) -> tuple[dict[int, dict[tuple[str, str], str]], dict[tuple[str, str], str]]:
    """The stage at each 年度末 and the newest stage up to ``as_of``'s fiscal year, in one pass through the
    condensed history (at most one row per body, model and year, however long the history is)."""
    stages: dict[int, dict[tuple[str, str], str]] = {}
    state: dict[tuple[str, str], str] = {}
    pending = list(years)
    for code, model, stage, year in adoption.stages_by_year(session, until_year=FiscalYear.of(as_of).year):
        while pending and year > pending[0]:
            stages[pending.pop(0)] = dict(state)
        state[(code, model)] = stage
    for year in pending:
        stages[year] = dict(state)
    return stages, state
