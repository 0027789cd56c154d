"""Rules for reading the registry: finding bodies, counting them, listing blocks and prefectures.

Pages, API and CLI call these; none of them builds its own query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from chiiki_iot.accounts.places import Place
from chiiki_iot.accounts.policy import Principal, Role, Target, authorize
from chiiki_iot.core.errors import Conflict, InvalidInput, NotFound
from chiiki_iot.core.models import ReferenceLoad
from chiiki_iot.core.text import clean_url, digits_only, normalize, search_key
from chiiki_iot.registry import geography
from chiiki_iot.registry.codes import normalize_code
from chiiki_iot.registry.geography import neighbour_blocks as neighbour_blocks  # for the domains above
from chiiki_iot.registry.kinds import COUNTED_KINDS
from chiiki_iot.registry.models import MUNICIPAL_KINDS, Block, Body, BodyKind, BoundaryLayer, PopulationFigure
from chiiki_iot.registry.search import ParsedQuery, match_condition, match_rank, parse_query


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
    """A body by its code in any accepted form (5/6 digits, full-width); NotFound if it does not exist.

    A code typed by a person (an address, a search, an API call) is never zero-padded: '1310' might be
    a slip for 13101 (千代田区) as well as 01310, and padding it silently shows another body. Only a
    spreadsheet column, where Excel dropped the leading zero, is padded (``codes.column_reader``).
    """
    _refuse_short_code(code)
    normalised = normalize_code(code)
    body = session.get(Body, normalised)
    if body is None:
        raise NotFound(
            f"団体コード {normalised} の団体は登録されていません。",
            f"No local body with code {normalised} is registered.",
        )
    return body


def _refuse_short_code(code: str) -> None:
    digits = digits_only(normalize(code))
    if len(digits) < 5:
        raise InvalidInput(
            f"団体コード「{code}」は{len(digits)}桁です。6桁（検査数字を含む全国地方公共団体コード）または"
            "5桁（JIS X 0402）の数字で入力してください。先頭の0が落ちている場合は、0を補って入力してください"
            "（例 01100 または 011002）。",
            f"Local government code '{code}' has {len(digits)} digits. Enter the 6-digit code (with check "
            "digit) or the 5-digit JIS X 0402 code; if a leading zero was dropped, type it "
            "(e.g. 01100 or 011002).",
        )


def get_prefecture(session: Session, code: str) -> Body:
    """A prefecture by its 2-digit JIS code ('13') or its 6-digit code; InvalidInput for any other body."""
    body = get_body(session, prefecture_code_of(code))
    if body.kind != BodyKind.PREFECTURE:
        raise InvalidInput(
            f"団体コード {body.code}（{body.full_name}）は都道府県ではありません。",
            f"Code {body.code} ({body.full_name}) is not a prefecture.",
        )
    return body


def policy_target(body: Body) -> Target:
    """A body as the access policy sees it: its code, prefecture and block."""
    return Target(
        body_code=body.code,
        prefecture_code=body.prefecture_code,
        block_slug=body.block_slug,
        is_prefecture=body.kind == BodyKind.PREFECTURE,
    )


def update_body_details(
    session: Session, *, principal: Principal, code: str, expected_version: int, url: str
) -> Body:
    """Change a body's details (its official web address). Only the body itself or the secretariat may;
    a save based on an older version than the stored one is refused, never merged."""
    body = get_body(session, code)
    authorize(principal, "body.edit", policy_target(body))
    _check_version(body, expected_version)
    body.url = clean_url(url)
    try:
        session.flush()
    except StaleDataError:  # another request saved between our read and our write
        session.rollback()
        raise _conflict(get_body(session, code)) from None
    return body


def review_body(session: Session, *, principal: Principal, code: str, expected_version: int) -> Body:
    """確認: a prefecture (for its municipalities), a bureau (its block) or the secretariat confirms the
    body's details as they stand."""
    body = get_body(session, code)
    authorize(principal, "body.review", policy_target(body))
    _check_version(body, expected_version)
    body.reviewed_at, body.reviewed_by = dt.datetime.now(dt.UTC), principal.actor
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise _conflict(get_body(session, code)) from None
    return body


def _check_version(body: Body, expected_version: int) -> None:
    if body.version != expected_version:
        raise _conflict(body)


def _conflict(body: Body) -> Conflict:
    return Conflict(
        f"{body.full_name} の情報は、あなたが開いた後にほかの人が更新しました（版 {body.version}）。"
        "最新の内容を確かめてから、もう一度保存してください。",
        f"{body.full_name} was changed by someone else after you opened it (version {body.version}). "
        "Check the latest details and save again.",
        extra={
            "current": {"url": body.url or "", "version": body.version, "reviewed_by": body.reviewed_by or ""}
        },
    )


def get_block(session: Session, slug: str) -> Block:
    block = session.get(Block, slug)
    if block is None:
        raise NotFound(f"地域ブロック「{slug}」はありません。", f"There is no regional block '{slug}'.")
    return block


def list_blocks(session: Session) -> list[Block]:
    return list(
        session.scalars(select(Block).options(selectinload(Block.prefectures)).order_by(Block.sort_order))
    )


def list_prefectures(session: Session) -> list[Body]:
    return list(session.scalars(select(Body).where(Body.kind == BodyKind.PREFECTURE).order_by(Body.code)))


def municipality_counts_by_prefecture(session: Session) -> dict[str, int]:
    """prefecture code → number of municipalities (wards not counted)."""
    rows = session.execute(
        select(Body.prefecture_code, func.count())
        .where(Body.kind.in_(list(MUNICIPAL_KINDS)))
        .group_by(Body.prefecture_code)
    )
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


def latest_population_subquery():
    """body_code → population at the latest date imported for it."""
    latest = (
        select(PopulationFigure.body_code, func.max(PopulationFigure.as_of).label("as_of"))
        .group_by(PopulationFigure.body_code)
        .subquery()
    )
    return (
        select(PopulationFigure.body_code, func.max(PopulationFigure.population).label("population"))
        .join(
            latest,
            and_(latest.c.body_code == PopulationFigure.body_code, latest.c.as_of == PopulationFigure.as_of),
        )
        .group_by(PopulationFigure.body_code)
        .subquery()
    )


def latest_populations(session: Session, codes: list[str] | None = None) -> dict[str, int]:
    """body code → its population at the latest date imported for it (bodies without one are absent),
    for many bodies in one query; ``codes`` None means every body."""
    pop = latest_population_subquery()
    query = select(pop.c.body_code, pop.c.population)
    if codes is not None:
        query = query.where(pop.c.body_code.in_(codes))
    return {code: int(population) for code, population in session.execute(query)}


def list_bodies(session: Session, *, filters: BodyFilter, offset: int = 0, limit: int = 100) -> BodyPage:
    """The municipality directory: filtered, searched, best matches first, then by code."""
    pop = latest_population_subquery()
    query = select(Body, pop.c.population).outerjoin(pop, pop.c.body_code == Body.code)
    parsed = parse_query(session, filters.q) if search_key(filters.q) else None  # '　' is no query
    query = _apply_filters(session, query, filters, pop, parsed)
    order = [*match_rank(parsed), Body.code] if parsed else [Body.code]
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(*order).offset(offset).limit(limit))
    return BodyPage([BodyRow(body, population) for body, population in rows], total, offset, limit)


def search_bodies(session: Session, q: str, *, limit: int = 20) -> list[Body]:
    """Search by kanji, kana or code, prefectures included; prefix matches come first."""
    filters = BodyFilter(q=q, include_prefectures=True)
    return [row.body for row in list_bodies(session, filters=filters, limit=limit).rows]


def _check_filters(session: Session, f: BodyFilter) -> None:
    """An unknown kind or block is a mistake to report, not a reason to show an empty list."""
    allowed = [k.value for k in (*MUNICIPAL_KINDS, BodyKind.WARD)]
    if f.kind and f.kind not in allowed:
        raise InvalidInput(
            f"種別「{f.kind}」は選択肢にありません（{'・'.join(allowed)}）。",
            f"Unknown kind '{f.kind}' (one of {', '.join(allowed)}).",
        )
    if f.block:
        get_block(session, f.block)


def _apply_filters(
    session: Session,
    query: Select,
    f: BodyFilter,
    pop,
    parsed: ParsedQuery | None,
) -> Select:
    _check_filters(session, f)
    kinds = [*MUNICIPAL_KINDS, BodyKind.WARD] if f.include_wards else list(MUNICIPAL_KINDS)
    if f.include_prefectures and parsed:
        kinds.append(BodyKind.PREFECTURE)
    if parsed:
        in_kinds = Body.kind.in_([f.kind] if f.kind else kinds)
        query = query.where(or_(in_kinds, Body.code.in_(parsed.ward_codes)) if not f.kind else in_kinds)
        query = query.where(match_condition(parsed))
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


def population_bands(session: Session) -> dict[str, str]:
    """Body code → its population band's slug (人口規模), from the latest figures; bodies with no population
    on file are left out. Comparisons of "similar bodies" (support outcomes, the case library) use it."""
    out = {}
    for code, people in latest_populations(session).items():
        for band in POPULATION_BANDS:
            if people >= band.low and (band.high is None or people < band.high):
                out[code] = band.slug
    return out


def _band(slug: str) -> PopulationBand:
    for band in POPULATION_BANDS:
        if band.slug == slug:
            return band
    raise InvalidInput(f"人口規模「{slug}」は選択肢にありません。", f"Unknown population band '{slug}'.")


def municipalities_of(session: Session, prefecture_code: str) -> list[BodyRow]:
    return list_bodies(session, filters=BodyFilter(prefecture=prefecture_code), limit=1000).rows


def wards_of(session: Session, city_code: str) -> list[Body]:
    return list(session.scalars(select(Body).where(Body.parent_code == city_code).order_by(Body.code)))


@dataclass(frozen=True)
class PopulationPoint:
    """A population on a date. For a prefecture whose own figure was not imported, the sum of its
    municipalities' figures of the same date and source, with how many of them were summed."""

    as_of: dt.date
    population: int
    source: str
    summed: int | None = None  # municipalities summed (None: the body's own figure)
    of: int | None = None  # municipalities the prefecture has


def population_history(session: Session, code: str) -> list[PopulationFigure] | list[PopulationPoint]:
    """A body's imported population figures by date. Population files are by municipality (住民基本台帳
    by 市区町村 has no prefecture rows), so a prefecture without its own figures shows their sum rather
    than 「未取り込み」."""
    own = list(
        session.scalars(
            select(PopulationFigure)
            .where(PopulationFigure.body_code == code)
            .order_by(PopulationFigure.as_of)
        )
    )
    body = session.get(Body, code)
    if own or body is None or body.kind != BodyKind.PREFECTURE:
        return own
    return prefecture_population_sums(session, code)


def prefecture_population_sums(session: Session, prefecture_code: str) -> list[PopulationPoint]:
    """Per date and source, the sum of the prefecture's municipalities (wards are inside their city)."""
    members = select(Body.code).where(
        Body.prefecture_code == prefecture_code, Body.kind.in_(list(MUNICIPAL_KINDS))
    )
    total = session.scalar(select(func.count()).select_from(members.subquery())) or 0
    rows = session.execute(
        select(
            PopulationFigure.as_of,
            PopulationFigure.source,
            func.sum(PopulationFigure.population),
            func.count(PopulationFigure.body_code),
        )
        .where(PopulationFigure.body_code.in_(members))
        .group_by(PopulationFigure.as_of, PopulationFigure.source)
        .order_by(PopulationFigure.as_of)
    )
    return [PopulationPoint(as_of, int(pop), source, count, total) for as_of, source, pop, count in rows]


def all_points(session: Session) -> list[Body]:
    """Every municipality with a representative point, for the national map."""
    return list(
        session.scalars(
            select(Body)
            .where(Body.kind.in_(list(MUNICIPAL_KINDS)), Body.lat.is_not(None))
            .order_by(Body.code)
        )
    )


def last_load(session: Session, dataset: str):
    """The latest ReferenceLoad of a dataset (registry, roadmap, population, boundaries:...)."""
    return session.scalar(
        select(ReferenceLoad).where(ReferenceLoad.dataset == dataset).order_by(ReferenceLoad.id.desc())
    )


def boundary_levels(session: Session) -> list[str]:
    return list(session.scalars(select(BoundaryLayer.level)))


@dataclass(frozen=True)
class BodyRef:
    """A light reference to a prefecture or municipality, for computations over all of them."""

    code: str
    full_name: str
    kind: str
    prefecture_code: str
    block_slug: str


def counted_bodies(session: Session) -> list[BodyRef]:
    """The 1,788 bodies that KPIs and surveys count (prefectures and municipalities, not wards), by code."""
    rows = session.execute(
        select(Body.code, Body.full_name, Body.kind, Body.prefecture_code, Body.block_slug)
        .where(Body.kind.in_(COUNTED_KINDS))
        .order_by(Body.code)
    )
    return [BodyRef(*row) for row in rows]


def remote_islands(points: list[dict]) -> set[str]:
    """The codes of bodies on remote islands that would squeeze a prefecture's main area on a map (東京都's
    伊豆諸島・小笠原, 沖縄県's 先島, 鹿児島県's 奄美); empty where the islands are near (隠岐, 対馬). Each point
    is a dict with code, lat and lng. Maps of other domains draw the main area and say what they left out."""
    return geography.split_remote(points)[1]


# The registry's face for other domains: they never query the bodies table themselves, so a change to it
# is a change to these functions only.


def counted_codes_query() -> Select[str]:
    """The codes of the bodies that surveys and KPIs count, as a subquery another domain can filter by."""
    return select(Body.code).where(Body.kind.in_(COUNTED_KINDS))


def count_counted(session: Session) -> int:
    """How many bodies are counted (1,788 with the current registry)."""
    return session.scalar(select(func.count()).select_from(counted_codes_query().subquery())) or 0


def counted_body_records(session: Session) -> list[Body]:
    """Every counted body, by code, with all its fields (workbooks and survey lists print them)."""
    return list(session.scalars(select(Body).where(Body.kind.in_(COUNTED_KINDS)).order_by(Body.code)))


def bodies_by_code(session: Session, codes: Iterable[str] | None = None) -> dict[str, Body]:
    """Bodies keyed by code: the given codes (unknown ones are left out) or, with none, every body."""
    query = select(Body)
    if codes is not None:
        query = query.where(Body.code.in_(list(codes)))
    return {b.code: b for b in session.scalars(query)}


def all_codes(session: Session) -> set[str]:
    """Every code the registry knows, wards included (to tell an unknown code from a known one)."""
    return set(session.scalars(select(Body.code)))


BODY_TABLES = (Body.__tablename__,)
"""Tables whose bulk writes change the bodies that figures are counted over."""


def changes_bodies(record: object) -> bool:
    """Whether a record being written is a body (caches of figures over bodies watch for it)."""
    return isinstance(record, Body)


def prefecture_tiles() -> dict[str, tuple[int, int]]:
    """Where each prefecture sits on the tile map, (column, row) by two-digit code (other domains' maps)."""
    return geography.prefecture_tiles()


def place_of_role(session: Session, role: Role, scope: str) -> Place:
    """Where a bureau, prefecture or municipality role applies, checked here because only the registry knows
    blocks and bodies (accounts receives this function from the assembly)."""
    if role == Role.BUREAU:
        block = get_block(session, scope)
        return Place(block.slug, Target(block_slug=block.slug), block.name_ja, block.name_en)
    body = get_prefecture(session, scope) if role == Role.PREFECTURE else get_body(session, scope)
    if role == Role.MUNICIPALITY and not body.is_municipality:
        raise InvalidInput(
            f"{body.full_name}（{body.code}）は市区町村ではありません（{body.kind}）。",
            f"{body.full_name} ({body.code}) is not a municipality ({body.kind}).",
        )
    if role == Role.MUNICIPALITY and body.kind == BodyKind.WARD:
        raise InvalidInput("行政区には役割を付けられません。", "A designated-city ward cannot hold a role.")
    return Place(body.code, policy_target(body), body.full_name, body.name_en or body.full_name)
