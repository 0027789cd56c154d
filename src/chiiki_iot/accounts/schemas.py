"""What the accounts API returns: who a token or session acts as, and audit entries."""

from __future__ import annotations

from pydantic import BaseModel


class GrantRead(BaseModel):
    role: str
    scope: str


class MeRead(BaseModel):
    actor: str
    via: str
    grants: list[GrantRead]


class AuditEntryRead(BaseModel):
    id: int
    at: str
    actor: str
    role: str
    ip: str
    action: str
    entity: str
    entity_key: str
    before: str
    after: str
    note: str
