"""The site's open-data catalogue (データカタログ) in DCAT, as JSON-LD: every dataset the dashboard draws on,
with its JSON and CSV distributions, so that portals (e.g. data.go.jp, which harvests DCAT) can list them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from chiiki_iot.core.datasets import registered
from chiiki_iot.core.fiscal import today_in_japan
from chiiki_iot.core.settings import get_settings
from chiiki_iot.roadmap import service as roadmap

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
FIXED = [
    ("registry-prefectures", "都道府県", "Prefectures", "/api/v1/prefectures", False),
    ("registry-municipalities", "市区町村", "Municipalities", "/api/v1/municipalities", False),
    ("roadmap-kpis", "ロードマップの KPI と目標", "Roadmap KPIs and targets", "/api/v1/roadmap/kpis", True),
    ("progress-kpis", "KPI の進捗（全国）", "KPI progress (Japan)", "/api/v1/progress/kpis", True),
    (
        "progress-support",
        "壁と支援が効く団体",
        "Bodies held back, by the support that answers them",
        "/api/v1/progress/support",
        True,
    ),
]


def _distributions(base: str, path: str, csv: bool) -> list[dict[str, Any]]:
    out = [
        {
            "@type": "dcat:Distribution",
            "dcat:accessURL": f"{base}{path}",
            "dcat:mediaType": "application/json",
        }
    ]
    if csv:
        joiner = "&" if "?" in path else "?"
        out.append(
            {
                "@type": "dcat:Distribution",
                "dcat:accessURL": f"{base}{path}{joiner}format=csv",
                "dcat:mediaType": "text/csv",
            }
        )
    return out


def _dataset(
    base: str, ident: str, title_ja: str, title_en: str, path: str, csv: bool, landing: str = "/dashboard"
) -> dict[str, Any]:
    return {
        "@type": "dcat:Dataset",
        "@id": f"{base}/api/v1/catalog#{ident}",
        "dct:identifier": ident,
        "dct:title": [{"@value": title_ja, "@language": "ja"}, {"@value": title_en, "@language": "en"}],
        "dct:language": ["ja", "en"],
        "dcat:landingPage": f"{base}{landing}",
        "dcat:distribution": _distributions(base, path, csv),
    }


def catalogue(session: Session) -> dict[str, Any]:
    base = get_settings().base_url.rstrip("/")
    datasets = [_dataset(base, *row) for row in FIXED]
    datasets += [
        _dataset(base, e.ident, e.title_ja, e.title_en, e.path, e.csv, e.landing_page) for e in registered()
    ]
    for kpi in roadmap.list_kpis(session):
        datasets.append(
            _dataset(
                base,
                f"kpi-{kpi.slug}",
                f"KPI：{kpi.name_ja}（都道府県別）",
                f"KPI: {kpi.name_en} (by prefecture)",
                f"/api/v1/progress/kpis/{kpi.slug}/breakdown?level=prefecture",
                True,
            )
        )
    for model in roadmap.list_models(session):
        datasets.append(
            _dataset(
                base,
                f"funnel-{model.slug}",
                f"段階別の団体数：{model.name_ja}",
                f"Bodies per stage: {model.name_en}",
                f"/api/v1/progress/funnel/{model.slug}",
                True,
            )
        )
        datasets.append(
            _dataset(
                base,
                f"adoption-{model.slug}",
                f"団体ごとの実装状況：{model.name_ja}",
                f"Each body's status: {model.name_en}",
                f"/api/v1/roadmap/models/{model.slug}/adoption",
                True,
            )
        )
    return {
        "@context": CONTEXT,
        "@type": "dcat:Catalog",
        "@id": f"{base}/api/v1/catalog",
        "dct:title": [
            {"@value": "地域IoT実装推進プラットフォーム データカタログ", "@language": "ja"},
            {"@value": "Regional IoT implementation platform: data catalogue", "@language": "en"},
        ],
        "dct:modified": {"@value": today_in_japan().isoformat(), "@type": "xsd:date"},
        "dcat:dataset": datasets,
    }
