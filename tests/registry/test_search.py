"""Search as a Japanese user expects: kanji, either kana, code, 全角/半角, ヶ/ケ; prefix matches first."""

import pytest
from sqlalchemy.orm import Session

from chiiki_iot.core.errors import InvalidInput, NotFound
from chiiki_iot.registry import search, service


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

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("東京都府中市", "東京都府中市"),
            ("千葉県鎌ケ谷市", "千葉県鎌ケ谷市"),
            ("北海道", "北海道"),
            ("ほっかいどう", "北海道"),
            ("札幌市北区", "北海道札幌市北区"),
            ("浜松市中央区", "静岡県浜松市中央区"),
            ("梼原", "高知県檮原町"),
            ("とうきょうとふちゅう", "東京都府中市"),
            ("さっぽろしきたく", "北海道札幌市北区"),
            ("新潟", "新潟県"),
            ("にいがた", "新潟県"),
        ],
    )
    def test_names_written_as_in_an_address(self, session: Session, query: str, expected: str) -> None:
        assert service.search_bodies(session, query)[0].full_name == expected

    def test_prefecture_in_the_query_narrows_to_that_prefecture(self, session: Session) -> None:
        assert [b.full_name for b in service.search_bodies(session, "広島県府中")] == [
            "広島県府中市",
            "広島県府中町",
        ]

    def test_a_prefecture_alone_lists_it_and_its_municipalities(self, session: Session) -> None:
        page = service.list_bodies(session, filters=service.BodyFilter(q="東京都"))
        assert page.total == 62  # the API's municipality list: Tokyo's 62, not nothing
        with_pref = service.search_bodies(session, "とうきょうと", limit=100)
        assert with_pref[0].full_name == "東京都" and len(with_pref) == 63

    def test_prefecture_readings_do_not_match_in_the_middle(self, session: Session) -> None:
        """Every prefecture reading ends in けん: 「たけ」 must find 大竹市, not 秋田県 (あきたけん)."""
        found = [b.full_name for b in service.search_bodies(session, "たけ", limit=100)]
        assert "広島県大竹市" in found and "秋田県" not in found and "山形県" not in found

    def test_a_blank_query_is_no_query(self, session: Session) -> None:
        assert (
            service.list_bodies(session, filters=service.BodyFilter(q="　", include_prefectures=True)).total
            == 1741
        )

    def test_ga_is_only_folded_between_kanji(self, session: Session) -> None:
        found = {b.name for b in service.search_bodies(session, "かけ", limit=100)}
        assert "加賀市" not in found and "深川市" not in found
        assert service.search_bodies(session, "鶴が島")[0].name == "鶴ヶ島市"

    def test_a_code_with_a_wrong_check_digit_explains_itself(self, session: Session) -> None:
        assert service.search_bodies(session, "011001") == []
        ja, en = search.search_notice("011001")
        assert "01100 の検査数字は 2" in ja and "check digit of 01100 is 2" in en
        assert search.search_notice("011002") is None and search.search_notice("札幌") is None

    def test_like_wildcards_are_literal(self, session: Session) -> None:
        assert service.search_bodies(session, "%") == []
        assert service.search_bodies(session, "_") == []


class TestFilters:
    def test_prefecture_and_kind(self, session: Session) -> None:
        page = service.list_bodies(session, filters=service.BodyFilter(prefecture="13", kind="特別区"))
        assert page.total == 23

    def test_unknown_kind_or_block_is_an_error_not_an_empty_list(self, session: Session) -> None:
        with pytest.raises(InvalidInput):
            service.list_bodies(session, filters=service.BodyFilter(kind="都"))
        with pytest.raises(NotFound):
            service.list_bodies(session, filters=service.BodyFilter(block="atlantis"))

    def test_block(self, session: Session) -> None:
        page = service.list_bodies(session, filters=service.BodyFilter(block="okinawa"), limit=100)
        assert page.total == 41
