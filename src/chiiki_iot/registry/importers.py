"""Imports of what the registry package does not carry: population figures and boundary shapes.

Every import is planned first (parsed, validated against the registry, compared with what is stored)
and only then applied, all or nothing. A plan with any problem is refused as a whole, naming the
row, column and reason in Japanese and English.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.core.errors import InvalidInput, Problem, UserError
from chiiki_iot.core.files import CsvTable, check_text_size, decode_bytes, find_column, read_csv, refused
from chiiki_iot.core.models import ReferenceLoad
from chiiki_iot.core.text import normalize, search_key
from chiiki_iot.registry.codes import normalize_code
from chiiki_iot.registry.models import Body, BodyKind, BoundaryLayer, PopulationFigure

# Header names we recognise, most specific first. Matching ignores case, 全角/半角 and spaces.
CODE_COLUMNS = (
    "lgcode",
    "団体コード",
    "全国地方公共団体コード",
    "地方公共団体コード",
    "市区町村コード",
    "標準地域コード",
    "code",
    "code6",
    "code5",
    "コード",
)
POPULATION_COLUMNS = ("population", "人口", "総人口", "人口総数", "population_juki", "population_census2015")
DATE_COLUMNS = ("as_of", "基準日", "date", "population_base_date", "調査日")

# 北方領土の6村 have codes (016951..017001) but no government and no place in the 1,741: a boundary file
# may draw them; they are kept on the map and not linked to a body.
NORTHERN_TERRITORY_CODES = frozenset({"016951", "016969", "016977", "016985", "016993", "017001"})


@dataclass
class PopulationRow:
    body_code: str
    body_name: str
    as_of: dt.date
    population: int
    previous: int | None


@dataclass
class PopulationImportPlan:
    """What an import would do, shown before anything is written."""

    file_name: str
    encoding_label: str
    source: str
    code_column: str
    population_column: str
    rows: list[PopulationRow] = field(default_factory=list)

    @property
    def new_count(self) -> int:
        return sum(1 for r in self.rows if r.previous is None)

    @property
    def changed_count(self) -> int:
        return sum(1 for r in self.rows if r.previous is not None and r.previous != r.population)

    @property
    def unchanged_count(self) -> int:
        return sum(1 for r in self.rows if r.previous == r.population)


def _parse_int(text: str) -> int | None:
    cleaned = re.sub(r"(?<=\d)\.0+$", "", normalize(text).replace(",", "").replace("人", ""))
    return int(cleaned) if cleaned.isdigit() else None


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(normalize(text).replace("/", "-"))
    except ValueError:
        return None


def plan_population_import(
    session: Session,
    *,
    data: bytes,
    file_name: str,
    as_of: dt.date | None = None,
    source: str = "",
    code_column: str | None = None,
    population_column: str | None = None,
) -> PopulationImportPlan:
    """Read a population CSV and validate every row against the registry; raise if any row is wrong."""
    table = read_csv(data, name=file_name)
    code_i = find_column(table.header, CODE_COLUMNS, code_column, ("団体コード", "code"), table)
    pop_i = find_column(table.header, POPULATION_COLUMNS, population_column, ("人口", "population"), table)
    date_i = next(
        (
            table.header.index(h)
            for h in table.header
            if search_key(h) in {search_key(c) for c in DATE_COLUMNS}
        ),
        None,
    )
    if as_of is None and date_i is None:
        raise InvalidInput(
            f"「{file_name}」に基準日の列がありません。--as-of で基準日を指定してください。",
            f"'{file_name}' has no date column. Give the reference date with --as-of.",
        )
    plan = PopulationImportPlan(
        file_name, table.encoding_label, source or file_name, table.header[code_i], table.header[pop_i]
    )
    bodies = {b.code: b for b in session.scalars(select(Body))}
    problems: list[Problem] = []
    seen: set[tuple[str, dt.date]] = set()
    for line, cells in table.rows:
        row = _population_row(cells, line, code_i, pop_i, date_i, as_of, bodies, table, problems)
        if row is None:
            continue
        if (row.body_code, row.as_of) in seen:
            problems.append(
                _problem(
                    line,
                    table.header[code_i],
                    f"団体コード {row.body_code} が重複しています",
                    f"code {row.body_code} appears twice",
                )
            )
            continue
        seen.add((row.body_code, row.as_of))
        plan.rows.append(row)
    if problems:
        raise refused(file_name, table.encoding_label, problems)
    _attach_previous(session, plan)
    return plan


def _problem(line: int, column: str, ja: str, en: str) -> Problem:
    return Problem(ja, en, location=f"{line}行目・列「{column}」 / row {line}, column '{column}'")


def _population_row(
    cells: list[str],
    line: int,
    code_i: int,
    pop_i: int,
    date_i: int | None,
    as_of: dt.date | None,
    bodies: dict[str, Body],
    table: CsvTable,
    problems: list[Problem],
) -> PopulationRow | None:
    def cell(i: int) -> str:
        return cells[i] if i < len(cells) else ""

    code_col, pop_col = table.header[code_i], table.header[pop_i]
    try:
        code = normalize_code(cell(code_i))
    except UserError as exc:
        problems.append(_problem(line, code_col, exc.message_ja, exc.message_en))
        return None
    body = bodies.get(code)
    if body is None:
        problems.append(
            _problem(
                line,
                code_col,
                f"団体コード {code} は登録されていない団体です",
                f"code {code} is not a registered local body",
            )
        )
        return None
    population = _parse_int(cell(pop_i))
    if population is None:
        problems.append(
            _problem(
                line,
                pop_col,
                f"人口「{cell(pop_i)}」が整数ではありません",
                f"population '{cell(pop_i)}' is not a whole number",
            )
        )
        return None
    day = as_of or _parse_date(cell(date_i)) if date_i is not None else as_of
    if day is None:
        problems.append(
            _problem(
                line,
                table.header[date_i or 0],
                f"基準日「{cell(date_i or 0)}」を日付として読めません",
                f"date '{cell(date_i or 0)}' is not a date (YYYY-MM-DD)",
            )
        )
        return None
    return PopulationRow(code, body.full_name, day, population, None)


def _attach_previous(session: Session, plan: PopulationImportPlan) -> None:
    existing = {
        (f.body_code, f.as_of): f.population
        for f in session.scalars(select(PopulationFigure).where(PopulationFigure.source == plan.source))
    }
    for row in plan.rows:
        row.previous = existing.get((row.body_code, row.as_of))


def apply_population_import(session: Session, plan: PopulationImportPlan, *, principal: Principal) -> int:
    """Write a validated plan; figures from the same source and date are replaced, not duplicated."""
    authorize(principal, "registry.import")
    now = dt.datetime.now(dt.UTC)
    existing = {
        (f.body_code, f.as_of): f
        for f in session.scalars(select(PopulationFigure).where(PopulationFigure.source == plan.source))
    }
    for row in plan.rows:
        figure = existing.get((row.body_code, row.as_of))
        if figure is None:
            session.add(
                PopulationFigure(
                    body_code=row.body_code,
                    as_of=row.as_of,
                    population=row.population,
                    source=plan.source,
                    imported_at=now,
                )
            )
        else:
            figure.population, figure.imported_at = row.population, now
    session.add(
        ReferenceLoad(
            dataset="population",
            source=plan.source,
            loaded_at=now,
            summary={
                "file": plan.file_name,
                "rows": len(plan.rows),
                "new": plan.new_count,
                "changed": plan.changed_count,
                "encoding": plan.encoding_label,
            },
        )
    )
    session.flush()
    return len(plan.rows)


@dataclass
class BoundaryImportPlan:
    file_name: str
    level: str
    format: str
    object_name: str
    code_property: str
    geometry: str
    codes: list[str]
    feature_count: int
    unlinked: list[str]  # features kept on the map but not linked to a body (北方領土, 所属未定地)
    missing: list[str]  # registry bodies of this level the file does not draw


def _features(doc: Any) -> tuple[str, str, list[dict[str, Any]]]:
    """(format, object name, features' property dicts) for a TopoJSON Topology or a GeoJSON collection.

    Every feature must be an object with properties and a geometry; a file that breaks this is refused
    with the feature's number, since a shape without geometry would break the map later, not here.
    """
    if not isinstance(doc, dict):
        doc = {}
    if doc.get("type") == "Topology" and not isinstance(doc.get("arcs"), list):
        raise InvalidInput("TopoJSON に arcs（線の一覧）がありません。", "The TopoJSON has no 'arcs' list.")
    if doc.get("type") == "Topology" and isinstance(doc.get("objects"), dict) and doc["objects"]:
        name, obj = next(iter(doc["objects"].items()))
        items = obj.get("geometries") if isinstance(obj, dict) else None
        fmt = "topojson"
        has_geometry: Callable[[dict[str, Any]], bool] = _has_topojson_geometry
    elif doc.get("type") == "FeatureCollection":
        name, items = "features", doc.get("features")
        fmt, has_geometry = "geojson", lambda f: "geometry" in f and _has_geojson_geometry(f["geometry"])
    else:
        raise InvalidInput(
            "TopoJSON（Topology）または GeoJSON（FeatureCollection）ではありません。",
            "The file is neither TopoJSON (a Topology) nor GeoJSON (a FeatureCollection).",
        )
    if not isinstance(items, list) or not items:
        raise InvalidInput("地物（図形）が一つもありません。", "The file holds no features (shapes).")
    problems = [
        Problem(
            "地物がオブジェクトでないか、properties または図形（geometry）がありません",
            "the feature is not an object, or has no properties or no geometry",
            f"地物 {i} / feature {i}",
        )
        for i, item in enumerate(items, start=1)
        if not isinstance(item, dict)
        or not isinstance(item.get("properties"), dict)
        or not has_geometry(item)
    ]
    if problems:
        raise InvalidInput(
            f"{len(problems)} 件の地物に誤りがあるため、取り込みませんでした。",
            f"{len(problems)} feature(s) are malformed; nothing was imported.",
            problems=problems,
        )
    return fmt, name, [item["properties"] for item in items]


def _has_topojson_geometry(g: dict[str, Any]) -> bool:
    """A null geometry (an island simplified away) is valid; any other needs a list of arcs,
    coordinates or member geometries."""
    if "type" not in g:
        return False
    return g["type"] is None or any(isinstance(g.get(k), list) for k in ("arcs", "coordinates", "geometries"))


def _has_geojson_geometry(geometry: Any) -> bool:
    if geometry is None:
        return True
    return (
        isinstance(geometry, dict)
        and isinstance(geometry.get("type"), str)
        and any(isinstance(geometry.get(k), list) for k in ("coordinates", "geometries"))
    )


def plan_boundary_import(session: Session, *, data: bytes, file_name: str) -> BoundaryImportPlan:
    """Validate an N03-layout boundary file: municipality codes in N03_007, else prefecture names in N03_001.

    Current N03 files draw designated-city wards separately; such a file is still the municipality
    layer (a designated city is covered by its wards), so prefecture maps draw it.
    """
    check_text_size(data, name=file_name)  # json.loads holds the whole document, several times its size
    decoded = decode_bytes(data, name=file_name)
    try:
        doc = json.loads(decoded.text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"「{file_name}」は JSON として読めません（{exc.lineno}行目）。",
            f"'{file_name}' is not valid JSON (line {exc.lineno}).",
        ) from exc
    fmt, object_name, props = _features(doc)
    bodies = {b.code: b for b in session.scalars(select(Body))}
    if any(p.get("N03_007") for p in props):
        level, prop = "municipality", "N03_007"
        codes, unlinked, problems = _municipal_codes(props, bodies)
    elif any(p.get("N03_001") for p in props):
        level, prop = "prefecture", "N03_001"
        codes, unlinked, problems = _prefecture_codes(props, bodies)
    else:
        raise InvalidInput(
            f"「{file_name}」に N03_007（団体コード）も N03_001（都道府県名）もありません。国土数値情報 N03 形式のファイルを指定してください。",
            f"'{file_name}' has neither N03_007 (code) nor N03_001 (prefecture name); expected the MLIT N03 layout.",
        )
    if problems:
        raise refused(file_name, decoded.encoding_label, problems)
    geometry = (
        json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        if level == "municipality"
        else decoded.text
    )
    return BoundaryImportPlan(
        file_name,
        level,
        fmt,
        object_name,
        prop,
        geometry,
        sorted(set(codes)),
        len(props),
        unlinked,
        _not_drawn(level, set(codes), bodies),
    )


def _not_drawn(level: str, codes: set[str], bodies: dict[str, Body]) -> list[str]:
    """Bodies of the layer's level that the file does not draw. A designated city counts as drawn only
    when every one of its wards is: one ward alone would hide the rest of the city's gaps."""
    wards: dict[str, set[str]] = {}
    for b in bodies.values():
        if b.parent_code:
            wards.setdefault(b.parent_code, set()).add(b.code)
    covered = codes | {city for city, its_wards in wards.items() if its_wards <= codes}
    return sorted(c for c, b in bodies.items() if _level_of(b) == level and c not in covered)


def _level_of(body: Body) -> str:
    if body.kind == BodyKind.PREFECTURE:
        return "prefecture"
    return "ward" if body.kind == BodyKind.WARD else "municipality"  # wards are never expected on their own


def _municipal_codes(
    props: list[dict[str, Any]], bodies: dict[str, Body]
) -> tuple[list[str], list[str], list[Problem]]:
    codes: list[str] = []
    unlinked: list[str] = []
    problems: list[Problem] = []
    for i, p in enumerate(props, start=1):
        raw = p.get("N03_007")
        label = "".join(str(p.get(k) or "") for k in ("N03_001", "N03_003", "N03_004"))
        if not raw:
            unlinked.append(f"{label or '名称なし'}（コードなし・所属未定地など）")
            continue
        try:
            code = normalize_code(str(raw))
        except UserError as exc:
            problems.append(Problem(exc.message_ja, exc.message_en, f"地物 {i} / feature {i} (N03_007)"))
            continue
        if code in NORTHERN_TERRITORY_CODES:
            unlinked.append(f"{label}（{code}・北方領土）")
        elif code not in bodies:
            problems.append(
                Problem(
                    f"団体コード {code}（{label}）は登録されていない団体です",
                    f"code {code} ({label}) is not a registered local body",
                    f"地物 {i} / feature {i} (N03_007)",
                )
            )
        else:
            codes.append(code)
            # Stored as the 5-digit string the map filters on, whatever form the file used (an int,
            # a dropped leading zero, 1101.0): otherwise 札幌 would be drawn on 埼玉県's map.
            p["N03_007"] = code[:5]
    return codes, unlinked, problems


def _prefecture_codes(
    props: list[dict[str, Any]], bodies: dict[str, Body]
) -> tuple[list[str], list[str], list[Problem]]:
    by_name = {search_key(b.name): b.code for b in bodies.values() if b.kind == BodyKind.PREFECTURE}
    codes: list[str] = []
    problems: list[Problem] = []
    for i, p in enumerate(props, start=1):
        name = str(p.get("N03_001") or "")
        code = by_name.get(search_key(name))
        if code is None:
            problems.append(
                Problem(
                    f"都道府県名「{name}」が見つかりません",
                    f"unknown prefecture name '{name}'",
                    f"地物 {i} / feature {i} (N03_001)",
                )
            )
        else:
            codes.append(code)
    return codes, [], problems


def apply_boundary_import(
    session: Session, plan: BoundaryImportPlan, *, principal: Principal
) -> BoundaryLayer:
    """Store the layer, replacing an earlier import of the same level. National data: secretariat only."""
    authorize(principal, "registry.import")
    now = dt.datetime.now(dt.UTC)
    layer = session.get(BoundaryLayer, plan.level) or BoundaryLayer(level=plan.level)
    layer.format, layer.object_name, layer.code_property = plan.format, plan.object_name, plan.code_property
    layer.geometry, layer.codes, layer.feature_count = plan.geometry, plan.codes, plan.feature_count
    layer.source_name, layer.imported_at = plan.file_name, now
    session.add(layer)
    session.add(
        ReferenceLoad(
            dataset=f"boundaries:{plan.level}",
            source=plan.file_name,
            loaded_at=now,
            summary={
                "features": plan.feature_count,
                "linked": len(plan.codes),
                "unlinked": plan.unlinked,
                "missing": plan.missing,
            },
        )
    )
    session.flush()
    return layer
