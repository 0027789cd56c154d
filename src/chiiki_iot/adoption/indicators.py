"""Context indicators (参考指標): any per-body time series — a CSV with a code, a date and a value — shown
on body pages and usable by KPIs later. Planned first, then applied all or nothing; importing the same
file again changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.adoption.models import Indicator, IndicatorValue
from chiiki_iot.core.errors import InvalidInput, Problem, UserError
from chiiki_iot.core.files import find_column, read_csv, refused
from chiiki_iot.core.text import normalize
from chiiki_iot.registry import service as registry
from chiiki_iot.registry.codes import column_reader
from chiiki_iot.roadmap.service import SLUG_PATTERN

CODE_COLUMNS = ("lgcode", "団体コード", "全国地方公共団体コード", "code")
DATE_COLUMNS = ("date", "日付", "基準日", "as_of")


@dataclass
class IndicatorPlan:
    slug: str
    file_name: str
    encoding_label: str
    value_column: str
    points: dict[tuple[str, dt.date], float] = field(default_factory=dict)
    new: int = 0
    changed: int = 0
    unchanged: int = 0


def plan_indicator_import(
    session: Session,
    *,
    slug: str,
    data: bytes,
    file_name: str,
    value_column: str,
    date_column: str | None = None,
    code_column: str | None = None,
) -> IndicatorPlan:
    import re

    if not re.match(SLUG_PATTERN, slug):
        raise InvalidInput(
            f"識別子「{slug}」は半角英小文字・数字・ハイフンで書いてください。",
            f"The identifier '{slug}' must be lower-case letters, digits and hyphens.",
        )
    table = read_csv(data, name=file_name)
    code_i = find_column(table.header, CODE_COLUMNS, code_column, ("団体コード", "code"), table)
    date_i = find_column(table.header, DATE_COLUMNS, date_column, ("日付", "date"), table)
    value_i = find_column(table.header, (), value_column, ("値", "value"), table)
    read_code = column_reader([cells[code_i] for _, cells in table.rows if code_i < len(cells)])
    known = registry.all_codes(session)
    plan = IndicatorPlan(slug, file_name, table.encoding_label, table.header[value_i])
    problems: list[Problem] = []
    for line, cells in table.rows:
        where = f"{line}行目 / row {line}"
        try:
            code = read_code(cells[code_i])
            day = dt.date.fromisoformat(normalize(cells[date_i]).replace("/", "-"))
            value = float(normalize(cells[value_i]).replace(",", ""))
        except (UserError, ValueError, IndexError) as error:
            ja = (
                error.message_ja
                if isinstance(error, UserError)
                else "団体コード・日付・値のいずれかが読めません"
            )
            en = (
                error.message_en if isinstance(error, UserError) else "the code, date or value cannot be read"
            )
            problems.append(Problem(ja, en, where))
            continue
        if code not in known:
            problems.append(
                Problem(
                    f"団体コード {code} は登録されていない団体です",
                    f"code {code} is not a registered body",
                    where,
                )
            )
        elif (code, day) in plan.points:
            problems.append(
                Problem(f"{code} の {day} が二度出てきます", f"{code} on {day} appears twice", where)
            )
        else:
            plan.points[(code, day)] = value
    if problems:
        raise refused(file_name, table.encoding_label, problems)
    existing = _existing(session, slug)
    for key, value in plan.points.items():
        old = existing.get(key)
        plan.new += old is None
        plan.changed += old is not None and old != value
        plan.unchanged += old == value
    return plan


def _existing(session: Session, slug: str) -> dict[tuple[str, dt.date], float]:
    indicator = session.scalar(select(Indicator).where(Indicator.slug == slug))
    if indicator is None:
        return {}
    rows = session.execute(
        select(IndicatorValue.body_code, IndicatorValue.observed_on, IndicatorValue.value).where(
            IndicatorValue.indicator_id == indicator.id
        )
    )
    return {(c, d): v for c, d, v in rows}


def apply_indicator_import(
    session: Session,
    plan: IndicatorPlan,
    *,
    principal: Principal,
    name_ja: str,
    name_en: str = "",
    unit: str = "",
    source: str = "",
) -> int:
    """Create or update the indicator and write new and changed points; return how many were written."""
    authorize(principal, "indicators.import")
    indicator = session.scalar(select(Indicator).where(Indicator.slug == plan.slug))
    if indicator is None:
        indicator = Indicator(
            slug=plan.slug,
            name_ja=name_ja or plan.slug,
            name_en=name_en,
            unit=unit,
            source=source or plan.file_name,
            is_synthetic=False,
        )
        session.add(indicator)
        session.flush()
    stored = {
        (v.body_code, v.observed_on): v
        for v in session.scalars(select(IndicatorValue).where(IndicatorValue.indicator_id == indicator.id))
    }
    written = 0
    for (code, day), value in plan.points.items():
        row = stored.get((code, day))
        if row is None:
            session.add(
                IndicatorValue(indicator_id=indicator.id, body_code=code, observed_on=day, value=value)
            )
            written += 1
        elif row.value != value:
            row.value = value
            written += 1
    session.flush()
    return written


def indicators_of_body(session: Session, body_code: str) -> list[tuple[Indicator, list[IndicatorValue]]]:
    """Each indicator with this body's values, oldest first (for the body page)."""
    rows = session.execute(
        select(Indicator, IndicatorValue)
        .join(IndicatorValue)
        .where(IndicatorValue.body_code == body_code)
        .order_by(Indicator.slug, IndicatorValue.observed_on)
    )
    grouped: dict[int, tuple[Indicator, list[IndicatorValue]]] = {}
    for indicator, value in rows:
        grouped.setdefault(indicator.id, (indicator, []))[1].append(value)
    return list(grouped.values())


def list_indicators(session: Session) -> list[Indicator]:
    return list(session.scalars(select(Indicator).order_by(Indicator.slug)))
