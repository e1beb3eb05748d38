"""Tax receipts as issued: never updated afterwards except to be cancelled."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from donations.models.donation import Payment
    from donations.models.donor import Donor


class ReceiptForm(enum.StrEnum):
    INDIVIDUAL = "11580"  # Cerfa 11580*05, art. 200 and 978
    COMPANY = "16216"  # Cerfa 16216, art. 238 bis


class ReceiptKind(enum.StrEnum):
    PER_GIFT = "per_gift"
    ANNUAL = "annual"


class ReceiptStatus(enum.StrEnum):
    ISSUED = "issued"
    CANCELLED = "cancelled"


# A receipt once issued is never changed, except to be cancelled (it is kept, its number never reused).
RECEIPT_TRANSITIONS: dict[ReceiptStatus, frozenset[ReceiptStatus]] = {
    ReceiptStatus.ISSUED: frozenset({ReceiptStatus.CANCELLED}),
    ReceiptStatus.CANCELLED: frozenset(),
}


class CopyReason(enum.StrEnum):
    ISSUED = "issued"  # the first file, drawn and stored after the commit that issued the receipt
    REDRAWN = "redrawn"  # drawn again from the snapshot after the stored file was lost or altered
    TIMESTAMPED = "timestamped"  # signed again with the TSA's timestamp, the first copy having none (TSA down)


receipt_payment = Table(
    "receipt_payment",
    Base.metadata,
    Column("receipt_id", Integer, ForeignKey("receipt.id"), primary_key=True),
    Column("payment_id", Integer, ForeignKey("payment.id"), primary_key=True),
    # Which receipts cover a payment is asked on every refund and by the January batch.
    Index("ix_receipt_payment_payment_id", "payment_id"),
)


class ReceiptSequence(Base):
    """The last number given in a calendar year; bumped in the receipt's own transaction."""

    __tablename__ = "receipt_sequence"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Receipt(Base):
    """A French tax receipt: its number, its frozen mentions, and the payments it covers."""

    __tablename__ = "receipt"
    __table_args__ = (
        UniqueConstraint("year", "sequence", name="uq_receipt_year_sequence"),
        # Periods (the ZIP, the exports) walk receipts in the order they were issued.
        Index("ix_receipt_issued_at_id", "issued_at", "id"),
        # The art. 222 bis totals of a year summed from the index alone (receipts.declaration).
        Index("ix_receipt_declaration", "year", "status", "livemode", "article", "amount_cents"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("sequence > 0", name="sequence_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    sequence: Mapped[int]
    form: Mapped[ReceiptForm] = mapped_column(enum_column(ReceiptForm, length=8))
    kind: Mapped[ReceiptKind] = mapped_column(enum_column(ReceiptKind))
    # The CGI article the gift falls under (200, 978 or 238 bis), for the art. 222 bis totals.
    article: Mapped[str] = mapped_column(String(10), index=True)
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    amount_cents: Mapped[int]
    # Every mention printed on the PDF, frozen at issue: the PDF is drawn from this alone.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    verification_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[ReceiptStatus] = mapped_column(enum_column(ReceiptStatus), default=ReceiptStatus.ISSUED)
    livemode: Mapped[bool] = mapped_column(default=False)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The stored file's sha256: the signed PDF when a signing certificate is configured, so a
    # redraw (signed again, with a new signing time) records its own hash here and a new copy.
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # The deterministic unsigned drawing's sha256, checked on every redraw (NULL for receipts
    # stored before signing existed: their pdf_sha256 is the unsigned drawing's).
    drawing_sha256: Mapped[str | None] = mapped_column(String(64))
    # Indexed: the receipts still owed an email are counted by monitoring and the alerts.
    emailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    # A donor without email gets the receipt by post: when it was last printed in a postal batch.
    posted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Why the PDF could not last be drawn or stored, for finance (cleared once it is): the receipt itself
    # is committed without its PDF, which is drawn after the commit and retried (`receipts send-pending`).
    pdf_problem: Mapped[str | None] = mapped_column(String(500), index=True)  # the dashboard counts them
    pdf_problem_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Set when the stored PDF was signed without the TSA's timestamp (PAdES B-B: the time-stamping
    # authority gave none in time); `receipts send-pending` signs it again with one and clears it.
    timestamp_missing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    # When the donor was told of the cancellation (or got the replacement).
    cancel_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), unique=True)

    donor: Mapped[Donor] = relationship()

    @property
    def is_issued(self) -> bool:
        return self.status == ReceiptStatus.ISSUED

    payments: Mapped[list[Payment]] = relationship(secondary=receipt_payment)
    replaces: Mapped[Receipt | None] = relationship(remote_side=[id], back_populates="replaced_by")
    replaced_by: Mapped[Receipt | None] = relationship(back_populates="replaces")

    def move_to(self, status: ReceiptStatus) -> bool:
        """The one place a receipt's status changes: issued, then perhaps cancelled, never back."""
        if self.status == status or status not in RECEIPT_TRANSITIONS[self.status]:
            return False
        self.status = status
        return True


class ReceiptCopy(Base):
    """A file stored for a receipt: the one issued, and each one redrawn (and signed again) later."""

    __tablename__ = "receipt_copy"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    reason: Mapped[CopyReason] = mapped_column(enum_column(CopyReason, length=12))
    # NULL for an unsigned copy (no signing certificate configured, or a receipt from before signing).
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The signing certificate's subject, shown on the verification page.
    signed_by: Mapped[str | None] = mapped_column(String(300))
    stored_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
