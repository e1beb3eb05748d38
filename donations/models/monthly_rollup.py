"""What the monthly-donors report reads instead of the payments: each month's giving, new, lapsed and
stopped monthly gifts, and the two facts of each monthly gift those counters are drawn from.

A monthly gift gives in a month when one of its payments succeeded on a Paris day of that month
(`Payment.received_on`); it is new in its first such month; it lapsed in a month when it gave the month
before, not this month, and had not stopped by then; it stopped in the Paris month of Stripe's first
`customer.subscription.deleted` event for it, else of its last change once cancelled. Kept up to date
before the commit of each transaction that changes a payment, a donation or an event
(donations.models.monthly_upkeep), rebuilt by
`flask finance rebuild-rollups` (donations.finance.monthly_rollups).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from donations.models.base import Base

FIGURES = ("giving", "new", "lapsed", "stopped")


class MonthlyGiftMonth(Base):
    """A month in which a monthly gift had at least one succeeded payment (no row: none)."""

    __tablename__ = "finance_monthly_gift_month"

    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(primary_key=True)


class MonthlyGiftStop(Base):
    """The month a stopped monthly gift ended (no row: still running, or never a monthly gift)."""

    __tablename__ = "finance_monthly_gift_stop"

    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), primary_key=True)
    month: Mapped[dt.date]


class MonthlyDonorsMonth(Base):
    """One month of the monthly-donors report: how many monthly gifts gave, were new, lapsed, stopped."""

    __tablename__ = "finance_monthly_donors"

    month: Mapped[dt.date] = mapped_column(primary_key=True)
    giving: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    lapsed: Mapped[int] = mapped_column(default=0)
    stopped: Mapped[int] = mapped_column(default=0)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def figures_of(months: set[dt.date] | frozenset[dt.date], stopped: dt.date | None) -> dict[tuple[dt.date, str], int]:
    """What one monthly gift adds to the report's months: given the months it gave in and the month it
    stopped (None: not stopped), 1 for each (month, figure) it counts in."""
    found: dict[tuple[dt.date, str], int] = {}
    for month in months:
        found[(month, "giving")] = 1
        after = next_month(month)
        if after not in months and (stopped is None or stopped > after):
            found[(after, "lapsed")] = 1
    if months:
        found[(min(months), "new")] = 1
    if stopped is not None:
        found[(stopped, "stopped")] = 1
    return found
