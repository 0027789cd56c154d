"""Datasets a domain publishes for the open-data catalogue (DCAT, ``/api/v1/catalog``).

The catalogue belongs to progress, but a domain above it (the 官民ネット) publishes lists of its own. The
assembly registers each domain's entries here (``Domain.datasets``) and the catalogue lists whatever is
registered, so progress never imports the domains above it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DatasetEntry:
    """One dataset: its identifier, title in both languages, JSON address (CSV with ``format=csv`` when
    ``csv``) and the page a person reads it on."""

    ident: str
    title_ja: str
    title_en: str
    path: str
    csv: bool = True
    landing_page: str = "/"


_ENTRIES: list[DatasetEntry] = []


def add_dataset(entry: DatasetEntry) -> None:
    """Register once (the assembly may be built more than once in one process)."""
    if entry not in _ENTRIES:
        _ENTRIES.append(entry)


def registered() -> list[DatasetEntry]:
    return list(_ENTRIES)
