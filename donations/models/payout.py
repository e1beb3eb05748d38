"""Stripe's money on its way to the bank: fees, payouts and the balance transactions they group.

A payout is one bank credit; its lines are the balance transactions Stripe
paid out in it (payments, refunds, disputes, fees), each tied to our payment
when it has one, so finance sees which gifts make up each credit. A reversal
is money given back on a payment (a refund or a lost dispute), dated, so the
books reverse it on the day it left.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from donations.models.donation import Payment


class ReversalKind(enum.StrEnum):
    REFUND = "refund"
    DISPUTE = "dispute"  # a dispute lost: the bank took the money back


class Payout(Base):
    """One transfer from the Stripe balance to the foundation's bank account."""

    __tablename__ = "payout"

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_payout_id: Mapped[str] = mapped_column(String(255), unique=True)
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3), default="eur")
    status: Mapped[str] = mapped_column(String(20))
    # The day the bank credits it (Stripe's arrival_date), which dates the bank entry.
    arrival_on: Mapped[dt.date] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    livemode: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lines: Mapped[list[PayoutLine]] = relationship(back_populates="payout", order_by="PayoutLine.id")


# A line of a fee charged apart from a payment: not a payment's own line (Stripe's `charge` and `payment`
# types, donations.fulfilment.payouts.PAYMENT_TYPES), and a fee taken.
def other_fees(table: str = "") -> str:
    """The SQL condition of such a line (its columns named after `table` when given)."""
    of = f"{table}." if table else ""
    return f"{of}type NOT IN ('charge', 'payment') AND {of}fee_cents <> 0"


OTHER_FEES = other_fees()


class PayoutLine(Base):
    """One balance transaction paid out: a payment (+), a refund or dispute (−), a fee."""

    __tablename__ = "payout_line"
    # The fees charged apart from a payment (a dispute's), by day: the fees report reads only them.
    __table_args__ = (
        Index(
            "ix_payout_line_other_fees", "booked_at", postgresql_where=text(OTHER_FEES), sqlite_where=text(OTHER_FEES)
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payout.id"), index=True)
    stripe_balance_transaction_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Stripe's type: charge, payment, refund, adjustment (disputes), stripe_fee, payout…
    type: Mapped[str] = mapped_column(String(40))
    amount_cents: Mapped[int]
    fee_cents: Mapped[int]
    net_cents: Mapped[int]
    source_id: Mapped[str | None] = mapped_column(String(255))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    description: Mapped[str | None] = mapped_column(String(500))

    payout: Mapped[Payout] = relationship(back_populates="lines")
    payment: Mapped[Payment | None] = relationship()


class PaymentReversal(Base):
    """Money of a payment given back: what the books reverse, on the day it happened."""

    __tablename__ = "payment_reversal"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    kind: Mapped[ReversalKind] = mapped_column(enum_column(ReversalKind, length=12))
    amount_cents: Mapped[int]
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    booked_on: Mapped[dt.date] = mapped_column(index=True)

    payment: Mapped[Payment] = relationship()
