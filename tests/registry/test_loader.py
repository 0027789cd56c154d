"""The registry as loaded from the package: counts, kinds, blocks, and agreement with public tables."""

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chiiki_iot.registry import service
from chiiki_iot.registry.codes import is_valid
from chiiki_iot.registry.loader import load_registry
from chiiki_iot.registry.models import MUNICIPAL_KINDS, Block, Body, BodyKind


class TestCounts:
    def test_47_prefectures_and_1741_municipalities(self, session: Session) -> None:
        summary = service.registry_summary(session)
        assert summary["prefectures"] == 47
        assert summary["municipalities"] == 1741
        assert (summary["cities"], summary["special_wards"], summary["towns"], summary["villages"]) == (
            792,
            23,
            743,
            183,
        )
        assert summary["designated_cities"] == 20

    def test_wards_are_children_and_never_municipalities(self, session: Session) -> None:
        wards = session.scalars(select(Body).where(Body.kind == BodyKind.WARD)).all()
        assert len(wards) == 171
        assert all(w.parent is not None and w.parent.kind == BodyKind.DESIGNATED_CITY for w in wards)
        assert all(not w.is_municipality for w in wards)

    def test_every_code_passes_its_check_digit(self, session: Session) -> None:
        codes = session.scalars(select(Body.code)).all()
        assert codes and all(is_valid(c) for c in codes)

    def test_reloading_is_idempotent(self, session: Session) -> None:
        before = session.scalar(select(func.count()).select_from(Body))
        assert load_registry(session) is None
        load_registry(session, force=True)
        assert session.scalar(select(func.count()).select_from(Body)) == before

    def test_rows_built_by_older_rules_are_rebuilt_on_the_next_load(self, session: Session) -> None:
        """An upgrade that changes search keys or points must not leave old rows behind."""
        niigata = service.get_body(session, "150002")
        niigata.kana_key = "stale"
        last = service.last_load(session, "registry")
        last.summary = {**last.summary, "loader_version": 1}
        session.flush()
        assert load_registry(session) is not None
        assert service.search_bodies(session, "にいがた")[0].code == "150002"


class TestBlocks:
    def test_11_blocks_hold_47_prefectures_exactly_once(self, session: Session) -> None:
        blocks = service.list_blocks(session)
        assert [b.name_ja for b in blocks] == [
            "北海道",
            "東北",
            "関東",
            "信越",
            "北陸",
            "東海",
            "近畿",
            "中国",
            "四国",
            "九州",
            "沖縄",
        ]
        codes = [p.code for b in blocks for p in b.prefectures]
        assert len(codes) == len(set(codes)) == 47

    def test_yamanashi_in_kanto_and_shinetsu_is_niigata_and_nagano(self, session: Session) -> None:
        assert session.get(Body, "190004").block_slug == "kanto"
        shinetsu = session.get(Block, "shinetsu")
        assert [p.name for p in shinetsu.prefectures] == ["新潟県", "長野県"]

    def test_blocks_match_the_mic_bureau_table(self, session: Session, shared_data: Path) -> None:
        with (shared_data / "registry" / "mic_bureau_by_prefecture.csv").open(encoding="utf-8") as fh:
            bureau_of = {row["pref_lgcode"]: row["bureau_name"] for row in csv.DictReader(fh)}
        ours = {p.code: b.bureau_ja for b in service.list_blocks(session) for p in b.prefectures}
        assert ours == bureau_of


class TestAgainstPublicTables:
    def test_municipality_codes_and_names_match_the_juki_population_table(
        self, session: Session, shared_data: Path
    ) -> None:
        with (shared_data / "registry" / "population_juki_20220101_by_municipality.csv").open(
            encoding="utf-8"
        ) as fh:
            theirs = {row["lgcode"]: row["city"] for row in csv.DictReader(fh)}
        ours = {
            b.code: b.name for b in session.scalars(select(Body).where(Body.kind.in_(list(MUNICIPAL_KINDS))))
        }
        assert set(ours) == set(theirs)
        assert [c for c in ours if not theirs[c].endswith(ours[c])] == []  # theirs carry 郡: 石狩郡新篠津村

    def test_designated_city_wards_match_the_2024_ward_table(
        self, session: Session, shared_data: Path
    ) -> None:
        with (shared_data / "registry" / "designated_city_wards_current_jpcity.csv").open(
            encoding="utf-8"
        ) as fh:
            theirs = {row["ward_lgcode"] for row in csv.DictReader(fh) if row["row_kind"] == "ward"}
        ours = set(session.scalars(select(Body.code).where(Body.kind == BodyKind.WARD)))
        assert ours == theirs  # includes the 2024 Hamamatsu reorganisation applied as a correction

    def test_representative_points_lie_in_japan(self, session: Session) -> None:
        for body in service.all_points(session):
            assert 20 < body.lat < 46 and 122 < body.lng < 154, body.full_name

    @pytest.mark.slow
    def test_a_prefecture_point_is_one_of_its_own_municipalities(self, session: Session) -> None:
        """A mean of points put 東京都 in Sagami Bay; the point must be a real municipality's, on land."""
        for pref in service.list_prefectures(session):
            own = {(b.lat, b.lng) for b in service.all_points(session) if b.prefecture_code == pref.code}
            assert (pref.lat, pref.lng) in own, pref.name
        tokyo = service.get_body(session, "130001")
        assert 35.5 < tokyo.lat < 35.9 and 139.3 < tokyo.lng < 139.9  # in the Tama/23-ward area, not the sea

    def test_a_reload_keeps_the_web_address_a_body_entered(self, session: Session) -> None:
        body = service.get_body(session, "472018")
        body.url = "https://www.city.naha.okinawa.jp/"
        session.flush()
        load_registry(session, force=True)
        session.expire_all()
        assert service.get_body(session, "472018").url == "https://www.city.naha.okinawa.jp/"
        assert service.get_body(session, "130001").url  # prefecture addresses from the package stay
