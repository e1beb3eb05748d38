"""The monthly-donors report's counters recomputed from the history (`flask finance rebuild-rollups`) and read.

The flush keeps them up to date (donations.models.monthly_upkeep); a rebuild replaces them all, whatever
day the rebuild starts from: a gift's first month and its lapses depend on its whole history. The rules
are those of donations.models.monthly_rollup, in SQL over the gifts' months.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from typing import cast as typed

from sqlalchemy import ColumnElement, Date, Table, and_, cast, delete, func, insert, literal_column, select
from sqlalchemy.orm import Session, aliased

from donations.clock import paris_date
from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    MonthlyDonorsMonth,
    MonthlyGiftMonth,
    MonthlyGiftStop,
    Payment,
    PaymentStatus,
    StripeEvent,
)
from donations.models.monthly_rollup import FIGURES
from donations.models.monthly_upkeep import SUBSCRIPTION_DELETED

TABLES = ("finance_monthly_gift_month", "finance_monthly_gift_stop", "finance_monthly_donors")


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def month_of(session: Session, day: Any) -> ColumnElement[dt.date]:
    """The first day of the month of `day` (a date column), in SQL."""
    if _postgres(session):
        return cast(func.date_trunc(literal_column("'month'"), day), Date)
    return func.date(day, "start of month", type_=Date)


def _month_after(session: Session, month: Any) -> ColumnElement[dt.date]:
    if _postgres(session):
        return cast(month + literal_column("INTERVAL '1 month'"), Date)
    return func.date(month, "+1 month", type_=Date)


def _fill_months(session: Session) -> int:
    month = month_of(session, Payment.received_on)
    paid = (
        select(Payment.donation_id, month)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(
            Donation.kind == DonationKind.MONTHLY,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.received_on.is_not(None),
        )
        .distinct()
    )
    session.execute(insert(MonthlyGiftMonth).from_select(["donation_id", "month"], paid))
    return session.scalar(select(func.count()).select_from(MonthlyGiftMonth)) or 0


def _fill_stops(session: Session) -> int:
    """Each stopped monthly gift's month: Stripe's first subscription.deleted event, else its last change."""
    rows = session.execute(
        select(Donation.id, Donation.updated_at, func.min(StripeEvent.created))
        .outerjoin(StripeEvent, and_(StripeEvent.donation_id == Donation.id, StripeEvent.type == SUBSCRIPTION_DELETED))
        .where(Donation.kind == DonationKind.MONTHLY, Donation.status == DonationStatus.CANCELLED)
        .group_by(Donation.id, Donation.updated_at)
    ).all()
    stops = [{"donation_id": d, "month": paris_date(ended or updated).replace(day=1)} for d, updated, ended in rows]
    if stops:
        session.execute(insert(MonthlyGiftStop), stops)
    return len(stops)


def _counts(session: Session) -> dict[dt.date, dict[str, int]]:
    months, stops = MonthlyGiftMonth, MonthlyGiftStop
    later = aliased(MonthlyGiftMonth)
    after = _month_after(session, months.month)
    firsts = select(func.min(months.month).label("month")).group_by(months.donation_id).subquery()
    queries = {
        "giving": select(months.month, func.count()).group_by(months.month),
        "new": select(firsts.c.month, func.count()).group_by(firsts.c.month),
        "stopped": select(stops.month, func.count()).group_by(stops.month),
        # Gave in a month, not in the next, and not stopped by then: lapsed in the next.
        "lapsed": select(after, func.count())
        .outerjoin(later, and_(later.donation_id == months.donation_id, later.month == after))
        .outerjoin(stops, stops.donation_id == months.donation_id)
        .where(later.donation_id.is_(None), (stops.month.is_(None)) | (stops.month > after))
        .group_by(after),
    }
    counts: dict[dt.date, dict[str, int]] = {}
    for figure, query in queries.items():
        for month, count in session.execute(query):
            counts.setdefault(month, dict.fromkeys(FIGURES, 0))[figure] = int(count)
    return counts


def rebuild_monthly_donors(session: Session) -> int:
    """Recompute every monthly gift's months and stop, and the months' counters; the caller locks and commits.
    Answers how many months have counters."""
    for model in (MonthlyDonorsMonth, MonthlyGiftStop, MonthlyGiftMonth):
        session.execute(delete(typed(Table, model.__table__)))
    _fill_months(session)
    _fill_stops(session)
    counts = _counts(session)
    if counts:
        session.execute(insert(MonthlyDonorsMonth), [{"month": m, **c} for m, c in sorted(counts.items())])
    return len(counts)


def monthly_donors_of(session: Session, year: int) -> dict[dt.date, tuple[int, ...]]:
    """The counters of the months of `year` that have some (a month without a row counts 0 everywhere)."""
    columns = [getattr(MonthlyDonorsMonth, f) for f in FIGURES]
    rows = session.execute(
        select(MonthlyDonorsMonth.month, *columns).where(
            MonthlyDonorsMonth.month >= dt.date(year, 1, 1), MonthlyDonorsMonth.month <= dt.date(year, 12, 1)
        )
    )
    return {month: tuple(int(v) for v in counts) for month, *counts in rows}
