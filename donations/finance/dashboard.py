"""The back office's first page: money received this month and this year, monthly gifts, what needs a look."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from donations.fulfilment.health import WebhookHealth, webhook_health
from donations.models import Donation, DonationKind, DonationStatus, Payment, PaymentStatus, Receipt

MONTHS_CHARTED = 12
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
    failed_waiting: int
    health: WebhookHealth
    chart: Chart
    pdf_problems: int = 0
    # The latest receipts whose PDF could not be drawn or stored (see `Receipt.pdf_problem`).
    pdf_problem_receipts: tuple[Receipt, ...] = ()


def received_month_and_year(session: Session, today: dt.date) -> tuple[Received, Received]:
    """What was received this month and this year to `today` (Paris), refunds deducted: two statements
    over the year's payments (the received_on index), each figure of the month summed where it falls."""
    month_start, year_start = today.replace(day=1), dt.date(today.year, 1, 1)
    settled = (
        Payment.status == PaymentStatus.SUCCEEDED,
        Payment.received_on >= year_start,
        Payment.received_on <= today,
    )
    in_month = Payment.received_on >= month_start
    kept = Payment.amount_cents - Payment.refunded_cents
    rows = session.execute(
        select(
            Donation.kind,
            func.coalesce(func.sum(case((in_month, kept), else_=0)), 0),
            func.count(case((in_month, Payment.id))),
            func.coalesce(func.sum(kept), 0),
            func.count(Payment.id),
        )
        .select_from(Payment)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(*settled)
        .group_by(Donation.kind)
    ).all()
    donors_month, donors_year = session.execute(
        select(
            func.count(func.distinct(case((in_month, Donation.donor_id)))), func.count(func.distinct(Donation.donor_id))
        )
        .join(Payment, Payment.donation_id == Donation.id)
        .where(*settled)
    ).one()
    month_by_kind, year_by_kind = ({kind: 0 for kind in DonationKind} for _ in range(2))
    month_count = year_count = 0
    for kind, month_cents, month_payments, year_cents, year_payments in rows:
        month_by_kind[kind], year_by_kind[kind] = int(month_cents), int(year_cents)
        month_count += month_payments
        year_count += year_payments
    return (
        Received(month_start, today, month_by_kind, donors_month or 0, month_count),
        Received(year_start, today, year_by_kind, donors_year or 0, year_count),
    )


def received(session: Session, first: dt.date, last: dt.date) -> Received:
    """What was received from `first` to `last` (Paris days, both included), refunds deducted."""
    settled = (Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on >= first, Payment.received_on <= last)
    rows = session.execute(
        select(
            Donation.kind,
            func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0),
            func.count(Payment.id),
        )
        .select_from(Payment)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(*settled)
        .group_by(Donation.kind)
    ).all()
    donors = session.scalar(
        select(func.count(func.distinct(Donation.donor_id)))
        .join(Payment, Payment.donation_id == Donation.id)
        .where(*settled)
    )
    by_kind = {kind: 0 for kind in DonationKind}
    count = 0
    for kind, cents, payments in rows:
        by_kind[kind] = int(cents)
        count += payments
    return Received(first, last, by_kind, donors or 0, count)


def _month_start(day: dt.date, back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def monthly_chart(session: Session, today: dt.date, width: int = 600, height: int = 160) -> Chart:
    """The money kept in each of the last twelve months, as bars scaled to the largest."""
    first = _month_start(today, MONTHS_CHARTED - 1)
    # Summed by day, then by month here: the same SQL on SQLite and PostgreSQL.
    rows = session.execute(
        select(Payment.received_on, func.sum(Payment.amount_cents - Payment.refunded_cents))
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on >= first, Payment.received_on <= today)
        .group_by(Payment.received_on)
    ).all()
    months = [_month_start(today, back) for back in range(MONTHS_CHARTED - 1, -1, -1)]
    totals = dict.fromkeys(months, 0)
    for day, cents in rows:
        totals[dt.date(day.year, day.month, 1)] += int(cents or 0)  # type: ignore[union-attr]
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
    running = (Donation.kind == DonationKind.MONTHLY, Donation.status == DonationStatus.ACTIVE)
    with_problem = Receipt.pdf_problem.is_not(None)
    # Four figures, one statement: each a subquery on its own index (donation.status, payment.status, ...).
    monthly_count, monthly_cents, failed, pdf_problems = session.execute(
        select(
            select(func.count(Donation.id)).where(*running).scalar_subquery(),
            select(func.coalesce(func.sum(Donation.amount_cents), 0)).where(*running).scalar_subquery(),
            select(func.count(Payment.id))
            .select_from(Payment)
            .join(Donation, Donation.id == Payment.donation_id)
            .where(Payment.status == PaymentStatus.FAILED, Donation.status.not_in(OVER))
            .scalar_subquery(),
            select(func.count(Receipt.id)).where(with_problem).scalar_subquery(),
        )
    ).one()
    monthly = (monthly_count or 0, monthly_cents or 0)
    pdf_problems = pdf_problems or 0
    latest = (
        session.scalars(
            select(Receipt).where(with_problem).order_by(Receipt.pdf_problem_at.desc(), Receipt.id.desc()).limit(5)
        ).all()
        if pdf_problems
        else []
    )
    month, year = received_month_and_year(session, today)
    return Dashboard(
        month=month,
        year=year,
        monthly_active=monthly[0],
        monthly_total_cents=int(monthly[1]),
        failed_waiting=failed or 0,
        health=webhook_health(session, now),
        chart=monthly_chart(session, today),
        pdf_problems=pdf_problems,
        pdf_problem_receipts=tuple(latest),
    )
