"""Where a role applies (役割の範囲): a block, a prefecture or a municipality.

Accounts sits below the registry (the registry's pages ask accounts' policy who may edit a body), so it
cannot look places up itself. The registry hands it a resolver when the application is assembled
(``chiiki_iot.app``): one arrow, registry → accounts, and no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Role, Target


@dataclass(frozen=True)
class Place:
    """A validated scope: the normalised key stored on the grant, and the target the policy judges it by."""

    scope: str
    target: Target
    name_ja: str = ""
    """What people call the place (札幌市, 北海道, 北海道ブロック): shown beside the code, never instead."""
    name_en: str = ""


PlaceResolver = Callable[[Session, Role, str], Place]
_resolver: list[PlaceResolver] = []


def use_resolver(resolver: PlaceResolver) -> None:
    """Called once by the assembly with the registry's ``place_of_role``."""
    _resolver[:] = [resolver]


def place_of_role(session: Session, role: Role, scope: str) -> Place:
    """The place a bureau, prefecture or municipality role names, checked against the registry."""
    if not _resolver:
        raise RuntimeError("no place resolver: build the application through chiiki_iot.app")
    return _resolver[0](session, role, scope)
