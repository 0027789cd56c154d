"""Rules for reading the registry: finding bodies, counting them, listing blocks and prefectures.

Pages, API and CLI call these; none of them builds its own query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from chiiki_iot.core.errors import InvalidInput, NotFound
from chiiki_iot.core.text import digits_only, search_key
from chiiki_iot.registry.codes import normalize_code
from chiiki_iot.registry.models import MUNICIPAL_KINDS, Block, Body, BodyKind, PopulationFigure


@dataclass(frozen=True)
class PopulationBand:
    """人口規模: a band used by the directory filter."""

    slug: str
    label_ja: str
    label_en: str
    low: int
    high: int | None


POPULATION_BANDS = (
    PopulationBand("under-10k", "1万人未満", "under 10,000", 0, 10_000),
    PopulationBand("10k-50k", "1万〜5万人", "10,000–50,000", 10_000, 50_000),
    PopulationBand("50k-100k", "5万〜10万人", "50,000–100,000", 50_000, 100_000),
    PopulationBand("100k-500k", "10万〜50万人", "100,000–500,000", 100_000, 500_000),
    PopulationBand("500k-plus", "50万人以上", "500,000 and over", 500_000, None),
)


@dataclass(frozen=True)
class BodyFilter:
    """What the directory asks for. Empty fields mean 'any'."""

    q: str = ""
    prefecture: str = ""
    block: str = ""
    kind: str = ""
    population_band: str = ""
    include_wards: bool = False
    include_prefectures: bool = False


@dataclass
class BodyRow:
    body: Body
    population: int | None


@dataclass
class BodyPage:
    rows: list[BodyRow]
    total: int
    offset: int
    limit: int


def get_body(session: Session, code: str) -> Body:
    """A body by its code in any accepted form (5/6 digits, full-width); NotFound if it does not exist."""
    normalised = normalize_code(code)
    body = session.get(Body, normalised)
    if body is None:
        raise NotFound(f"団体コード {normalised} の団体は登録されていません。",
                       f"No local body with code {normalised} is registered.")
    return body


def get_prefecture(session: Session, code: str) -> Body:
    """A prefecture by its 2-digit JIS code ('13') or its 6-digit code; InvalidInput for any other body."""
    body = get_body(session, prefecture_code_of(code))
    if body.kind != BodyKind.PREFECTURE:
        raise InvalidInput(f"団体コード {body.code}（{body.full_name}）は都道府県ではありません。",
                           f"Code {body.code} ({body.full_name}) is not a prefecture.")
    return body


def get_block(session: Session, slug: str) -> Block:
    block = session.get(Block, slug)
    if block is None:
        raise NotFound(f"地域ブロック「{slug}」はありません。", f"There is no regional block '{slug}'.")
    return block


def list_blocks(session: Session) -> list[Block]:
    return list(session.scalars(select(Block).options(selectinload(Block.prefectures)).order_by(Block.sort_order)))


def list_prefectures(session: Session) -> list[Body]:
    return list(session.scalars(select(Body).where(Body.kind == BodyKind.PREFECTURE).order_by(Body.code)))


def municipality_counts_by_prefecture(session: Session) -> dict[str, int]:
    """prefecture code → number of municipalities (wards not counted)."""
    rows = session.execute(select(Body.prefecture_code, func.count())
                           .where(Body.kind.in_(list(MUNICIPAL_KINDS))).group_by(Body.prefecture_code))
    return {code: n for code, n in rows}


def kind_counts(session: Session) -> dict[str, int]:
    """How many bodies of each kind: the figures the issue asks us to report."""
    rows = session.execute(select(Body.kind, func.count()).group_by(Body.kind))
    counts = {k.value: 0 for k in BodyKind}
    counts.update({kind: n for kind, n in rows})
    return counts


def registry_summary(session: Session) -> dict[str, int]:
    counts = kind_counts(session)
    return {
        "prefectures": counts[BodyKind.PREFECTURE],
        "municipalities": sum(counts[k] for k in MUNICIPAL_KINDS),
        "designated_cities": counts[BodyKind.DESIGNATED_CITY],
        "cities": counts[BodyKind.CITY] + counts[BodyKind.DESIGNATED_CITY],
        "special_wards": counts[BodyKind.SPECIAL_WARD],
        "towns": counts[BodyKind.TOWN],
        "villages": counts[BodyKind.VILLAGE],
        "wards": counts[BodyKind.WARD],
        "blocks": session.scalar(select(func.count()).select_from(Block)) or 0,
    }


def latest_population_subquery():  # type: ignore[no-untyped-def]
    """body_code → population at the latest date imported for it."""
    latest = (
        select(PopulationFigure.body_code, func.max(PopulationFigure.as_of).label("as_of"))
        .group_by(PopulationFigure.body_code)
        .subquery()
    )
    return (
        select(PopulationFigure.body_code, func.max(PopulationFigure.population).label("population"))
        .join(latest, and_(latest.c.body_code == PopulationFigure.body_code,
                           latest.c.as_of == PopulationFigure.as_of))
        .group_by(PopulationFigure.body_code)
        .subquery()
    )


def list_bodies(session: Session, *, filters: BodyFilter, offset: int = 0, limit: int = 100) -> BodyPage:
    """The municipality directory: filtered, searched, best matches first, then by code."""
    pop = latest_population_subquery()
    query = select(Body, pop.c.population).outerjoin(pop, pop.c.body_code == Body.code)
    parsed = parse_query(session, filters.q) if search_key(filters.q) else None  # '　' is no query
    query = _apply_filters(session, query, filters, pop, parsed)
    order = [*_match_rank(parsed), Body.code] if parsed else [Body.code]
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(*order).offset(offset).limit(limit))
    return BodyPage([BodyRow(body, population) for body, population in rows], total, offset, limit)


def search_bodies(session: Session, q: str, *, limit: int = 20) -> list[Body]:
    """Search by kanji, kana or code, prefectures included; prefix matches come first."""
    filters = BodyFilter(q=q, include_prefectures=True)
    return [row.body for row in list_bodies(session, filters=filters, limit=limit).rows]


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
            prefecture, key = code, key[len(name):]
            break
    return ParsedQuery(key, prefecture, _wards_named(session, key, prefecture) if key else ())


def _wards_named(session: Session, key: str, prefecture: str | None) -> tuple[str, ...]:
    """Wards whose 'city + ward' name or reading starts with ``key`` when ``key`` goes beyond the city."""
    parent = aliased(Body)
    heads = [key[:n] for n in range(1, len(key))] or [""]
    query = select(Body.code, Body.name_key, Body.kana_key, parent.name_key, parent.kana_key).join(
        parent, Body.parent_code == parent.code).where(
        Body.kind == BodyKind.WARD, or_(parent.name_key.in_(heads), parent.kana_key.in_(heads)))
    if prefecture:
        query = query.where(Body.prefecture_code == prefecture)
    return tuple(code for code, ward, ward_kana, city, city_kana in session.execute(query)
                 if (city + ward).startswith(key) or (city_kana + ward_kana).startswith(key))


def _check_filters(session: Session, f: BodyFilter) -> None:
    """An unknown kind or block is a mistake to report, not a reason to show an empty list."""
    allowed = [k.value for k in (*MUNICIPAL_KINDS, BodyKind.WARD)]
    if f.kind and f.kind not in allowed:
        raise InvalidInput(f"種別「{f.kind}」は選択肢にありません（{'・'.join(allowed)}）。",
                           f"Unknown kind '{f.kind}' (one of {', '.join(allowed)}).")
    if f.block:
        get_block(session, f.block)


def _apply_filters(session: Session, query: Select, f: BodyFilter, pop,  # type: ignore[no-untyped-def, type-arg]
                   parsed: ParsedQuery | None) -> Select:  # type: ignore[type-arg]
    _check_filters(session, f)
    kinds = [*MUNICIPAL_KINDS, BodyKind.WARD] if f.include_wards else list(MUNICIPAL_KINDS)
    if f.include_prefectures and parsed:
        kinds.append(BodyKind.PREFECTURE)
    if parsed:
        in_kinds = Body.kind.in_([f.kind] if f.kind else kinds)
        query = query.where(or_(in_kinds, Body.code.in_(parsed.ward_codes)) if not f.kind else in_kinds)
        query = query.where(_match_condition(parsed))
        if parsed.prefecture_code:
            query = query.where(Body.prefecture_code == parsed.prefecture_code)
    else:
        query = query.where(Body.kind.in_([f.kind] if f.kind else kinds))
    if f.prefecture:
        query = query.where(Body.prefecture_code == prefecture_code_of(f.prefecture))
    if f.block:
        query = query.where(Body.block_slug == f.block)
    if f.population_band:
        band = _band(f.population_band)
        query = query.where(pop.c.population >= band.low)
        if band.high is not None:
            query = query.where(pop.c.population < band.high)
    return query


def prefecture_code_of(raw: str) -> str:
    """A prefecture given as its 2-digit JIS code ('13', '１３') or its 6-digit code."""
    digits = digits_only(raw)
    if 1 <= len(digits) <= 2:
        return normalize_code(digits.zfill(2) + "000")
    return normalize_code(raw)


def _band(slug: str) -> PopulationBand:
    for band in POPULATION_BANDS:
        if band.slug == slug:
            return band
    raise InvalidInput(f"人口規模「{slug}」は選択肢にありません。", f"Unknown population band '{slug}'.")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _match_condition(parsed: ParsedQuery):  # type: ignore[no-untyped-def]
    """Municipalities match anywhere in name or reading; prefectures only at the start, since every
    prefecture reading ends in けん/と/ふ/どう and 「たけ」 must not find 秋田県 (あきたけん)."""
    key = _escape_like(parsed.key)
    digits = digits_only(parsed.key)
    anywhere = or_(Body.name_key.like(f"%{key}%", escape="\\"), Body.kana_key.like(f"%{key}%", escape="\\"))
    at_start = or_(Body.name_key.like(f"{key}%", escape="\\"), Body.kana_key.like(f"{key}%", escape="\\"))
    conditions = [and_(Body.kind != BodyKind.PREFECTURE, anywhere), and_(Body.kind == BodyKind.PREFECTURE, at_start),
                  Body.code.in_(parsed.ward_codes)]
    if digits and digits == parsed.key:
        conditions.append(Body.code.like(f"{digits}%"))
    return or_(*conditions)


def _match_rank(parsed: ParsedQuery) -> list:  # type: ignore[type-arg]
    """0 exact, 1 prefix of name or reading, 2 contained: prefix matches first as a Japanese user expects.

    A prefecture comes before its namesakes (北海道 before 北海道's towns); a named ward before others.
    """
    key = parsed.key
    prefix = _escape_like(key) + "%"
    rank = case(
        (or_(Body.name_key == key, Body.kana_key == key, Body.code == key, Body.code.in_(parsed.ward_codes),
             Body.code == (parsed.prefecture_code if not key else None)), 0),
        (or_(Body.name_key.like(prefix, escape="\\"), Body.kana_key.like(prefix, escape="\\"),
             Body.code.like(prefix, escape="\\")), 1),
        else_=2,
    )
    return [rank, case((Body.kind == BodyKind.PREFECTURE, 0), else_=1)]


def municipalities_of(session: Session, prefecture_code: str) -> list[BodyRow]:
    return list_bodies(session, filters=BodyFilter(prefecture=prefecture_code), limit=1000).rows


def wards_of(session: Session, city_code: str) -> list[Body]:
    return list(session.scalars(select(Body).where(Body.parent_code == city_code).order_by(Body.code)))


def population_history(session: Session, code: str) -> list[PopulationFigure]:
    return list(session.scalars(
        select(PopulationFigure).where(PopulationFigure.body_code == code).order_by(PopulationFigure.as_of)
    ))


def all_points(session: Session) -> list[Body]:
    """Every municipality with a representative point, for the national map."""
    return list(session.scalars(
        select(Body).where(Body.kind.in_(list(MUNICIPAL_KINDS)), Body.lat.is_not(None)).order_by(Body.code)
    ))


def last_load(session: Session, dataset: str):  # type: ignore[no-untyped-def]
    """The latest ReferenceLoad of a dataset (registry, roadmap, population, boundaries:...)."""
    from chiiki_iot.core.models import ReferenceLoad

    return session.scalar(
        select(ReferenceLoad).where(ReferenceLoad.dataset == dataset).order_by(ReferenceLoad.id.desc())
    )


def boundary_levels(session: Session) -> list[str]:
    from chiiki_iot.registry.models import BoundaryLayer

    return list(session.scalars(select(BoundaryLayer.level)))
