"""What the registry API returns."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from chiiki_iot.registry.models import Block, Body


class BodyRead(BaseModel):
    """A local body (地方公共団体)."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    full_name: str
    kana: str
    name_en: str | None
    kind: str
    prefecture_code: str
    parent_code: str | None
    block: str
    lat: float | None
    lng: float | None
    url: str | None
    population: int | None = None
    version: int = 1
    reviewed_at: dt.datetime | None = None

    @classmethod
    def of(cls, body: Body, population: int | None = None) -> BodyRead:
        return cls(
            code=body.code,
            name=body.name,
            full_name=body.full_name,
            kana=body.kana,
            name_en=body.name_en,
            kind=body.kind,
            prefecture_code=body.prefecture_code,
            parent_code=body.parent_code,
            block=body.block_slug,
            lat=body.lat,
            lng=body.lng,
            url=body.url,
            population=population,
            version=body.version,
            reviewed_at=body.reviewed_at,
        )


class BodyUpdate(BaseModel):
    """団体情報の更新: the new details and the version they were based on."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        max_length=255,
        description='公式ウェブサイト（空文字で未登録に戻す） / official web address, "" to clear',
    )
    version: int = Field(ge=1, le=2**31 - 1, description="読み込んだときの版 / the version you read")


class BodyReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1, le=2**31 - 1, description="確認した内容の版 / the version you reviewed")


class BodyPageRead(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[BodyRead]


class BlockRead(BaseModel):
    """A regional block (地域ブロック) and its prefectures."""

    slug: str
    name_ja: str
    name_en: str
    bureau_ja: str
    bureau_en: str
    prefecture_codes: list[str]

    @classmethod
    def of(cls, block: Block) -> BlockRead:
        return cls(
            slug=block.slug,
            name_ja=block.name_ja,
            name_en=block.name_en,
            bureau_ja=block.bureau_ja,
            bureau_en=block.bureau_en,
            prefecture_codes=[p.code for p in block.prefectures],
        )


class RegistrySummaryRead(BaseModel):
    prefectures: int
    municipalities: int
    designated_cities: int
    cities: int
    special_wards: int
    towns: int
    villages: int
    wards: int
    blocks: int
    source: str
    corrections: list[str]


BODY_CSV_COLUMNS = list(BodyRead.model_fields)
