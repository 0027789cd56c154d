"""全国地方公共団体コード: check digits and the forms people type codes in."""

import pytest

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.registry.codes import check_digit, is_valid, normalize_code, prefecture_code


class TestCheckDigit:
    @pytest.mark.parametrize("code", ["011002", "012131", "131016", "402311", "473821", "010006", "130001"])
    def test_known_codes(self, code: str) -> None:
        assert check_digit(code[:5]) == code[5]
        assert is_valid(code)

    def test_remainder_zero_gives_one_and_one_gives_zero(self) -> None:
        # 苫小牧市 01213: weighted sum 22, remainder 0 → check digit 1.
        assert check_digit("01213") == "1"
        # 02005 (青森県): sum 0*6+2*5+0+0+5*2 = 20, remainder 9 → 2; find a remainder-1 case:
        assert check_digit("10000") == "5"


class TestNormalizeCode:
    @pytest.mark.parametrize(
        ("typed", "code"),
        [
            ("011002", "011002"),
            ("01100", "011002"),
            ("1100", "011002"),
            ("０１１００２", "011002"),
            ("０１１００", "011002"),
            (" 13101 ", "131016"),
            (1100, "011002"),
        ],
    )
    def test_accepted_forms(self, typed: str, code: str) -> None:
        assert normalize_code(typed) == code

    def test_wrong_check_digit_is_refused_with_the_right_digit(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            normalize_code("011003")
        assert "検査数字が正しくありません" in exc.value.message_ja
        assert "check digit of 01100 is 2" in exc.value.message_en

    @pytest.mark.parametrize("typed", ["", "12", "1234567", "abc"])
    def test_wrong_length_is_refused(self, typed: str) -> None:
        with pytest.raises(InvalidInput):
            normalize_code(typed)

    def test_prefecture_of_a_body(self) -> None:
        assert prefecture_code("011002") == "010006"
        assert prefecture_code("473821") == "470007"


class TestColumnReader:
    def test_six_digit_codes_that_lost_their_zero(self) -> None:
        from chiiki_iot.registry.codes import column_reader

        read = column_reader(["10006", "11002", "472018"])
        assert [read(v) for v in ("10006", "11002", "472018")] == ["010006", "011002", "472018"]

    def test_five_digit_jis_codes_stay_five_digit(self) -> None:
        from chiiki_iot.registry.codes import column_reader

        read = column_reader(["01100", "13101", "47201"])
        assert [read(v) for v in ("01100", "13101")] == ["011002", "131016"]
