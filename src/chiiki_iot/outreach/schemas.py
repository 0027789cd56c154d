"""What the outreach API takes and returns."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chiiki_iot.outreach.models import Event, ThreadLogEntry
from chiiki_iot.outreach.service import AreaCoverage, EventInput


class EventRead(BaseModel):
    """説明会等."""

    id: int
    held_on: dt.date
    title: str
    category: str
    status: str
    target_block: str | None
    target_prefecture: str | None
    organiser: str | None
    place: str
    attendance: int | None
    materials_url: str | None
    version: int

    @classmethod
    def of(cls, e: Event) -> EventRead:
        return cls(
            id=e.id,
            held_on=e.held_on,
            title=e.title,
            category=e.category,
            status=e.status,
            target_block=e.target_block,
            target_prefecture=e.target_prefecture,
            organiser=e.organiser_slug,
            place=e.place,
            attendance=e.attendance,
            materials_url=e.materials_url,
            version=e.version,
        )


class EventWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    held_on: dt.date
    title: str = Field(min_length=1, max_length=255)
    category: Literal["block", "six", "local", "other", "design-girl"]
    status: Literal["planned", "held", "cancelled"] = "held"
    target_block: str | None = Field(None, max_length=32)
    target_prefecture: str | None = Field(None, max_length=6, description="2桁または6桁 / 2 or 6 digits")
    organiser: str | None = Field(None, max_length=64)
    place: str = Field("", max_length=255)
    attendance: int | None = Field(None, ge=0, le=1_000_000)
    materials_url: str = Field("", max_length=255)
    version: int | None = Field(None, ge=1, le=2**31 - 1, description="更新時は必須 / required when updating")

    def to_input(self) -> EventInput:
        return EventInput(
            held_on=self.held_on,
            title=self.title,
            category=self.category,
            status=self.status,
            target_block=self.target_block,
            target_prefecture=self.target_prefecture,
            organiser=self.organiser,
            place=self.place,
            attendance=self.attendance,
            materials_url=self.materials_url,
        )


class AreaRead(BaseModel):
    key: str
    name_ja: str
    name_en: str
    held: dict[str, int]
    planned: dict[str, int]
    held_total: int
    last_held: dt.date | None

    @classmethod
    def of(cls, a: AreaCoverage) -> AreaRead:
        return cls(
            key=a.key,
            name_ja=a.name_ja,
            name_en=a.name_en,
            held=a.held,
            planned=a.planned,
            held_total=a.held_total,
            last_held=a.last_held,
        )


class CoverageRead(BaseModel):
    """説明会等の実施状況, counted from the events."""

    as_of: dt.date
    sessions_held: int
    prefectures_with_prefecture_session: int
    prefectures_planned: int
    blocks_with_block_session: int
    prefectures_without: list[str]
    prefectures: list[AreaRead]
    blocks: list[AreaRead]


class LogRead(BaseModel):
    thread: str
    block: str | None
    organisation: str | None
    happened_on: dt.date
    precision: str
    kind: str
    status: str
    text_ja: str

    @classmethod
    def of(cls, e: ThreadLogEntry) -> LogRead:
        return cls(
            thread=e.thread,
            block=e.block_slug,
            organisation=e.organisation_slug,
            happened_on=e.happened_on,
            precision=e.precision,
            kind=e.kind,
            status=e.status,
            text_ja=e.text_ja,
        )


class LogWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    happened_on: dt.date
    kind: Literal["decision", "meeting"]
    status: Literal["held", "planned"] = "held"
    text_ja: str = Field(min_length=1, max_length=2000)


class OrganisationRead(BaseModel):
    slug: str
    name_ja: str
    name_en: str
    kind: str
    block: str | None
    prefecture: str | None
    members: list[str]
    version: int = Field(description="変更するときに送り返す / send it back to change the organisation")


class OrganisationWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(max_length=63)
    name_ja: str = Field(min_length=1, max_length=255)
    name_en: str = Field("", max_length=255)
    kind: Literal[
        "ministry",
        "local-gov-association",
        "industry-association",
        "regional-council",
        "company",
        "university",
        "npo",
    ]
    block: str | None = Field(None, max_length=32)
    prefecture: str | None = Field(None, max_length=6)
    members: list[Annotated[str, StringConstraints(max_length=64)]] = Field([], max_length=500)
    version: int | None = Field(
        None,
        ge=1,
        le=2**31 - 1,
        description="変更時は必須（読んだ版）/ required when changing: the version you read",
    )


class MembershipWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(max_length=64)
    role: str = Field("", max_length=255)
    since: dt.date
