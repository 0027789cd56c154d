"""Fiscal years (年度) and Japanese era dates (和暦).

A Japanese 年度 runs from 1 April to 31 March: ``FiscalYear(2017)`` is 2017-04-01..2018-03-31, and its
year-end (年度末) is the date most programme figures are reported as of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from japanera import EraDate

from chiiki_iot.core.errors import InvalidInput


@dataclass(frozen=True, order=True)
class FiscalYear:
    """年度: named by the calendar year in which it starts."""

    year: int

    @classmethod
    def of(cls, day: dt.date) -> FiscalYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 4, 1)

    @property
    def end(self) -> dt.date:
        """年度末: 31 March of the following calendar year."""
        return dt.date(self.year + 1, 3, 31)

    def label(self, lang: str = "ja") -> str:
        if lang == "en":
            return f"FY{self.year}"
        # A 年度 takes the era in force at the end of its starting calendar year: FY2019 began under 平成
        # but is officially 令和元年度, and FY1989 is 平成元年度 (昭和 ended in January 1989).
        return f"{self.year}年度（{wareki_year(dt.date(self.year, 12, 31))}度）"


JAPAN = ZoneInfo("Asia/Tokyo")


def today_in_japan() -> dt.date:
    """今日: the date in Japan, whatever the server's time zone. An answer sent at 08:00 on 1 April in Tokyo
    is dated 1 April even on a server that keeps UTC, where it is still 31 March."""
    return dt.datetime.now(JAPAN).date()


def date_in_japan(moment: dt.datetime) -> dt.date:
    """The Japanese calendar date of a stored (UTC) timestamp."""
    return moment.astimezone(JAPAN).date()


def _era_year(day: dt.date) -> tuple[str, str, int]:
    era = EraDate.from_date(day).era
    return era.kanji, era.english, day.year - era.since.year + 1


def wareki_year(day: dt.date) -> str:
    """'平成29年', '令和元年' — the era year containing ``day``."""
    kanji, _, n = _era_year(day)
    return f"{kanji}{'元' if n == 1 else n}年"


def wareki(day: dt.date) -> str:
    """A date in 和暦: 2017-07-07 → '平成29年7月7日'; 2019-05-01 → '令和元年5月1日'."""
    return f"{wareki_year(day)}{day.month}月{day.day}日"


def format_date(day: dt.date, lang: str = "ja") -> str:
    """A date as a Japanese page shows it: Western date with 和暦 beside it."""
    if lang == "en":
        return day.isoformat()
    return f"{day.year}年{day.month}月{day.day}日（{wareki(day)}）"


def revision_label(year_month: str, lang: str = "ja") -> str:
    """A revision named by the year and month it was decided ('2017-05') as people say it: 2017年5月版,
    or 'May 2017 revision'. Anything else is returned as it is."""
    try:
        day = dt.date.fromisoformat(f"{year_month}-01")
    except ValueError:
        return year_month
    return f"{day:%B %Y} revision" if lang == "en" else f"{day.year}年{day.month}月版"


# Era first years, for reading 和暦 dates people type: 令和2年4月1日, R2.4.1, H31.3.31, 平成元年.
_ERAS = {
    "明治": 1868,
    "大正": 1912,
    "昭和": 1926,
    "平成": 1989,
    "令和": 2019,
    "M": 1868,
    "T": 1912,
    "S": 1926,
    "H": 1989,
    "R": 2019,
}


def parse_date(value: object) -> dt.date:
    """A date as users write it in a workbook or a CSV: a date cell, ISO or slashes, or 和暦 in kanji or
    letters. Raises ValueError with what was given."""
    import re
    import unicodedata

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().upper().replace("元", "1")
    if match := re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text):
        return dt.date(*(int(g) for g in match.groups()))
    if match := re.fullmatch(
        r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(\d{1,2})[./年](\d{1,2})[./月](\d{1,2})日?", text
    ):
        era, year, month, day = match.groups()
        return dt.date(_ERAS[era] + int(year) - 1, int(month), int(day))
    raise ValueError(f"not a date: {value!r}")


def parse_entered_date(raw: str) -> dt.date:
    """A date typed into a form (ISO, slashes or 和暦), or a bilingual refusal naming what was typed."""
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise InvalidInput(
            f"日付「{raw}」が読めません（例 2020-04-01、令和2年4月1日）。",
            f"Cannot read the date '{raw}' (e.g. 2020-04-01).",
        ) from exc
