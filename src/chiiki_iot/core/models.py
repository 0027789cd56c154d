"""Tables shared across domains."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chiiki_iot.core.db import Base


class ReferenceLoad(Base):
    """A record of each load of reference data: what, from which source and version, and what it found.

    This is how the site can say "registry as of ..." and how an operator sees what a load flagged.
    """

    __tablename__ = "reference_loads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset: Mapped[str] = mapped_column(String(32), index=True)  # registry | roadmap | population ...
    source: Mapped[str] = mapped_column(String(255))
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict] = mapped_column(JSON)


class DataVersion(Base):
    """データ版: a counter per dataset (``figures``: everything a KPI, funnel or ranking is computed from),
    raised in the same transaction as every change to it (``core.data_versions``). Every server process
    keys its caches on it, so all processes agree, a rolled-back or failed request changes nothing, and
    pages can answer a conditional GET with 304."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    counter: Mapped[int] = mapped_column(Integer)  # not an edit version: nothing edits it from a form
