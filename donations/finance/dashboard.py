"""The back office's first page: money received this month and this year, monthly gifts, what needs a look.

The money and the donors are read from the daily rollups (donations.models.rollup), never from the payments;
the donors and the running monthly gifts from counter rows (donations.models.rollup_books).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.finance.rollups import donors_in
from donations.fulfilment.health import WebhookHealth, webhook_health
from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    FinanceDay,
    FinanceDonationStatus,
    Payment,
    PaymentStatus,
    Receipt,
)

MONTHS_CHARTED = 12
# As many as the list of failed payments shows (donations.finance.failed_payments.LISTED).
FAILED_COUNTED = 200
# A failed payment stops waiting once its gift is over (stopped, never completed, refunded).
OVER = (DonationStatus.CANCELLED, DonationStatus.EXPIRED, DonationStatus.REFUNDED)


@dataclass(frozen=True)
class Received:
    """Money kept (received less refunds) over a period, by kind of gift, and from how many donors."""

    first: dt.date
    last: dt.date
    by_kind: dict[DonationKind, int]
    donors: int
    payments: int

    @property
    def total_cents(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class Bar:
    """One month of the chart, its geometry computed here so the template only draws."""

    month: dt.date
    cents: int
    x: int
    y: int
    height: int


@dataclass(frozen=True)
class Chart:
    """The bars of the last twelve months and the drawing's size."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    bar_width: int
    max_cents: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the first page shows."""

    month: Received
    year: Received
    monthly_active: int
    monthly_total_cents: int
    failed_waiting: int  # at most FAILED_COUNTED + 1
    health: WebhookHealth
    chart: Chart
    pdf_problems: int = 0
    # The latest receipts whose PDF could not be drawn or stored (see `Receipt.pdf_problem`).
    pdf_problem_receipts: tuple[Receipt, ...] = ()

    @property
    def failed_more_than(self) -> int | None:
        """The bound when there are more failed payments waiting than counted ("more than 200")."""
        return FAILED_COUNTED if self.failed_waiting > FAILED_COUNTED else None


DayRows = list[tuple[dt.date, DonationKind, int, int]]


def day_rows(session: Session, first: dt.date, last: dt.date) -> DayRows:
    """(Paris day, kind, money kept, payments) from the daily rollups, `first` to `last` included."""
    rows = session.execute(
        select(
            FinanceDay.day,
            FinanceDay.kind,
            func.sum(FinanceDay.amount_cents - FinanceDay.refunded_cents),
            func.sum(FinanceDay.payments),
        )
        .where(FinanceDay.day >= first, FinanceDay.day <= last)
        .group_by(FinanceDay.day, FinanceDay.kind)
    ).all()
    return [(day, kind, int(cents or 0), int(payments or 0)) for day, kind, cents, payments in rows]


def received_month_and_year(
    rows: DayRows, today: dt.date, donors_month: int, donors_year: int
) -> tuple[Received, Received]:
    """What was received this month and this year to `today` (Paris), refunds deducted, from day rows."""
    month_start, year_start = today.replace(day=1), dt.date(today.year, 1, 1)
    month_by_kind, year_by_kind = ({kind: 0 for kind in DonationKind} for _ in range(2))
    month_count = year_count = 0
    for day, kind, cents, payments in rows:
        if year_start <= day <= today:
            year_by_kind[kind] += cents
            year_count += payments
            if day >= month_start:
                month_by_kind[kind] += cents
                month_count += payments
    return (
        Received(month_start, today, month_by_kind, donors_month, month_count),
        Received(year_start, today, year_by_kind, donors_year, year_count),
    )


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def chart_start(today: dt.date) -> dt.date:
    """The first day charted: the first of the month eleven months back (always before 1 January)."""
    return _month_start(today, MONTHS_CHARTED - 1)


def monthly_chart(rows: DayRows, today: dt.date, width: int = 600, height: int = 160) -> Chart:
    """The money kept in each of the last twelve months, as bars scaled to the largest."""
    months = [_month_start(today, back) for back in range(MONTHS_CHARTED - 1, -1, -1)]
    totals = dict.fromkeys(months, 0)
    for day, _kind, cents, _payments in rows:
        month = dt.date(day.year, day.month, 1)
        if month in totals and day <= today:
            totals[month] += cents
    top = max(totals.values()) or 1
    slot = width // MONTHS_CHARTED
    bar_width = slot - 8
    bars = []
    for i, month in enumerate(months):
        bar_height = round(totals[month] * height / top)
        bars.append(Bar(month, totals[month], i * slot + 4, height - bar_height, bar_height))
    return Chart(tuple(bars), width, height, bar_width, max(totals.values()))


def dashboard(session: Session, today: dt.date, now: dt.datetime) -> Dashboard:
    """Everything the first page shows, as of `today` (Paris) and `now`."""
    with_problem = Receipt.pdf_problem.is_not(None)
    # Counted up to a bound: past it the page says "more than" (the list shows the newest anyway).
    failed_waiting = (
        select(Payment.id)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(Payment.status == PaymentStatus.FAILED, Donation.status.not_in(OVER))
        .limit(FAILED_COUNTED + 1)
        .subquery()
    )
    # Four figures, one statement: the running monthly gifts' from their counter row (however many run),
    # the failed payments' stopping at the bound, the PDF problems' on their index.
    running = (
        FinanceDonationStatus.kind == DonationKind.MONTHLY,
        FinanceDonationStatus.status == DonationStatus.ACTIVE,
    )
    monthly_count, monthly_cents, failed, pdf_problems = session.execute(
        select(
            select(FinanceDonationStatus.donations).where(*running).scalar_subquery(),
            select(FinanceDonationStatus.amount_cents).where(*running).scalar_subquery(),
            select(func.count()).select_from(failed_waiting).scalar_subquery(),
            select(func.count(Receipt.id)).where(with_problem).scalar_subquery(),
        )
    ).one()
    donors_month, donors_year = donors_in(session, today.replace(day=1), dt.date(today.year, 1, 1))
    monthly = (monthly_count or 0, monthly_cents or 0)
    pdf_problems = pdf_problems or 0
    latest = (
        session.scalars(
            select(Receipt).where(with_problem).order_by(Receipt.pdf_problem_at.desc(), Receipt.id.desc()).limit(5)
        ).all()
        if pdf_problems
        else []
    )
    rows = day_rows(session, chart_start(today), today)
    month, year = received_month_and_year(rows, today, donors_month, donors_year)
    return Dashboard(
        month=month,
        year=year,
        monthly_active=monthly[0],
        monthly_total_cents=int(monthly[1]),
        failed_waiting=failed or 0,
        health=webhook_health(session, now),
        chart=monthly_chart(rows, today),
        pdf_problems=pdf_problems,
        pdf_problem_receipts=tuple(latest),
    )
