"""Amounts in yen as officials type them into the network's forms."""

import pytest

from chiiki_iot.core.errors import InvalidInput
from chiiki_iot.network.forms import yen


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("3000000", 3_000_000),
        ("3,000,000", 3_000_000),
        ("３０００００", 300_000),
        ("300万円", 3_000_000),
        ("2.5万", 25_000),
        ("１，２００円", 1_200),
        ("3億円", 300_000_000),
        ("１.５億", 150_000_000),
        ("", None),
    ],
)
def test_amounts_typed_in_the_usual_ways_are_read(typed: str, expected: int | None) -> None:
    assert yen(typed, "予算", "budget") == expected


@pytest.mark.parametrize("typed", ["約250万円", "三百万", "1.5", "12abc", "0.00001万"])
def test_other_text_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        yen(typed, "予算", "budget")
    assert "300万円" in refused.value.message_ja and "budget" in refused.value.message_en


@pytest.mark.parametrize(
    ("typed", "expected"), [("50000", 50_000), ("５万人", 50_000), ("1,200人", 1_200), ("", None)]
)
def test_counts_typed_in_the_usual_ways_are_read(typed: str, expected: int | None) -> None:
    from chiiki_iot.web.forms import whole_number

    assert whole_number(typed, "人口の上限", "population limit", unit="人") == expected


def test_a_count_that_is_not_one_is_refused() -> None:
    from chiiki_iot.web.forms import whole_number

    with pytest.raises(InvalidInput) as refused:
        whole_number("五万", "人口の上限", "population limit", unit="人")
    assert "5万" in refused.value.message_ja
