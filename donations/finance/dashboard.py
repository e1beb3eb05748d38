"""The back office's first page: money received this month and this year, monthly gifts, what needs a look."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.models import Donation, DonationKind, DonationStatus, Payment, PaymentStatus, Receipt
from donations.fulfilment.health import WebhookHealth, webhook_health

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


def received(session: Session, first: dt.date, last: dt.date) -> Received:
    """What was received from `first` to `last` (Paris days, both included), refunds deducted."""
    settled = (Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on >= first, Payment.received_on <= last)
    rows = session.execute(
        select(Donation.kind, func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0), func.count(Payment.id))
        .select_from(Payment)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(*settled)
        .group_by(Donation.kind)
    ).all()
    donors = session.scalar(
        select(func.count(func.distinct(Donation.donor_id))).join(Payment, Payment.donation_id == Donation.id).where(*settled)
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
        totals[dt.date(day.year, day.month, 1)] += int(cents or 0)
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
    monthly = session.execute(
        select(func.count(Donation.id), func.coalesce(func.sum(Donation.amount_cents), 0)).where(
            Donation.kind == DonationKind.MONTHLY, Donation.status == DonationStatus.ACTIVE
        )
    ).one()
    failed = session.scalar(
        select(func.count(Payment.id))
        .select_from(Payment)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(Payment.status == PaymentStatus.FAILED, Donation.status.not_in(OVER))
    )
    with_problem = Receipt.pdf_problem.is_not(None)
    pdf_problems = session.scalar(select(func.count(Receipt.id)).where(with_problem)) or 0
    latest = session.scalars(
        select(Receipt).where(with_problem).order_by(Receipt.pdf_problem_at.desc(), Receipt.id.desc()).limit(5)
    ).all() if pdf_problems else []
    return Dashboard(
        month=received(session, today.replace(day=1), today),
        year=received(session, dt.date(today.year, 1, 1), today),
        monthly_active=monthly[0],
        monthly_total_cents=int(monthly[1]),
        failed_waiting=failed or 0,
        health=webhook_health(session, now),
        chart=monthly_chart(session, today),
        pdf_problems=pdf_problems,
        pdf_problem_receipts=tuple(latest),
    )
