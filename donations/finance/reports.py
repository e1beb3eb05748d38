"""The back office's reports of a year, month by month: gifts by kind and by method, monthly donors
(new, lapsed, stopped), the average gift, Stripe's fees. Each report is a table of figures; the
charts (donations/finance/charts.py) and the CSV downloads are drawn from the same table.

Sums are read from the rollups (donations.models.rollup, donations.models.monthly_rollup), grouped by month in SQL.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from donations.clock import PARIS, paris_date
from donations.finance.monthly_rollups import month_of, monthly_donors_of
from donations.models import DonationKind, FinanceDay, Payout, PayoutLine
from donations.models.monthly_rollup import FIGURES
from donations.models.payout import other_fees

NAMES = ("by-kind", "by-method", "monthly-donors", "average-gift", "fees")


@dataclass(frozen=True)
class Report:
    """One table: a row per month, a column per series; money in cents unless `money` is False."""

    name: str
    year: int
    series: tuple[str, ...]  # stored values (kinds, methods) or figure names, labelled by the page
    rows: tuple[tuple[dt.date, tuple[int, ...]], ...]
    money: bool = True
    stacked: bool = False
    charted: int = 0  # how many of the first series the chart draws (0: all); the table shows them all

    @property
    def charted_series(self) -> tuple[str, ...]:
        return self.series[: self.charted or len(self.series)]

    def total(self, index: int) -> int:
        return sum(values[index] for _, values in self.rows)


def months_of(year: int) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in range(1, 13)]


def _month(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _in_year(year: int) -> tuple:
    return (FinanceDay.day >= dt.date(year, 1, 1), FinanceDay.day <= dt.date(year, 12, 31))


def _kept_by(session: Session, year: int, column) -> dict[tuple[dt.date, str], tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(month, value of `column`) → (cents kept, payments), from the daily rollups (donations.models.rollup)."""
    month = month_of(session, FinanceDay.day)
    rows = session.execute(
        select(
            month,
            column,
            func.sum(FinanceDay.amount_cents - FinanceDay.refunded_cents),
            func.sum(FinanceDay.payments),
        )
        .where(*_in_year(year))
        .group_by(month, column)
    ).all()
    found: dict[tuple[dt.date, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for day, value, cents, count in rows:
        key = (_month(day), str(getattr(value, "value", value)))
        before = found[key]
        found[key] = (before[0] + int(cents or 0), before[1] + int(count or 0))
    return found


def _by(session: Session, year: int, name: str, column, known: tuple[str, ...]) -> Report:  # type: ignore[no-untyped-def]
    found = _kept_by(session, year, column)
    # Every method recorded shows, those added later (cheques, transfers, cash) too.
    series = tuple(dict.fromkeys([*known, *sorted({value for _, value in found})]))
    rows = tuple((month, tuple(found[(month, value)][0] for value in series)) for month in months_of(year))
    return Report(name, year, series, rows, stacked=True)


def gifts_by_kind(session: Session, year: int) -> Report:
    """Money kept each month (received less refunds), by kind of gift."""
    return _by(session, year, "by-kind", FinanceDay.kind, tuple(kind.value for kind in DonationKind))


def gifts_by_method(session: Session, year: int) -> Report:
    """Money kept each month, by payment method."""
    return _by(session, year, "by-method", FinanceDay.method, ("card", "sepa_debit"))


def average_gift(session: Session, year: int) -> Report:
    """The average payment kept each month (0 in a month without gifts), and how many there were."""
    found = _kept_by(session, year, FinanceDay.kind)
    rows = []
    for month in months_of(year):
        cents = sum(found[(month, kind.value)][0] for kind in DonationKind)
        count = sum(found[(month, kind.value)][1] for kind in DonationKind)
        rows.append((month, (round(cents / count) if count else 0,)))
    return Report("average-gift", year, ("average",), tuple(rows))


def fees(session: Session, year: int) -> Report:
    """Stripe's fees each month: each payment's, then those charged apart (a dispute's fee), and the
    money they were taken on."""
    month = month_of(session, FinanceDay.day)
    rows = session.execute(
        select(month, func.sum(FinanceDay.fee_cents), func.sum(FinanceDay.fee_amount_cents))
        .where(*_in_year(year))
        .group_by(month)
    ).all()
    by_month: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for day, fee, amount in rows:
        if day is not None:  # a settled payment always has its day
            by_month[_month(day)][0] += int(fee or 0)
            by_month[_month(day)][2] += int(amount or 0)
    first, after = (dt.datetime(y, 1, 1, tzinfo=PARIS).astimezone(dt.UTC) for y in (year, year + 1))
    others = session.execute(
        select(PayoutLine.booked_at, PayoutLine.fee_cents)
        .join(Payout, Payout.id == PayoutLine.payout_id)
        # The partial index's own predicate (ix_payout_line_other_fees), so that the index serves it.
        .where(text(other_fees("payout_line")))
        .where(PayoutLine.booked_at >= first, PayoutLine.booked_at < after)
    ).all()
    for at, fee in others:
        day = paris_date(at)
        if day.year == year:
            by_month[_month(day)][1] += int(fee)
    return Report(
        "fees",
        year,
        ("payment_fees", "other_fees", "charged_on"),
        tuple((month, tuple(by_month[month])) for month in months_of(year)),
        stacked=True,
        charted=2,
    )


def monthly_donors(session: Session, year: int) -> Report:
    """Monthly gifts each month: giving (a payment received), new (their first), lapsed (paid the month
    before, not this month, yet not stopped) and stopped (the monthly gift ended). Read from the counters
    kept per month (donations.models.monthly_rollup)."""
    found = monthly_donors_of(session, year)
    rows = tuple((month, found.get(month, (0, 0, 0, 0))) for month in months_of(year))
    return Report("monthly-donors", year, FIGURES, rows, money=False)


BUILDERS = {
    "by-kind": gifts_by_kind,
    "by-method": gifts_by_method,
    "monthly-donors": monthly_donors,
    "average-gift": average_gift,
    "fees": fees,
}


def report(session: Session, name: str, year: int) -> Report:
    """One report of `year` by its name (one of NAMES)."""
    return BUILDERS[name](session, year)
