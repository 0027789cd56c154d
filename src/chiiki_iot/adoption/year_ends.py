"""The condensed history the figures read (``FiscalYearStage``): per body, model and fiscal year, the last
status change within that year.

Kept incrementally by the transaction that appends to the history: a new change replaces its year's row
only if it comes later (by effective date, then id), the one rule history itself follows. An upsert with
that condition is safe when two transactions touch the same row at once: PostgreSQL re-checks the condition
against the row the other committed, SQLite runs one writer at a time. ``rebuild`` recomputes the whole
table from the history; a property test holds the two equal after any sequence of writes and rollbacks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

from sqlalchemy import Insert, delete, event, exists, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from chiiki_iot.adoption.models import FiscalYearStage, StatusChange
from chiiki_iot.core import bulk
from chiiki_iot.core.fiscal import FiscalYear

CHUNK = 5_000  # rows per statement: bounded parameter lists on both databases
FEW = 1_000  # up to this many rows (an online answer, an import) PostgreSQL takes a plain upsert


class Change(NamedTuple):
    """What the condensed history needs of one status change."""

    id: int
    body_code: str
    model_slug: str
    stage: str
    effective_on: dt.date


Key = tuple[str, str, int]  # (model, body, fiscal year)


def _last_per_year(changes: Iterable[Change]) -> dict[Key, Change]:
    """The last change of each body, model and fiscal year among ``changes``, in any order."""
    last: dict[Key, Change] = {}
    for c in changes:
        key = (c.model_slug, c.body_code, FiscalYear.of(c.effective_on).year)
        kept = last.get(key)
        if kept is None or (c.effective_on, c.id) > (kept.effective_on, kept.id):
            last[key] = c
    return last


def _row(key: Key, c: Change) -> dict[str, object]:
    return {
        "model_slug": key[0],
        "body_code": key[1],
        "fiscal_year": key[2],
        "stage": c.stage,
        "effective_on": c.effective_on,
        "change_id": c.id,
    }


def _upsert(session: Session) -> Insert:
    """INSERT … ON CONFLICT DO UPDATE only when the incoming change is later than the row kept."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return _on_conflict(dialect.insert(FiscalYearStage.__table__))


def _on_conflict(stmt: Any) -> Insert:
    table = FiscalYearStage.__table__
    later = tuple_(stmt.excluded.effective_on, stmt.excluded.change_id) > tuple_(
        table.c.effective_on, table.c.change_id
    )
    return stmt.on_conflict_do_update(
        index_elements=[table.c.model_slug, table.c.body_code, table.c.fiscal_year],
        set_={
            "stage": stmt.excluded.stage,
            "effective_on": stmt.excluded.effective_on,
            "change_id": stmt.excluded.change_id,
        },
        where=later,
    )


def note(session: Session, changes: Iterable[Change]) -> None:
    """Fold newly appended status changes (with their ids) into the condensed history, in the caller's
    transaction: a rollback takes both away together."""
    # In key order, so that two transactions upserting the same rows lock them in the same order.
    rows = [_row(key, c) for key, c in sorted(_last_per_year(changes).items())]
    if not rows:
        return
    if len(rows) > FEW and bulk.on_postgresql(session):  # copied, then one statement (``core.bulk``)
        bulk.upsert_rows(session, FiscalYearStage, rows, _on_conflict)
        return
    stmt = _upsert(session)
    for start in range(0, len(rows), CHUNK):
        session.connection().execute(stmt, rows[start : start + CHUNK])


def note_inserted(session: Session, ids: Iterable[int], rows: Iterable[dict[str, object]]) -> None:
    """``note`` for rows a bulk insert wrote (the ids its statement returned, in the rows' order)."""
    note(
        session,
        (
            Change(i, r["body_code"], r["model_slug"], r["stage"], r["effective_on"])  # type: ignore[arg-type]
            for i, r in zip(ids, rows, strict=True)
        ),
    )


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: object) -> None:
    """Every status change added as an ORM object, whatever the path (the API, pages, imports), is noted
    as it is flushed, ids known; bulk inserts call ``note`` with the ids their statement returned."""
    flushed = [c for c in session.new if isinstance(c, StatusChange)]
    if flushed:
        note(session, (Change(c.id, c.body_code, c.model_slug, c.stage, c.effective_on) for c in flushed))


def rebuild(session: Session) -> int:
    """Recompute the whole condensed history from the status history, oldest first; return its rows.
    On PostgreSQL the history is locked against writers until the rebuild commits: a change committed
    between reading the history and replacing the table would otherwise be lost from it."""
    if bulk.on_postgresql(session):
        session.connection().exec_driver_sql("LOCK TABLE status_changes IN SHARE MODE")
    ordered = select(
        StatusChange.id,
        StatusChange.body_code,
        StatusChange.model_slug,
        StatusChange.stage,
        StatusChange.effective_on,
    ).order_by(StatusChange.effective_on, StatusChange.id)
    rows = session.execute(ordered.execution_options(yield_per=50_000))
    last = _last_per_year(Change(*r) for r in rows)
    session.execute(delete(FiscalYearStage))
    values = [_row(key, c) for key, c in last.items()]
    bulk.insert_rows(session, FiscalYearStage, values)  # COPY on PostgreSQL (a 50× history: 250 K rows)
    return len(values)


def all_rows(session: Session) -> set[tuple[str, str, int, str, dt.date, int]]:
    """The whole condensed history as plain tuples (to compare a rebuild with what the writes kept)."""
    t = FiscalYearStage
    query = select(t.model_slug, t.body_code, t.fiscal_year, t.stage, t.effective_on, t.change_id)
    return {tuple(r) for r in session.execute(query)}  # type: ignore[misc]


def stages_by_year(session: Session, *, until_year: int) -> Iterable[tuple[str, str, str, int]]:
    """(body, model, stage, fiscal year) of every year's last change up to ``until_year``, oldest year first:
    sweeping them gives the stage at each 年度末 from at most one row per body, model and year."""
    t = FiscalYearStage
    query = (
        select(t.body_code, t.model_slug, t.stage, t.fiscal_year)
        .where(t.fiscal_year <= until_year)
        .order_by(t.fiscal_year)
    )
    # Core, not the ORM: plain tuples cost a third less to read, and these are tens of thousands
    return session.connection().execute(query.execution_options(yield_per=50_000))


def changed_after(session: Session, day: dt.date) -> bool:
    """Whether any status took effect after ``day`` within its fiscal year (then the year's last rows do
    not give the stage on ``day`` itself)."""
    t = FiscalYearStage
    return bool(
        session.scalar(select(exists().where(t.fiscal_year == FiscalYear.of(day).year, t.effective_on > day)))
    )
