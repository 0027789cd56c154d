"""Reading the audit log: filtered lists for admins, per record, and as CSV."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.models import AuditEntry
from chiiki_iot.accounts.policy import Principal, authorize

CSV_COLUMNS = ["id", "at", "actor", "role", "ip", "action", "entity", "entity_key", "before", "after", "note"]


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    entity: str = ""
    key: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def list_entries(session: Session, *, principal: Principal, filters: AuditFilter, offset: int = 0,
                 limit: int = 100) -> list[AuditEntry]:
    authorize(principal, "audit.read")
    query = select(AuditEntry)
    if filters.actor:
        query = query.where(AuditEntry.actor == filters.actor.strip().lower())
    if filters.entity:
        query = query.where(AuditEntry.entity == filters.entity)
    if filters.key:
        query = query.where(AuditEntry.entity_key == filters.key)
    if filters.since:
        query = query.where(AuditEntry.at >= dt.datetime.combine(filters.since, dt.time(), dt.UTC))
    if filters.until:
        query = query.where(AuditEntry.at < dt.datetime.combine(filters.until + dt.timedelta(days=1), dt.time(), dt.UTC))
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit)))


def as_row(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor, "role": entry.role, "ip": entry.ip,
            "action": entry.action, "entity": entry.entity, "entity_key": entry.entity_key,
            "before": json.dumps(entry.before, ensure_ascii=False) if entry.before is not None else "",
            "after": json.dumps(entry.after, ensure_ascii=False) if entry.after is not None else "",
            "note": entry.note}
