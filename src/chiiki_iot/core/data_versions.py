"""Data versions: one counter per dataset in the database, raised by the transaction that changes it.

A domain declares what changes a dataset (``watch``): records written through the ORM, judged one by one
(an approved survey answer changes figures, a draft does not), and tables written in bulk. At each flush
that writes such a record, and at each bulk write to such a table, the dataset's counter is raised with
one UPDATE on the same connection — so the new version becomes visible exactly when the change does, to
every process, and disappears with it on rollback. A request that fails, or only reads, changes nothing.

A session that has raised a version and not yet committed sees a version that may never exist for anyone
else: ``pending`` says so, and caches must not keep what such a session computes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from chiiki_iot.core.models import DataVersion

_PENDING = "chiiki_data_versions_pending"

previous_allowed: ContextVar[bool] = ContextVar("previous_allowed", default=False)
"""Set for a request whose reader may be shown data computed from the previous version while the newest is
computed (a visitor who is not signed in: ``web.page_cache``). Someone who has just changed something,
signed in or with a token, always gets figures of the newest version."""


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
    """The dataset's version as this session sees it (0 before its first change)."""
    return session.scalar(select(DataVersion.counter).where(DataVersion.name == name)) or 0


def pending(session: Session, name: str) -> bool:
    """Whether this session has changed the dataset and not committed yet."""
    return name in session.info.get(_PENDING, ())


def bump(session: Session, name: str) -> None:
    """Raise the dataset's version in the session's transaction (the row is created at its first change)."""
    connection = session.connection()
    raised = connection.execute(
        update(DataVersion).where(DataVersion.name == name).values(counter=DataVersion.counter + 1)
    )
    if raised.rowcount == 0:
        connection.execute(insert(DataVersion).values(name=name, counter=1))
    session.info.setdefault(_PENDING, set()).add(name)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: object) -> None:
    records = (*session.new, *session.dirty, *session.deleted)
    for name, entry in _watches.items():
        if any(changes(r) for r in records for changes in entry.changes):
            bump(session, name)


@event.listens_for(Session, "do_orm_execute")
def _on_bulk_write(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    for name, entry in _watches.items():
        if table is not None and table.name in entry.tables:
            bump(state.session, name)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _settled(session: Session) -> None:
    session.info.pop(_PENDING, None)
