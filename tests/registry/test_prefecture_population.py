"""After a population import by municipality, a prefecture's page shows its population (the sum of its
municipalities, with how many were summed) instead of 「未取り込み」."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Grant, Principal, Role
from chiiki_iot.core.db import get_sessionmaker
from chiiki_iot.registry import service
from chiiki_iot.registry.importers import apply_population_import, plan_population_import
from chiiki_iot.registry.models import PopulationFigure

OPERATOR = Principal(actor="test-operator", grants=(Grant(Role.SECRETARIAT),), via="cli")
FIXTURE = Path("registry") / "population_juki_20220101_by_municipality.csv"


def _rows(shared_data: Path, prefecture: str) -> list[dict[str, str]]:
    with (shared_data / FIXTURE).open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["pref"] == prefecture]


class TestPrefecturePopulation:
    def test_sum_of_municipalities_after_the_fixture_import(
        self, session: Session, shared_data: Path
    ) -> None:
        data = (shared_data / FIXTURE).read_bytes()
        apply_population_import(
            session, plan_population_import(session, data=data, file_name=FIXTURE.name), principal=OPERATOR
        )
        hokkaido = service.population_history(session, "010006")
        expected = sum(int(r["population_juki"]) for r in _rows(shared_data, "北海道"))
        assert hokkaido[-1].population == expected and hokkaido[-1].summed == hokkaido[-1].of == 179

    def test_a_municipality_keeps_its_own_figure(self, session: Session, shared_data: Path) -> None:
        data = (shared_data / FIXTURE).read_bytes()
        apply_population_import(
            session, plan_population_import(session, data=data, file_name=FIXTURE.name), principal=OPERATOR
        )
        assert service.population_history(session, "011002")[-1].population == 1960668


@pytest.fixture
def tottori_imported(shared_data: Path) -> Iterator[int]:
    """鳥取県's municipalities imported and committed (the app reads its own sessions), removed after."""
    rows = _rows(shared_data, "鳥取県")
    text = "code,population,as_of\n" + "".join(
        f"{r['lgcode']},{r['population_juki']},2022-01-01\n" for r in rows
    )
    codes = [r["lgcode"] for r in rows]
    with get_sessionmaker()() as db, db.begin():
        apply_population_import(
            db, plan_population_import(db, data=text.encode(), file_name="tottori.csv"), principal=OPERATOR
        )
    try:
        yield sum(int(r["population_juki"]) for r in rows)
    finally:
        with get_sessionmaker()() as db, db.begin():
            db.execute(delete(PopulationFigure).where(PopulationFigure.body_code.in_(codes)))


class TestPrefecturePage:
    def test_shows_population_not_missing(self, client: TestClient, tottori_imported: int) -> None:
        page = client.get("/bodies/310000")
        facts = page.text.split('class="facts"')[1].split("</dl>")[0]
        assert f"{tottori_imported:,} 人" in facts and "未取り込み" not in facts
        assert "市区町村の人口の合計（19 / 19 団体）" in facts

    def test_api_gives_it_too(self, client: TestClient, tottori_imported: int) -> None:
        assert client.get("/api/v1/bodies/310000").json()["population"] == tottori_imported
