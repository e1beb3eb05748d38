"""The dashboard's rollups recomputed from the payments (`flask finance rebuild-rollups`) and read back.

The flush keeps them up to date as payments change (donations.models.rollup_upkeep); a rebuild is
for rows written around the ORM (a bulk load, a repair by hand) and after a restore. It replaces the
rows from a day on: the days from it, the months from its month, the years from its year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from typing import cast as typed

from sqlalchemy import ColumnElement, CursorResult, Date, Table, case, cast, delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from donations.finance.books_rollups import (
    period_donors,
    rebuild_books,
    rebuild_donation_statuses,
    rebuild_period_donors,
)
from donations.finance.monthly_rollups import TABLES as MONTHLY_TABLES
from donations.finance.monthly_rollups import rebuild_monthly_donors
from donations.models import Donation, FinanceDay, FinanceDonorPeriod, Payment, PaymentStatus, Span
from donations.models.rollup_upkeep import month_start, year_start

# The accounting page's rollups and the counter rows (donations.finance.books_rollups).
BOOK_TABLES = ("finance_book_day", "finance_receipt_year", "finance_period_donors", "finance_donation_status")


@dataclass(frozen=True)
class Rebuilt:
    days: int
    donor_periods: int
    book_rows: int = 0
    monthly_donor_months: int = 0


def _start_of(session: Session, unit: str, column: Any) -> ColumnElement[dt.date]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(unit, column), Date)
    return func.date(column, f"start of {unit}")


def _succeeded(since: dt.date | None):  # type: ignore[no-untyped-def]
    query = (
        select()
        .select_from(Payment)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on.is_not(None))
    )
    return query.where(Payment.received_on >= since) if since else query


def rebuild(session: Session, since: dt.date | None = None) -> Rebuilt:
    """Recompute the rollups from the payments (all of them, or from `since`); the caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        # Recording waits for the rebuild's commit, then adds to the rebuilt rows (SQLite serialises writers).
        # One statement for every rollup table: locks taken one after the other could deadlock with a recording.
        tables = ", ".join(("finance_day", "finance_donor_period", *BOOK_TABLES, *MONTHLY_TABLES))
        session.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
    day_table, period_table = typed(Table, FinanceDay.__table__), typed(Table, FinanceDonorPeriod.__table__)
    session.execute(delete(day_table).where(day_table.c.day >= since) if since else delete(day_table))
    refunded = case((Payment.refunded_cents > 0, 1), else_=0)
    days = typed(
        CursorResult[Any],
        session.execute(
            insert(day_table).from_select(
                [
                    "day",
                    "kind",
                    "method",
                    "livemode",
                    "payments",
                    "amount_cents",
                    "refunded_cents",
                    "refunded_payments",
                    "fee_cents",
                    "fee_amount_cents",
                ],
                _succeeded(since)
                .add_columns(
                    Payment.received_on,
                    Donation.kind,
                    Payment.method,
                    Payment.livemode,
                    func.count(),
                    func.sum(Payment.amount_cents),
                    func.sum(Payment.refunded_cents),
                    func.sum(refunded),
                    func.coalesce(func.sum(Payment.fee_cents), 0),
                    func.sum(case((Payment.fee_cents.is_not(None), Payment.amount_cents), else_=0)),
                )
                .group_by(Payment.received_on, Donation.kind, Payment.method, Payment.livemode),
            )
        ),
    ).rowcount
    periods = 0
    for span, unit, first in ((Span.MONTH, "month", month_start), (Span.YEAR, "year", year_start)):
        start = first(since) if since else None
        gone = period_table.c.span == span.value
        session.execute(
            delete(period_table).where(gone, period_table.c.starts_on >= start)
            if start
            else delete(period_table).where(gone)
        )
        starts_on = _start_of(session, unit, Payment.received_on)
        periods += typed(
            CursorResult[Any],
            session.execute(
                insert(period_table).from_select(
                    ["span", "starts_on", "donor_id", "payments"],
                    _succeeded(start)
                    .add_columns(literal(span.value), starts_on, Donation.donor_id, func.count())
                    .group_by(starts_on, Donation.donor_id),
                )
            ),
        ).rowcount
    monthly = rebuild_monthly_donors(session)  # all of them, whatever `since`: they depend on the whole history
    session.flush()
    return Rebuilt(days, periods, _rebuild_accounting(session, since), monthly)


def _rebuild_accounting(session: Session, since: dt.date | None) -> int:
    """The accounting page's rollups and the donors counted per period, after the rows above."""
    rows = rebuild_books(session, since)
    rebuild_period_donors(session, since)
    rebuild_donation_statuses(session)
    session.flush()
    return rows


def donors_in(session: Session, month: dt.date, year: dt.date) -> tuple[int, int]:
    """How many donors gave (a succeeded payment) in the month starting `month` and the year starting `year`."""
    return period_donors(session, month, year)
