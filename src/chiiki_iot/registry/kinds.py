"""The kinds of local body (地方公共団体の種類): part of the registry's public face, so other domains can
name a kind without importing its tables."""

from __future__ import annotations

from enum import StrEnum


class BodyKind(StrEnum):
    """地方公共団体の種類. Wards (行政区) are stored but are not municipalities."""

    PREFECTURE = "都道府県"
    DESIGNATED_CITY = "政令指定都市"
    CITY = "市"
    SPECIAL_WARD = "特別区"
    TOWN = "町"
    VILLAGE = "村"
    WARD = "行政区"


MUNICIPAL_KINDS = (
    BodyKind.DESIGNATED_CITY,
    BodyKind.CITY,
    BodyKind.SPECIAL_WARD,
    BodyKind.TOWN,
    BodyKind.VILLAGE,
)

COUNTED_KINDS = (*MUNICIPAL_KINDS, BodyKind.PREFECTURE)
"""The bodies that surveys and KPIs count: 47 prefectures and 1,741 municipalities (not wards)."""
