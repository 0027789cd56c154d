"""予算: each measure's envelope per fiscal year, what approvals have committed, what was paid, what remains.

An approval takes its amount with one guarded UPDATE (``committed + amount <= envelope`` in the WHERE), so
the database decides between two approvals racing for the last yen: on PostgreSQL the second waits for the
first's row lock and then sees its amount; on SQLite writers are serialised. Exactly one wins; the other is
told how much remains, and nothing is committed for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from chiiki_iot.accounts import audit_recorder
from chiiki_iot.accounts.policy import Principal, authorize
from chiiki_iot.core.errors import Conflict, InvalidInput
from chiiki_iot.support.menus import get_measure
from chiiki_iot.support.models import SupportBudget, SupportMeasure

MONEY_MAX_YEN = 10**12


@dataclass(frozen=True)
class BudgetLine:
    """A measure's budget for one fiscal year, as pages and the API show it."""

    measure: SupportMeasure
    fiscal_year: int
    envelope_yen: int
    committed_yen: int
    paid_yen: int

    @property
    def remaining_yen(self) -> int:
        return self.envelope_yen - self.committed_yen


def set_envelope(
    session: Session, *, principal: Principal, measure_slug: str, fiscal_year: int, envelope_yen: int
) -> SupportBudget:
    """The secretariat sets (or changes) a measure's envelope for a year; never below what is committed."""
    authorize(principal, "support.measures")
    measure = get_measure(session, measure_slug)
    if not 0 <= envelope_yen <= MONEY_MAX_YEN:
        raise InvalidInput(
            "予算額は0円以上1兆円以下にしてください。", "The envelope must be 0–1 trillion yen."
        )
    if not 2000 <= fiscal_year <= 2100:
        raise InvalidInput("年度は2000〜2100にしてください。", "The fiscal year must be 2000–2100.")
    budget = _budget(session, measure.id, fiscal_year)
    if budget is None:
        budget = SupportBudget(measure_id=measure.id, fiscal_year=fiscal_year, envelope_yen=envelope_yen)
        session.add(budget)
    elif envelope_yen < budget.committed_yen:
        raise Conflict(
            f"予算額は交付決定済みの額（{budget.committed_yen:,}円）より少なくできません。",
            f"The envelope cannot go below what is already committed ({budget.committed_yen:,} yen).",
        )
    budget.envelope_yen = envelope_yen
    session.flush()
    return budget


def _budget(session: Session, measure_id: int, fiscal_year: int) -> SupportBudget | None:
    return session.scalar(
        select(SupportBudget).where(
            SupportBudget.measure_id == measure_id, SupportBudget.fiscal_year == fiscal_year
        )
    )


def commit(session: Session, *, measure_id: int, fiscal_year: int, amount_yen: int) -> None:
    """Take ``amount_yen`` from the year's envelope, or refuse with what remains (nothing changes)."""
    result = session.execute(
        update(SupportBudget)
        .where(
            SupportBudget.measure_id == measure_id,
            SupportBudget.fiscal_year == fiscal_year,
            SupportBudget.committed_yen + amount_yen <= SupportBudget.envelope_yen,
        )
        .values(committed_yen=SupportBudget.committed_yen + amount_yen)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, result).rowcount != 1:  # an UPDATE's result is a CursorResult
        budget = _budget(session, measure_id, fiscal_year)
        if budget is None:
            raise Conflict(
                f"{fiscal_year}年度の予算額が設定されていません。事務局が設定してから決定してください。",
                f"No envelope is set for fiscal {fiscal_year}; the secretariat sets one first.",
            )
        session.refresh(budget)
        remaining = budget.envelope_yen - budget.committed_yen
        raise Conflict(
            f"予算の残額（{remaining:,}円）が交付額（{amount_yen:,}円）に足りません。",
            f"The remaining budget ({remaining:,} yen) does not cover {amount_yen:,} yen.",
            extra={"remaining_yen": remaining},
        )
    _audit(session, measure_id, fiscal_year, f"交付決定 +{amount_yen:,}円 / committed +{amount_yen:,} yen")


def _audit(session: Session, measure_id: int, fiscal_year: int, note: str) -> None:
    """The guarded UPDATE is no ORM change the audit hook sees: it is logged as an event of its own."""
    audit_recorder.record_event(
        session,
        action="update",
        entity=SupportBudget.__tablename__,
        entity_key=f"{measure_id}/{fiscal_year}",
        note=note,
    )


def pay(session: Session, *, measure_id: int, fiscal_year: int, amount_yen: int) -> None:
    """Record a payment against what was committed (on completion)."""
    session.execute(
        update(SupportBudget)
        .where(SupportBudget.measure_id == measure_id, SupportBudget.fiscal_year == fiscal_year)
        .values(paid_yen=SupportBudget.paid_yen + amount_yen)
        .execution_options(synchronize_session=False)
    )
    _audit(session, measure_id, fiscal_year, f"支払 +{amount_yen:,}円 / paid +{amount_yen:,} yen")


def budget_lines(session: Session, *, fiscal_year: int | None = None) -> list[BudgetLine]:
    """Every envelope set (of one year, or all), by measure."""
    query = select(SupportBudget, SupportMeasure).join(SupportMeasure)
    if fiscal_year is not None:
        query = query.where(SupportBudget.fiscal_year == fiscal_year)
    rows = session.execute(query.order_by(SupportBudget.fiscal_year, SupportMeasure.menu, SupportMeasure.id))
    return [BudgetLine(m, b.fiscal_year, b.envelope_yen, b.committed_yen, b.paid_yen) for b, m in rows]
