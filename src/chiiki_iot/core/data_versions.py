"""Data versions: one counter per dataset in the database, raised by the transaction that changes it.

A domain declares what changes a dataset (``watch``): records written through the ORM, judged one by one
(an approved survey answer changes figures, a draft does not), and tables written in bulk. At each flush
that writes such a record, and at each bulk write to such a table, the dataset is marked changed; when the
transaction commits, its counter is raised with one UPDATE as the last statement — so the new version
becomes visible exactly when the change does, to every process, and never exists if the transaction rolls
back. A request that fails, or only reads, changes nothing.

A session with uncommitted changes to a dataset computes from data no one else sees: ``pending`` says so
(until the whole transaction ends, savepoints included), and caches must not keep what it computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from chiiki_iot.core.models import DataVersion

_PENDING = "chiiki_data_versions_pending"
_RAISED = "chiiki_data_versions_raised"
_SEEN = "chiiki_data_versions_seen"  # what ``current`` read in this transaction

previous_allowed: ContextVar[bool] = ContextVar("previous_allowed", default=False)
"""Set for a request whose reader may be shown data computed from the previous version while the newest is
computed (``web.page_cache``: a visitor not signed in, or signed in but with no change of their own in the
last minutes). Someone who has just changed something, and any API token, always gets figures of the newest
version."""


@dataclass
class _Watch:
    changes: list[Callable[[object], bool]] = field(default_factory=list)
    tables: set[str] = field(default_factory=set)


_watches: dict[str, _Watch] = {}


def watch(name: str, changes: Callable[[object], bool], *, tables: Iterable[str] = ()) -> None:
    """Raise dataset ``name`` whenever a flushed record satisfies ``changes`` or a bulk statement writes one
    of ``tables``."""
    entry = _watches.setdefault(name, _Watch())
    entry.changes.append(changes)
    entry.tables.update(tables)


def current(session: Session, name: str) -> int:
    """The dataset's version as this session sees it (0 before its first change), read once per transaction:
    a dashboard asked it 27 times while being rendered and six times when served from memory, and at a
    deadline each of those round trips made a waiting request take the interpreter lock from the one
    computing the figures. Within one transaction a page then also works from one version throughout.

    Every dataset's counter is read at the first question, in one statement (a few rows): a page kept in
    memory depends on five or six datasets, and reading them one by one was an eighth of the work of
    serving it to someone signed in."""
    seen: dict[str, int] | None = session.info.get(_SEEN)
    if seen is None:
        rows = session.execute(select(DataVersion.name, DataVersion.counter))
        seen = {name: counter for name, counter in rows}
        session.info[_SEEN] = seen
    return seen.get(name, 0)


def pending(session: Session, name: str) -> bool:
    """Whether this session has changed the dataset and not committed yet."""
    return name in session.info.get(_PENDING, ())


def bump(session: Session, name: str) -> None:
    """Raise the dataset's version in the session's transaction (the row is created at its first change)."""
    session.info.pop(_SEEN, None)
    connection = session.connection()
    raised = connection.execute(
        update(DataVersion).where(DataVersion.name == name).values(counter=DataVersion.counter + 1)
    )
    if raised.rowcount == 0:
        connection.execute(insert(DataVersion).values(name=name, counter=1))


def _mark(session: Session, name: str) -> None:
    session.info.setdefault(_PENDING, set()).add(name)


def note_table_write(session: Session, table: str) -> None:
    """A write to ``table`` made outside the ORM (``core.bulk``): marks the datasets that watch it, as a
    bulk ORM statement on it would."""
    for name, entry in _watches.items():
        if table in entry.tables:
            _mark(session, name)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: object) -> None:
    records = (*session.new, *session.dirty, *session.deleted)
    for name, entry in _watches.items():
        if any(changes(r) for r in records for changes in entry.changes):
            _mark(session, name)


@event.listens_for(Session, "do_orm_execute")
def _on_bulk_write(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None:
        note_table_write(state.session, table.name)


@event.listens_for(Session, "before_commit")
def _raise_at_commit(session: Session) -> None:
    """Raise the versions of what the transaction changed as its last statements: the counter row is then
    locked for the moment of the commit only, and always after every other row the transaction writes, so
    two transactions can never wait for each other in opposite order (PostgreSQL)."""
    if session.in_nested_transaction():
        return  # a savepoint's release; the versions are raised when the whole transaction commits
    session.flush()  # the commit flushes after this hook: its changes must be marked first
    for name in sorted(session.info.get(_PENDING, ())):
        bump(session, name)
        session.info.setdefault(_RAISED, set()).add(name)


def raised(session: Session) -> set[str]:
    """The datasets this session's commits have changed (the web layer tells the writer's browser, whose
    next pages then wait for figures that include the change: ``web.page_cache``)."""
    return set(session.info.get(_RAISED, ()))


@event.listens_for(Session, "after_transaction_end")
def _settled(session: Session, transaction: SessionTransaction) -> None:
    session.info.pop(_SEEN, None)  # the next transaction (or what a savepoint's rollback left) reads again
    if transaction.parent is None:  # the whole transaction, not a savepoint inside it
        session.info.pop(_PENDING, None)
