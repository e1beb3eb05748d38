"""What the finance dashboard reads instead of the payments: money kept per Paris day, donors per period.

Kept up to date in the transaction that changes a payment (donations.models.rollup_upkeep), rebuilt from
the payments by `flask finance rebuild-rollups`. A payment counts once it succeeded, on its Paris day
(`Payment.received_on`), refunds and lost disputes deducted through `refunded_cents`.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from donations.models.base import Base
from donations.models.donation import DonationKind, PaymentMethod
from donations.models.types import enum_column


class FinanceDay(Base):
    """The succeeded payments of one Paris day, of one kind of gift, by one method, in one Stripe mode."""

    __tablename__ = "finance_day"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    kind: Mapped[DonationKind] = mapped_column(enum_column(DonationKind), primary_key=True)
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod), primary_key=True)
    livemode: Mapped[bool] = mapped_column(primary_key=True)
    payments: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Of `payments`, those with some money given back (a refund, a lost dispute, an offline gift cancelled).
    refunded_payments: Mapped[int] = mapped_column(default=0)
    # Stripe's fees of those whose fee is known, and the money they were taken on (the fees report).
    fee_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class Span(enum.StrEnum):
    MONTH = "M"
    YEAR = "Y"


class FinanceDonorPeriod(Base):
    """A donor who gave in a month or a year, with how many succeeded payments (a row is gone at none)."""

    __tablename__ = "finance_donor_period"

    span: Mapped[Span] = mapped_column(enum_column(Span, 1), primary_key=True)
    starts_on: Mapped[dt.date] = mapped_column(primary_key=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), primary_key=True)
    payments: Mapped[int] = mapped_column(default=0)
