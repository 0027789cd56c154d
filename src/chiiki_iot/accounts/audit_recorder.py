"""The audit log (監査ログ): every change to every record, written by one session hook.

Writes go through services that run in a Session; the request, CLI or job puts the acting Principal in
``session.info["principal"]``. After each flush the hook compares what changed and inserts one entry per
record in the same transaction, so a change and its audit entry commit or roll back together. Application
code never updates or deletes an entry: the ORM refuses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from chiiki_iot.accounts.models import AuditEntry, LoginAttempt, UserSession
from chiiki_iot.accounts.policy import Principal
from chiiki_iot.core import bulk
from chiiki_iot.core.models import ReferenceLoad

# Technical tables whose rows are not records a person changes (or that record changes themselves).
NOT_AUDITED = frozenset(
    {
        AuditEntry.__tablename__,
        LoginAttempt.__tablename__,
        UserSession.__tablename__,
        ReferenceLoad.__tablename__,
    }
)
SECRET_COLUMNS = frozenset({"password_hash", "token_hash", "totp_secret"})
LONG_TEXT = 2000  # longer values (boundary geometry) are logged as a digest, not copied


class AuditIsAppendOnly(RuntimeError):
    pass


def principal_of(session: Session) -> Principal | None:
    return session.info.get("principal")


def act_as(session: Session, principal: Principal) -> Session:
    """Mark who acts in this session; every change it flushes is logged under this principal."""
    session.info["principal"] = principal
    return session


def _value(column: str, value: Any) -> Any:
    if column in SECRET_COLUMNS and value is not None:
        return "***"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"sha256:{hashlib.sha256(value).hexdigest()} ({len(value)} bytes)"
    if isinstance(value, str) and len(value) > LONG_TEXT:
        return f"sha256:{hashlib.sha256(value.encode('utf-8')).hexdigest()} ({len(value)} chars)"
    return value


def _columns(obj: Any) -> dict[str, Any]:
    """The record's columns as loaded; a deferred column never read (a large document) is left out rather
    than read back, which for a deleted row is no longer possible."""
    state = inspect(obj)
    unloaded = state.unloaded
    return {
        attr.key: _value(attr.key, getattr(obj, attr.key))
        for attr in state.mapper.column_attrs
        if attr.key not in unloaded
    }


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.has_changes():
            old = history.deleted[0] if history.deleted else None
            before[attr.key], after[attr.key] = (
                _value(attr.key, old),
                _value(attr.key, getattr(obj, attr.key)),
            )
    version = state.mapper.version_id_col
    if after and version is not None:
        # The mapper raises the version itself during the flush (+1), outside attribute history.
        key = state.mapper.get_property_by_column(version).key
        after[key] = getattr(obj, key)
        before[key] = after[key] - 1
    return before, after


def _key(obj: Any) -> str:
    # The instance's own primary-key values: during after_flush a new row has them, but no identity yet.
    return "/".join(str(part) for part in inspect(obj).mapper.primary_key_from_instance(obj))


def _entries(session: Session) -> list[dict[str, Any]]:
    principal = principal_of(session)
    base = {
        "at": dt.datetime.now(dt.UTC),
        "actor": principal.actor if principal else "system",
        "role": principal.roles_label() if principal else "",
        "ip": principal.ip if principal else "",
        "note": "",
    }
    rows: list[dict[str, Any]] = []
    for action, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            table = getattr(obj, "__tablename__", "")
            if table in NOT_AUDITED or not table:
                continue
            if action == "create":
                before, after = None, _columns(obj)
            elif action == "delete":
                before, after = _columns(obj), None
            else:
                before, after = _changes(obj)
                if not after:
                    continue
            rows.append(
                {
                    **base,
                    "action": action,
                    "entity": table,
                    "entity_key": _key(obj),
                    "before": before,
                    "after": after,
                }
            )
    return rows


@event.listens_for(Session, "after_flush")
def _write_audit_entries(session: Session, _context: Any) -> None:
    rows = _entries(session)
    if rows:
        session.connection().execute(insert(AuditEntry), rows)


def record_bulk_creation(
    session: Session, *, entity: str, rows: list[dict[str, Any]], keys: list[Any]
) -> None:
    """The entries a bulk INSERT did not get from the flush hook (which only sees ORM objects): one
    ``create`` per row, the same as a flushed object would get, for writes too large to go one object at
    a time (the national survey workbook: 41,124 status changes). ``keys`` are the rows' primary keys, in
    order (from ``INSERT … RETURNING``)."""
    principal = principal_of(session)
    at = dt.datetime.now(dt.UTC)
    entries = [
        {
            "at": at,
            "actor": principal.actor if principal else "system",
            "role": principal.roles_label() if principal else "",
            "ip": principal.ip if principal else "",
            "note": "",
            "action": "create",
            "entity": entity,
            "entity_key": str(key),
            "before": None,
            "after": {"id": key} | {column: _value(column, value) for column, value in row.items()},
        }
        for key, row in zip(keys, rows, strict=True)
    ]
    bulk.insert_rows(session, AuditEntry, entries)


def record_event(
    session: Session,
    *,
    action: str,
    entity: str,
    entity_key: str,
    note: str = "",
    principal: Principal | None = None,
) -> None:
    """An entry for something that is not a row change (a sign-in, a sign-out everywhere). A sign-in
    names the user who signed in, not the anonymous visitor the request started as."""
    principal = principal or principal_of(session)
    session.connection().execute(
        insert(AuditEntry),
        [
            {
                "at": dt.datetime.now(dt.UTC),
                "actor": principal.actor if principal else "system",
                "role": principal.roles_label() if principal else "",
                "ip": principal.ip if principal else "",
                "action": action,
                "entity": entity,
                "entity_key": entity_key,
                "before": None,
                "after": None,
                "note": note,
            }
        ],
    )


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk(state: Any) -> None:
    if (
        (state.is_update or state.is_delete)
        and state.bind_mapper is not None
        and state.bind_mapper.class_ is AuditEntry
    ):
        raise AuditIsAppendOnly("audit entries are append-only")


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse(*_args: Any) -> None:
    raise AuditIsAppendOnly("audit entries are append-only")
