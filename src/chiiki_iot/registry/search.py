"""Search as a Japanese user types it: kanji or either kana, 全角/半角, ヶ/ケ, a code, or a name written as
in an address (「東京都府中市」, 「札幌市北区」). Parsing and the SQL conditions live here; the directory in
``service`` applies them, so pages, API and CLI search the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session, aliased

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.core.text import digits_only, search_key
from chiiki_iot.registry.codes import normalize_code
from chiiki_iot.registry.models import Body, BodyKind


@dataclass(frozen=True)
class ParsedQuery:
    """A search query split the way people write addresses: 都道府県 first, then the body, maybe a ward.

    「東京都府中市」 searches 府中市 in 東京都; 「札幌市北区」 names a ward, so that ward is searched too.
    """

    key: str
    prefecture_code: str | None
    ward_codes: tuple[str, ...]


def parse_query(session: Session, q: str) -> ParsedQuery:
    """Split off a leading prefecture name, in kanji or kana. A query that is only a prefecture's name
    lists that prefecture and its municipalities, as a filter would."""
    key = search_key(q)
    prefecture = None
    for code, *names in session.execute(
        select(Body.code, Body.name_key, Body.kana_key).where(Body.kind == BodyKind.PREFECTURE)
    ):
        name = next((n for n in names if key.startswith(n)), None)
        if name is not None:
            prefecture, key = code, key[len(name) :]
            break
    return ParsedQuery(key, prefecture, _wards_named(session, key, prefecture) if key else ())


def _wards_named(session: Session, key: str, prefecture: str | None) -> tuple[str, ...]:
    """Wards whose 'city + ward' name or reading starts with ``key`` when ``key`` goes beyond the city."""
    parent = aliased(Body)
    heads = [key[:n] for n in range(1, len(key))] or [""]
    query = (
        select(Body.code, Body.name_key, Body.kana_key, parent.name_key, parent.kana_key)
        .join(parent, Body.parent_code == parent.code)
        .where(Body.kind == BodyKind.WARD, or_(parent.name_key.in_(heads), parent.kana_key.in_(heads)))
    )
    if prefecture:
        query = query.where(Body.prefecture_code == prefecture)
    return tuple(
        code
        for code, ward, ward_kana, city, city_kana in session.execute(query)
        if (city + ward).startswith(key) or (city_kana + ward_kana).startswith(key)
    )


def search_notice(q: str) -> tuple[str, str] | None:
    """A hint for a query that looks like a code but cannot be one (wrong check digit), in ja and en.

    Search itself never fails on such input: it finds nothing, and this says why.
    """
    digits = digits_only(q)
    if len(digits) != 6 or digits != search_key(q):
        return None
    try:
        normalize_code(digits)
    except InvalidInput as error:
        return error.message_ja, error.message_en
    return None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def match_condition(parsed: ParsedQuery):
    """Municipalities match anywhere in name or reading; prefectures only at the start, since every
    prefecture reading ends in けん/と/ふ/どう and 「たけ」 must not find 秋田県 (あきたけん)."""
    key = _escape_like(parsed.key)
    digits = digits_only(parsed.key)
    anywhere = or_(Body.name_key.like(f"%{key}%", escape="\\"), Body.kana_key.like(f"%{key}%", escape="\\"))
    at_start = or_(Body.name_key.like(f"{key}%", escape="\\"), Body.kana_key.like(f"{key}%", escape="\\"))
    conditions = [
        and_(Body.kind != BodyKind.PREFECTURE, anywhere),
        and_(Body.kind == BodyKind.PREFECTURE, at_start),
        Body.code.in_(parsed.ward_codes),
    ]
    if digits and digits == parsed.key:
        conditions.append(Body.code.like(f"{digits}%"))
    return or_(*conditions)


def match_rank(parsed: ParsedQuery) -> list:
    """0 exact, 1 prefix of name or reading, 2 contained: prefix matches first as a Japanese user expects.

    A prefecture comes before its namesakes (北海道 before 北海道's towns); a named ward before others.
    """
    key = parsed.key
    prefix = _escape_like(key) + "%"
    rank = case(
        (
            or_(
                Body.name_key == key,
                Body.kana_key == key,
                Body.code == key,
                Body.code.in_(parsed.ward_codes),
                Body.code == (parsed.prefecture_code if not key else None),
            ),
            0,
        ),
        (
            or_(
                Body.name_key.like(prefix, escape="\\"),
                Body.kana_key.like(prefix, escape="\\"),
                Body.code.like(prefix, escape="\\"),
            ),
            1,
        ),
        else_=2,
    )
    return [rank, case((Body.kind == BodyKind.PREFECTURE, 0), else_=1)]
