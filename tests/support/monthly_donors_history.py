"""The monthly-donors report computed straight from the payments, donations and Stripe events, as the
reports page computed it before it read counters: what the counters must give, month by month."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.clock import paris_date
from donations.models import Donation, DonationKind, DonationStatus, Payment, PaymentStatus, StripeEvent


def _month(day: dt.date) -> dt.date:
    return dt.date(day.year, day.month, 1)


def _stopped_months(session: Session) -> dict[int, dt.date]:
    stopped = session.execute(
        select(Donation.id, Donation.updated_at).where(
            Donation.kind == DonationKind.MONTHLY, Donation.status == DonationStatus.CANCELLED
        )
    ).all()
    if not stopped:
        return {}
    ended = dict(
        session.execute(
            select(StripeEvent.donation_id, func.min(StripeEvent.created))
            .where(
                StripeEvent.type == "customer.subscription.deleted",
                StripeEvent.donation_id.in_([d for d, _ in stopped]),
            )
            .group_by(StripeEvent.donation_id)
        ).all()
    )
    return {donation_id: _month(paris_date(ended.get(donation_id) or updated)) for donation_id, updated in stopped}


def monthly_donors_from_history(session: Session, year: int) -> list[tuple[dt.date, tuple[int, int, int, int]]]:
    """Each month of `year`: (giving, new, lapsed, stopped) monthly gifts."""
    paid = session.execute(
        select(Payment.donation_id, Payment.received_on)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(
            Donation.kind == DonationKind.MONTHLY,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.received_on.is_not(None),
        )
    ).all()
    months_paid: dict[int, set[dt.date]] = defaultdict(set)
    for donation_id, day in paid:
        if day is not None:
            months_paid[donation_id].add(_month(day))
    stopped_on = _stopped_months(session)
    rows = []
    for month in (dt.date(year, m, 1) for m in range(1, 13)):
        previous = _month(month - dt.timedelta(days=1))
        giving = {d for d, months in months_paid.items() if month in months}
        new = {d for d in giving if min(months_paid[d]) == month}
        stopped = {d for d, when in stopped_on.items() if when == month}
        lapsed = {
            d
            for d, months in months_paid.items()
            if previous in months
            and month not in months
            and d not in stopped
            and (stopped_on.get(d) is None or stopped_on[d] > month)
        }
        rows.append((month, (len(giving), len(new), len(lapsed), len(stopped))))
    return rows
