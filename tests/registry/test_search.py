"""Search as a Japanese user expects: kanji, either kana, code, 全角/半角, ヶ/ケ; prefix matches first."""

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.registry import service


class TestSearch:
    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("札幌", "北海道札幌市"),
            ("さっぽろ", "北海道札幌市"),
            ("サッポロ", "北海道札幌市"),
            ("ｻｯﾎﾟﾛ", "北海道札幌市"),
            ("011002", "北海道札幌市"),
            ("01100", "北海道札幌市"),
            ("０１１００２", "北海道札幌市"),
            ("竜ヶ崎", "茨城県龍ケ崎市"),
            ("鎌ヶ谷", "千葉県鎌ケ谷市"),
        ],
    )
    def test_finds_first(self, session: Session, query: str, expected: str) -> None:
        assert service.search_bodies(session, query)[0].full_name == expected

    def test_prefix_matches_come_before_contained_matches(self, session: Session) -> None:
        names = [b.name for b in service.search_bodies(session, "田", limit=200)]
        starts = [n.startswith("田") for n in names]
        assert starts[0] and not starts[-1]
        assert starts == sorted(starts, reverse=True)  # every 田… name before every …田… name

    def test_same_name_in_two_prefectures_both_found(self, session: Session) -> None:
        found = {b.full_name for b in service.search_bodies(session, "府中市")}
        assert {"東京都府中市", "広島県府中市"} <= found

    def test_wards_are_not_listed_unless_asked(self, session: Session) -> None:
        page = service.list_bodies(session, filters=service.BodyFilter(q="中央区"))
        assert {r.body.full_name for r in page.rows} == {"東京都中央区"}
        with_wards = service.list_bodies(session, filters=service.BodyFilter(q="中央区", include_wards=True))
        assert with_wards.total > 5

    def test_like_wildcards_are_literal(self, session: Session) -> None:
        assert service.search_bodies(session, "%") == []
        assert service.search_bodies(session, "_") == []


class TestFilters:
    def test_prefecture_and_kind(self, session: Session) -> None:
        page = service.list_bodies(session, filters=service.BodyFilter(prefecture="13", kind="特別区"))
        assert page.total == 23

    def test_block(self, session: Session) -> None:
        page = service.list_bodies(session, filters=service.BodyFilter(block="okinawa"), limit=100)
        assert page.total == 41
