"""Load the national registry from the registry package (japancode) into the database.

The package ships codes, names, kana and representative points for prefectures, municipalities and
designated-city wards. We verify every code's check digit, restore leading zeros the package drops,
derive each body's kind, apply the dated corrections in ``data/registry/corrections.yaml`` and record
what we found, so an operator can see the registry's vintage and every flag.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.core.models import ReferenceLoad
from chiiki_iot.core.text import search_key
from chiiki_iot.registry.codes import check_digit, is_valid
from chiiki_iot.registry.models import Block, Body, BodyKind

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "registry"
REGISTRY_PACKAGE = "japancode"
# Raise when the way rows are derived changes (search keys, kinds, points, corrections), so that an
# existing database is reloaded on its next start instead of keeping rows built by the old rules.
LOADER_VERSION = 3


@dataclass
class RegistryRecord:
    """One body as read from the package, before it becomes a row."""

    code: str
    name: str
    full_name: str
    kana: str
    kind: BodyKind
    prefecture_code: str
    parent_code: str | None
    lat: float | None
    lng: float | None
    url: str | None = None
    name_en: str | None = None


@dataclass
class LoadReport:
    """What a load read and what it flagged (shown by ``chiiki-iot registry status``)."""

    source: str
    counts: dict[str, int] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "flags": self.flags,
            "corrections": self.corrections,
            "loader_version": LOADER_VERSION,
        }


def registry_source() -> str:
    return f"{REGISTRY_PACKAGE} {metadata.version(REGISTRY_PACKAGE)}"


def _package_json(name: str) -> list[dict[str, Any]]:
    text = (resources.files(REGISTRY_PACKAGE) / "data" / name).read_text(encoding="utf-8")
    return json.loads(text)


def _code6(raw: str, report: LoadReport) -> str:
    """The package stores codes as numbers-in-strings and loses the leading zero ('11002')."""
    code = raw.zfill(6)
    if not is_valid(code):
        report.flags.append(f"{raw}: check digit should be {check_digit(code[:5])}; corrected")
        code = code[:5] + check_digit(code[:5])
    return code


def read_package(report: LoadReport) -> list[RegistryRecord]:
    """Read prefectures, municipalities and wards from the package and derive kind and parent."""
    prefectures = _package_json("prefectures.json")
    municipalities = _package_json("municipalities.json")
    pref_code_by_pid = {p["pid"]: _code6(p["lgcode"], report) for p in prefectures}
    records = [
        RegistryRecord(
            code=pref_code_by_pid[p["pid"]],
            name=p["pref"],
            full_name=p["pref"],
            kana=p["prefkana"],
            kind=BodyKind.PREFECTURE,
            prefecture_code=pref_code_by_pid[p["pid"]],
            parent_code=None,
            lat=None,
            lng=None,
            url=p.get("url") or None,
            name_en=_prefecture_name_en(p),
        )
        for p in prefectures
    ]
    city_code_by_name = {(m["pid"], m["city"]): _code6(m["lgcode"], report) for m in municipalities}
    designated = {m["city"].split(" ")[0] for m in municipalities if " " in m["city"]}
    for m in municipalities:
        city, _, ward = m["city"].partition(" ")
        kana_city, _, kana_ward = m["citykana"].partition(" ")
        parent = city_code_by_name[(m["pid"], city)] if ward else None
        records.append(
            RegistryRecord(
                code=_code6(m["lgcode"], report),
                name=ward or city,
                full_name=m["pref"] + city + ward,
                kana=kana_ward or kana_city,
                kind=_municipal_kind(m["pid"], city, ward, designated),
                prefecture_code=pref_code_by_pid[m["pid"]],
                parent_code=parent,
                lat=m.get("lat"),
                lng=m.get("lng"),
            )
        )
    return records


def _prefecture_name_en(p: dict[str, Any]) -> str:
    """'Tokyo' → 'Tokyo Metropolis'-style names are not official; we use 'Aomori Prefecture' and the 3 specials."""
    special = {
        "北海道": "Hokkaido",
        "東京都": "Tokyo Metropolis",
        "京都府": "Kyoto Prefecture",
        "大阪府": "Osaka Prefecture",
    }
    return special.get(p["pref"], f"{p['pref_en']} Prefecture")


def _municipal_kind(pid: str, city: str, ward: str, designated: set[str]) -> BodyKind:
    if ward:
        return BodyKind.WARD
    if city in designated:
        return BodyKind.DESIGNATED_CITY
    if pid == "13" and city.endswith("区"):
        return BodyKind.SPECIAL_WARD
    return {"市": BodyKind.CITY, "町": BodyKind.TOWN, "村": BodyKind.VILLAGE}[city[-1]]


def apply_corrections(records: list[RegistryRecord], report: LoadReport) -> list[RegistryRecord]:
    """Apply the dated corrections for changes newer than the package's vintage."""
    corrections = yaml.safe_load((DATA_DIR / "corrections.yaml").read_text(encoding="utf-8"))
    by_code = {r.code: r for r in records}
    for fix in corrections:
        city = by_code[fix["city"]]
        for code in fix["retire"]:
            by_code.pop(code, None)
        for ward in fix["add"]:
            by_code[ward["code"]] = RegistryRecord(
                code=ward["code"],
                name=ward["name"],
                full_name=city.full_name + ward["name"],
                kana=ward["kana"],
                kind=BodyKind.WARD,
                prefecture_code=city.prefecture_code,
                parent_code=city.code,
                lat=city.lat,
                lng=city.lng,
            )
        report.corrections.append(f"{fix['effective']}: {fix['summary_ja']} ({fix['source']})")
        if fix["add"]:
            report.flags.append(
                f"{city.name}の新しい区（{'・'.join(w['name'] for w in fix['add'])}）の代表点は、"
                f"区の点がないため{city.name}の代表点を仮に使っています / the new wards borrow "
                f"the city's point until the registry package has their own"
            )
    return list(by_code.values())


def _fill_prefecture_points(records: list[RegistryRecord]) -> None:
    """A prefecture's representative point: that of its most central municipality (the medoid).

    The package gives prefectures no point. A plain mean of the municipalities' points falls in the sea
    wherever a prefecture has remote islands (東京都 lands in Sagami Bay, 鹿児島県 in the open sea); the
    medoid is always a real municipality's point, on land and inside the prefecture.
    """
    for pref in (r for r in records if r.kind == BodyKind.PREFECTURE):
        points = [
            (r.lat, r.lng)
            for r in records
            if r.prefecture_code == pref.code
            and r.lat is not None
            and r.lng is not None
            and r.kind not in (BodyKind.WARD, BodyKind.PREFECTURE)
        ]
        if points:
            pref.lat, pref.lng = medoid(points)


def medoid(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The point with the least total distance to all others (equirectangular distances suffice here)."""
    scale = math.cos(math.radians(sum(lat for lat, _ in points) / len(points)))

    def total_distance(a: tuple[float, float]) -> float:
        return sum(math.hypot(a[0] - b[0], (a[1] - b[1]) * scale) for b in points)

    return min(points, key=total_distance)


def load_blocks(session: Session) -> dict[str, str]:
    """Upsert the 11 blocks; return the block slug for each 2-digit prefecture code."""
    blocks = yaml.safe_load((DATA_DIR / "blocks.yaml").read_text(encoding="utf-8"))
    block_of: dict[str, str] = {}
    for order, b in enumerate(blocks, start=1):
        session.merge(
            Block(
                slug=b["slug"],
                name_ja=b["name_ja"],
                name_en=b["name_en"],
                bureau_ja=b["bureau_ja"],
                bureau_en=b["bureau_en"],
                sort_order=order,
            )
        )
        block_of.update({pref: b["slug"] for pref in b["prefectures"]})
    return block_of


def load_registry(session: Session, *, force: bool = False) -> LoadReport | None:
    """Load blocks and bodies unless this package version is already loaded. Returns the report, or None."""
    source = registry_source()
    last = session.scalar(
        select(ReferenceLoad).where(ReferenceLoad.dataset == "registry").order_by(ReferenceLoad.id.desc())
    )
    if (
        last is not None
        and last.source == source
        and last.summary.get("loader_version") == LOADER_VERSION
        and not force
    ):
        return None
    report = LoadReport(source=source)
    block_of = load_blocks(session)
    session.flush()
    records = apply_corrections(read_package(report), report)
    _fill_prefecture_points(records)
    # Prefectures first so that the self-referencing foreign keys are satisfied row by row.
    records.sort(key=lambda r: (r.kind != BodyKind.PREFECTURE, r.parent_code is not None, r.code))
    edited = {
        code: url for code, url in session.execute(select(Body.code, Body.url).where(Body.url.is_not(None)))
    }
    for r in records:
        # A web address a body entered itself (or the secretariat) is the body's, not the package's.
        session.merge(_to_row(r, block_of[r.code[:2]], source, keep_url=edited.get(r.code)))
    session.flush()
    report.counts = _count_kinds(records)
    session.add(
        ReferenceLoad(
            dataset="registry", source=source, loaded_at=dt.datetime.now(dt.UTC), summary=report.as_dict()
        )
    )
    return report


def _to_row(r: RegistryRecord, block_slug: str, source: str, *, keep_url: str | None = None) -> Body:
    return Body(
        code=r.code,
        name=r.name,
        full_name=r.full_name,
        kana=r.kana,
        name_en=r.name_en,
        kind=r.kind.value,
        prefecture_code=r.prefecture_code,
        parent_code=r.parent_code,
        block_slug=block_slug,
        lat=r.lat,
        lng=r.lng,
        url=keep_url or r.url,
        name_key=search_key(r.name),
        kana_key=search_key(r.kana),
        source=source,
    )


def _count_kinds(records: list[RegistryRecord]) -> dict[str, int]:
    counts: dict[str, int] = {k.value: 0 for k in BodyKind}
    for r in records:
        counts[r.kind.value] += 1
    return counts
