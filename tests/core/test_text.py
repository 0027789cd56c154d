"""Text folding: what a Japanese user types must find what the registry spells."""

import pytest

from chiiki_iot.core.text import digits_only, normalize, search_key


class TestSearchKey:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [
            ("さっぽろ", "サッポロ"),
            ("ｻｯﾎﾟﾛ", "さっぽろ"),
            ("竜ヶ崎", "龍ケ崎"),
            ("鎌ヶ谷", "鎌ケ谷"),
            ("霞が関", "霞ヶ関"),
            ("ＡＢＣ", "abc"),
            ("札幌 市", "札幌市"),
        ],
    )
    def test_variants_fold_together(self, typed: str, stored: str) -> None:
        assert search_key(typed) == search_key(stored)

    def test_different_names_stay_different(self) -> None:
        assert search_key("府中") != search_key("豊中")


class TestNormalize:
    def test_full_width_digits_become_ascii(self) -> None:
        assert normalize("０１１００２") == "011002"
        assert digits_only("〒０１１−００２") == "011002"


def test_clean_url_refuses_what_it_cannot_link_to() -> None:
    import pytest

    from chiiki_iot.core.errors import InvalidInput
    from chiiki_iot.core.text import clean_url

    assert clean_url(" https://www.city.sapporo.jp/ ") == "https://www.city.sapporo.jp/"
    for bad in ("javascript:alert(1)", "http://[::1", "http://a\nb", "ftp://example.jp"):
        with pytest.raises(InvalidInput):
            clean_url(bad)
