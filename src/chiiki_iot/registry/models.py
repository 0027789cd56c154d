"""Tables of the national registry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chiiki_iot.core.db import Base
from chiiki_iot.registry.kinds import MUNICIPAL_KINDS as MUNICIPAL_KINDS
from chiiki_iot.registry.kinds import BodyKind as BodyKind  # the column's vocabulary


class Block(Base):
    """地域ブロック: one of the 11 regions served by a 総合通信局 (or 沖縄総合通信事務所)."""

    __tablename__ = "blocks"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_ja: Mapped[str] = mapped_column(String(32))
    name_en: Mapped[str] = mapped_column(String(64))
    bureau_ja: Mapped[str] = mapped_column(String(64))
    bureau_en: Mapped[str] = mapped_column(String(128))
    sort_order: Mapped[int] = mapped_column(Integer)

    prefectures: Mapped[list[Body]] = relationship(
        back_populates="block",
        primaryjoin="and_(Block.slug == Body.block_slug, Body.kind == '都道府県')",
        order_by="Body.code",
        viewonly=True,
    )


class Body(Base):
    """地方公共団体: a prefecture, a municipality or a designated-city ward, keyed by its 6-digit code."""

    __tablename__ = "bodies"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(96), doc="With prefecture and city: 北海道札幌市中央区.")
    kana: Mapped[str] = mapped_column(String(128))
    name_en: Mapped[str | None] = mapped_column(String(96))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    prefecture_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("bodies.code"), index=True)
    block_slug: Mapped[str] = mapped_column(ForeignKey("blocks.slug"), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    url: Mapped[str | None] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(96), index=True, doc="search_key(name) for matching.")
    kana_key: Mapped[str] = mapped_column(String(128), index=True, doc="search_key(kana) for matching.")
    source: Mapped[str] = mapped_column(String(64), doc="Where the row came from, e.g. japancode 0.1.0.")
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), doc="When the prefecture or bureau last confirmed the body's details."
    )
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    version: Mapped[int] = mapped_column(
        Integer, default=1, doc="Raised on every save; a stale save is refused."
    )

    __mapper_args__ = {"version_id_col": version}

    block: Mapped[Block] = relationship(back_populates="prefectures", foreign_keys=[block_slug])
    prefecture: Mapped[Body] = relationship(remote_side=[code], foreign_keys=[prefecture_code])
    parent: Mapped[Body | None] = relationship(remote_side=[code], foreign_keys=[parent_code])

    @property
    def is_municipality(self) -> bool:
        return self.kind in MUNICIPAL_KINDS


class PopulationFigure(Base):
    """人口: a body's population on a date, from an operator's import (住民基本台帳, 国勢調査 ...)."""

    __tablename__ = "population_figures"
    __table_args__ = (UniqueConstraint("body_code", "as_of", "source", name="uq_population_figures_point"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_code: Mapped[str] = mapped_column(ForeignKey("bodies.code"), index=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    population: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BoundaryLayer(Base):
    """行政区域: shapes imported from an MLIT 国土数値情報 N03 TopoJSON/GeoJSON file, one layer per level.

    The topology is kept whole (it is what the map library draws); ``codes`` lists which bodies it covers.
    """

    __tablename__ = "boundary_layers"

    level: Mapped[str] = mapped_column(String(16), primary_key=True)  # prefecture | municipality
    format: Mapped[str] = mapped_column(String(16))  # topojson | geojson
    object_name: Mapped[str] = mapped_column(String(64), doc="TopoJSON object holding the features.")
    code_property: Mapped[str] = mapped_column(String(32))
    geometry: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[str]] = mapped_column(JSON)
    feature_count: Mapped[int] = mapped_column(Integer)
    source_name: Mapped[str] = mapped_column(String(255))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
