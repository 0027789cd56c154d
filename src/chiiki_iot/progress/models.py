"""Tables of progress: national figures the secretariat enters for KPIs no body reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chiiki_iot.core.db import Base


class NationalFigure(Base):
    """全国値: a KPI's national value for a fiscal year, with its source and date (the newest record counts)."""

    __tablename__ = "national_figures"
    __table_args__ = (Index("ix_national_figures_kpi_year", "kpi_slug", "fiscal_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kpi_slug: Mapped[str] = mapped_column(String(64))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text, doc="出典: the survey or statistic the figure comes from.")
    observed_on: Mapped[dt.date] = mapped_column(Date, doc="The date the figure describes or was published.")
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(254))
    is_synthetic: Mapped[bool] = mapped_column(default=False)
