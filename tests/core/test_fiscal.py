"""Fiscal years and 和暦: the dates every report is stated in."""

import datetime as dt

from chiiki_iot.core.fiscal import FiscalYear, date_in_japan, format_date, revision_label, wareki


class TestFiscalYear:
    def test_runs_april_to_march(self) -> None:
        fy = FiscalYear(2017)
        assert (fy.start, fy.end) == (dt.date(2017, 4, 1), dt.date(2018, 3, 31))

    def test_of_a_date_in_march_is_the_previous_year(self) -> None:
        assert FiscalYear.of(dt.date(2018, 3, 31)) == FiscalYear(2017)
        assert FiscalYear.of(dt.date(2018, 4, 1)) == FiscalYear(2018)

    def test_label_shows_the_era_year(self) -> None:
        assert FiscalYear(2017).label() == "2017年度（平成29年度）"
        assert FiscalYear(2019).label("en") == "FY2019"

    def test_fiscal_years_that_cross_an_era_change_use_the_new_era(self) -> None:
        assert FiscalYear(2019).label() == "2019年度（令和元年度）"
        assert FiscalYear(2018).label() == "2018年度（平成30年度）"
        assert FiscalYear(1988).label() == "1988年度（昭和63年度）"
        assert FiscalYear(1989).label() == "1989年度（平成元年度）"


class TestWareki:
    def test_seed_date(self) -> None:
        assert wareki(dt.date(2017, 7, 7)) == "平成29年7月7日"

    def test_era_boundary_and_gannen(self) -> None:
        assert wareki(dt.date(2019, 4, 30)) == "平成31年4月30日"
        assert wareki(dt.date(2019, 5, 1)) == "令和元年5月1日"

    def test_page_format_has_both(self) -> None:
        assert format_date(dt.date(2022, 1, 1)) == "2022年1月1日（令和4年1月1日）"


class TestParseDate:
    import pytest as _pytest

    @_pytest.mark.parametrize(
        ("typed", "day"),
        [
            ("令和2年4月1日", dt.date(2020, 4, 1)),
            ("R2.4.1", dt.date(2020, 4, 1)),
            ("H31.3.31", dt.date(2019, 3, 31)),
            ("平成元年4月1日", dt.date(1989, 4, 1)),
            ("令和元年5月1日", dt.date(2019, 5, 1)),
            ("２０２０/４/１", dt.date(2020, 4, 1)),
            ("2020-04-01", dt.date(2020, 4, 1)),
            (dt.datetime(2020, 4, 1, 9, 0), dt.date(2020, 4, 1)),
            ("r2.4.1", dt.date(2020, 4, 1)),
        ],
    )
    def test_what_people_type(self, typed: object, day: dt.date) -> None:
        from chiiki_iot.core.fiscal import parse_date

        assert parse_date(typed) == day

    @_pytest.mark.parametrize("bad", ["R2.13.1", "来年", "H31"])
    def test_nonsense_is_refused(self, bad: str) -> None:
        import pytest

        from chiiki_iot.core.fiscal import parse_date

        with pytest.raises(ValueError):
            parse_date(bad)


def test_an_upload_is_dated_by_the_japanese_calendar() -> None:
    """08:30 on 1 April in Tokyo is still 31 March in UTC: the answer belongs to the new fiscal year."""
    sent = dt.datetime(2027, 3, 31, 23, 30, tzinfo=dt.UTC)
    assert date_in_japan(sent) == dt.date(2027, 4, 1) and FiscalYear.of(date_in_japan(sent)).year == 2027


def test_a_revision_is_named_as_people_say_it() -> None:
    assert revision_label("2017-05") == "2017年5月版"
    assert revision_label("2026-12", "en") == "December 2026 revision"
    assert revision_label("draft") == "draft"  # not a year and month: left as it is
