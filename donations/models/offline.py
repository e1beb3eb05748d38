"""Money the foundation receives itself: cheque deposit slips and the credits of its bank statements."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from donations.models.donation import Payment


class DepositSlip(Base):
    """A bordereau de remise de chèques: the cheques of one day taken to the bank together."""

    __tablename__ = "deposit_slip"

    id: Mapped[int] = mapped_column(primary_key=True)
    deposited_on: Mapped[dt.date] = mapped_column(index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    cheques: Mapped[list[Payment]] = relationship(order_by="Payment.id")

    @property
    def number(self) -> str:
        """The slip's number as printed: its day and its id (several slips may go in one day)."""
        return f"R{self.deposited_on:%Y%m%d}-{self.id:04d}"

    @property
    def total_cents(self) -> int:
        return sum(cheque.amount_cents for cheque in self.cheques)


class BankCreditStatus(enum.StrEnum):
    UNMATCHED = "unmatched"  # waiting for finance to say which announced transfer it pays
    MATCHED = "matched"  # recorded as the payment of an announced transfer
    IGNORED = "ignored"  # not a gift (finance said so)


class BankCredit(Base):
    """A credit read from a bank statement (camt.053 or CSV), kept once by its key."""

    __tablename__ = "bank_credit"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The bank's own entry reference when it gives one, else a fingerprint of the line: importing a
    # statement twice keeps each credit once.
    entry_key: Mapped[str] = mapped_column(String(64), unique=True)
    booked_on: Mapped[dt.date] = mapped_column(index=True)
    amount_cents: Mapped[int]
    reference: Mapped[str] = mapped_column(String(140), default="")
    debtor_name: Mapped[str] = mapped_column(String(140), default="")
    statement: Mapped[str] = mapped_column(String(140), default="")
    status: Mapped[BankCreditStatus] = mapped_column(
        enum_column(BankCreditStatus), default=BankCreditStatus.UNMATCHED, index=True
    )
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), unique=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    payment: Mapped[Payment | None] = relationship()
