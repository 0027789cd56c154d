"""Parts of one domain's page contributed by a domain above it (a 'section' in a 'slot').

The body page belongs to the registry, but its 参考指標 come from adoption, which sits a floor higher: the
registry must not import adoption. Instead the assembly registers adoption's section in the slot
``registry.body``, and the body page renders whatever the slot holds. The lower domain names the slot and
what it passes; the higher one supplies the template and the data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Section:
    """A fragment template and the function that gathers its data: ``context(session, **keys)``."""

    template: str
    context: Callable[..., Mapping[str, Any]]
    version: Callable[[Session], str] | None = None
    """What the fragment depends on, for a page kept in memory (``web.page_cache``): the page is rendered
    again when it changes. None: the fragment changes only with the page's own data."""


@dataclass(frozen=True)
class FilledSection:
    template: str
    data: Mapping[str, Any]


_SLOTS: dict[str, list[Section]] = {}


def add_section(slot: str, section: Section) -> None:
    """Register a section once (the assembly may be built more than once in one process)."""
    sections = _SLOTS.setdefault(slot, [])
    if section not in sections:
        sections.append(section)


def versions(slot: str, session: Session) -> str:
    """The slot's sections' versions, joined: part of the version of a page kept in memory."""
    return ".".join(s.version(session) for s in _SLOTS.get(slot, []) if s.version is not None)


def fill(slot: str, session: Session, **keys: Any) -> list[FilledSection]:
    """Every section of the slot with its data; a template renders each with ``{% include %}``."""
    return [FilledSection(s.template, s.context(session, **keys)) for s in _SLOTS.get(slot, [])]
