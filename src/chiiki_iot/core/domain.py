"""What a business domain hands to the assembly (``chiiki_iot.app``): its routers, templates, tables,
reference-data loader and CLI commands. ``core`` defines the shape and knows no domain; each domain
fills one in its own ``domain.py``, and the assembly's list of domains is the only place that names them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import typer
from fastapi import APIRouter
from sqlalchemy.orm import Session

from chiiki_iot.core.datasets import DatasetEntry

ReferenceLoader = Callable[[Session, bool], object]
"""Loads a domain's reference data idempotently: ``load(session, force)``; returns what it loaded."""


@dataclass(frozen=True)
class Domain:
    """One room of the house, as the assembly mounts it."""

    name: str
    models: tuple[ModuleType, ...] = ()
    """Modules that define tables or session hooks: imported, ``Base.metadata`` (Alembic, tests) knows them."""
    routers: tuple[APIRouter, ...] = ()
    templates: Path | None = None
    """The folder that holds ``templates/<domain>/``; found by the one Jinja environment."""
    load_reference_data: ReferenceLoader | None = None
    """Runs at ``chiiki-iot init`` and first start, in the order of the assembly's list."""
    cli: typer.Typer | None = None
    """Commands merged into the ``chiiki-iot`` root (groups keep their names, e.g. ``survey open``)."""
    sections: Mapping[str, Any] = field(default_factory=dict)
    """Fragments this domain adds to a lower domain's page, by slot (``web.sections.Section`` values)."""
    template_globals: Mapping[str, Any] = field(default_factory=dict)
    datasets: tuple[DatasetEntry, ...] = ()
    """Lists this domain publishes in the open-data catalogue (``core.datasets``)."""
    """Names every template may use (e.g. the role labels), so the web layer needs no domain import."""
