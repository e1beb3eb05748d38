"""What a donor asked to give, and each sum actually received for it."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Numeric, String, Text
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from donations.clock import utcnow
from donations.models.base import Base
from donations.models.donor import DonorIdentity
from donations.models.types import UTCDateTime, enum_column
from donations.tax import Scheme as TaxScheme

if TYPE_CHECKING:
    from donations.models.campaign import Campaign
    from donations.models.donor import Donor
    from donations.models.payout import Payout


class DonationKind(enum.StrEnum):
    ONE_OFF = "one_off"
    MONTHLY = "monthly"
    IFI = "ifi"


class DonationStatus(enum.StrEnum):
    PENDING = "pending"  # checkout created, nothing paid yet
    PROCESSING = "processing"  # a SEPA debit is on its way
    PAID = "paid"  # a one-off or IFI gift received
    ACTIVE = "active"  # a monthly gift running
    PAUSED = "paused"  # a monthly gift on hold
    FAILED = "failed"  # the payment did not go through
    EXPIRED = "expired"  # the donor never paid
    CANCELLED = "cancelled"  # a monthly gift stopped
    REFUNDED = "refunded"  # every euro received was given back
    LAPSED = "lapsed"  # a monthly gift Stripe stopped collecting after its last failed retry


# Donations move only forward: a paid gift never goes back to pending.
DONATION_TRANSITIONS: dict[DonationStatus, frozenset[DonationStatus]] = {
    DonationStatus.PENDING: frozenset(
        {
            DonationStatus.PROCESSING,
            DonationStatus.PAID,
            DonationStatus.ACTIVE,
            DonationStatus.FAILED,
            DonationStatus.EXPIRED,
            DonationStatus.CANCELLED,
        }
    ),
    DonationStatus.PROCESSING: frozenset(
        {DonationStatus.PAID, DonationStatus.ACTIVE, DonationStatus.FAILED, DonationStatus.CANCELLED}
    ),
    DonationStatus.PAID: frozenset({DonationStatus.REFUNDED}),
    DonationStatus.ACTIVE: frozenset(
        {DonationStatus.PAUSED, DonationStatus.CANCELLED, DonationStatus.FAILED, DonationStatus.LAPSED}
    ),
    DonationStatus.PAUSED: frozenset({DonationStatus.ACTIVE, DonationStatus.CANCELLED, DonationStatus.LAPSED}),
    # The donor may pay the last invoice with a new card after all; or the gift is stopped for good.
    DonationStatus.LAPSED: frozenset({DonationStatus.ACTIVE, DonationStatus.CANCELLED}),
    # A failed debit may be retried by Stripe and succeed after all.
    DonationStatus.FAILED: frozenset(
        {DonationStatus.PAID, DonationStatus.ACTIVE, DonationStatus.CANCELLED, DonationStatus.LAPSED}
    ),
    # A session can be paid in the seconds before Stripe expires it.
    DonationStatus.EXPIRED: frozenset({DonationStatus.PAID, DonationStatus.ACTIVE, DonationStatus.PROCESSING}),
    DonationStatus.CANCELLED: frozenset(),
    # A refund that failed, or a dispute won on appeal, gives the money back to the foundation.
    DonationStatus.REFUNDED: frozenset({DonationStatus.PAID}),
}


class PaymentMethod(enum.StrEnum):
    CARD = "card"
    SEPA_DEBIT = "sepa_debit"
    # Gifts received outside Stripe, recorded by finance (donations/finance/offline_gifts.py).
    CHEQUE = "cheque"
    TRANSFER = "transfer"
    CASH = "cash"


class DonationChannel(enum.StrEnum):
    """How the money of a gift comes: through Stripe, or received by the foundation itself."""

    STRIPE = "stripe"
    CHEQUE = "cheque"
    TRANSFER = "transfer"
    CASH = "cash"


class TributeKind(enum.StrEnum):
    """A gift made in someone's name (the form's `tribute_kind`)."""

    IN_MEMORY_OF = "in_memory_of"
    IN_HONOUR_OF = "in_honour_of"


class PaymentStatus(enum.StrEnum):
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# A payment moves forward only: a succeeded payment is final (refunds and disputes are counted
# beside its status); a failed one may still succeed (a retried debit), never go back to processing.
PAYMENT_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PROCESSING: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.FAILED}),
    PaymentStatus.FAILED: frozenset({PaymentStatus.SUCCEEDED}),
    PaymentStatus.SUCCEEDED: frozenset(),
}


class Donation(Base):
    """A gift as the donor asked for it, with the tax rule in force that day."""

    __tablename__ = "donation"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("ifi_cents >= 0 AND ifi_cents <= amount_cents", name="ifi_split_within_amount"),
        CheckConstraint("fees_covered_cents >= 0 AND fees_covered_cents < amount_cents", name="fees_within_amount"),
        # The back office's list sorted by amount, one page at a time (keyset on amount, id).
        Index("ix_donation_amount_cents_id", "amount_cents", "id"),
        Index("ix_donation_created_at_id", "created_at", "id"),
        # The running monthly gifts counted and summed from the index alone (the dashboard).
        Index("ix_donation_kind_status_amount", "kind", "status", "amount_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=lambda: str(uuid.uuid4()))
    donor_id: Mapped[int] = mapped_column(ForeignKey("donor.id"), index=True)
    kind: Mapped[DonationKind] = mapped_column(enum_column(DonationKind))
    tax_scheme: Mapped[TaxScheme] = mapped_column(enum_column(TaxScheme))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    # Every rate and cap in force when the gift was made (TaxRules.as_dict()),
    # so a later change of law never rewrites history.
    tax_rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    amount_cents: Mapped[int]
    # The part claimed against IFI; the rest counts for income tax (never both).
    ifi_cents: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3), default="eur")
    status: Mapped[DonationStatus] = mapped_column(
        enum_column(DonationStatus), default=DonationStatus.PENDING, index=True
    )
    livemode: Mapped[bool] = mapped_column(default=False)
    # The form's one-time token: a double submit finds the donation it already made.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    checkout_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The Stripe customer of this gift's checkout: a visitor's checkout is never opened on an
    # existing donor's customer (saved card and address), so each gift keeps its own.
    stripe_customer_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # The identity given with this gift (DonorIdentity.to_json()): what its receipts print.
    identity: Mapped[dict[str, Any]] = mapped_column(JSON)
    channel: Mapped[DonationChannel] = mapped_column(
        enum_column(DonationChannel), default=DonationChannel.STRIPE, server_default=DonationChannel.STRIPE.value
    )
    # A transfer announced on the web: the reference the donor writes on it, matched against bank statements.
    transfer_reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    # The names of `identity`, normalised for search (donations.models.search_text keeps it up to date).
    search_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Of amount_cents, what the donor added to cover the estimated payment fees (all of it a gift),
    # and the method that estimate was made for (the checkout then offers that method only).
    fees_covered_cents: Mapped[int] = mapped_column(default=0, server_default="0")
    fees_method: Mapped[PaymentMethod | None] = mapped_column(enum_column(PaymentMethod, 12))
    # A gift in someone's name; the person told once the gift is paid (donations/giving/tributes.py).
    tribute_kind: Mapped[TributeKind | None] = mapped_column(enum_column(TributeKind, 16), index=True)
    tribute_name: Mapped[str | None] = mapped_column(String(200))
    tribute_notify_email: Mapped[str | None] = mapped_column(String(254))
    tribute_message: Mapped[str | None] = mapped_column(Text)
    tribute_show_amount: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    tribute_notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The campaign the gift answers, and where the visit came from (UTM parameters of the link).
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    utm_source: Mapped[str | None] = mapped_column(String(100))
    utm_medium: Mapped[str | None] = mapped_column(String(100))
    utm_campaign: Mapped[str | None] = mapped_column(String(100))
    # When the donor was told the gift started (what happens next) and when that its debit failed: once each.
    started_notice_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    failure_notice_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # A change the donor made in the portal that Stripe accepted but no webhook has confirmed yet.
    awaited_status: Mapped[DonationStatus | None] = mapped_column(enum_column(DonationStatus))
    awaited_amount_cents: Mapped[int | None]

    donor: Mapped[Donor] = relationship(back_populates="donations")
    campaign: Mapped[Campaign | None] = relationship()
    payments: Mapped[list[Payment]] = relationship(back_populates="donation", order_by="Payment.received_at")

    @property
    def given_identity(self) -> DonorIdentity:
        """Who gave this gift, as given with it."""
        return DonorIdentity.from_json(self.identity)

    def can_move_to(self, status: DonationStatus) -> bool:
        """Whether the donation may go from its status to `status` (forward only)."""
        return status == self.status or status in DONATION_TRANSITIONS[self.status]

    def move_to(self, status: DonationStatus) -> bool:
        """Move forward to `status`; answer False (and change nothing) when that would go back."""
        if not self.can_move_to(status):
            return False
        self.status = status
        return True


class Payment(Base):
    """A sum actually received (or on its way) for a donation."""

    __tablename__ = "payment"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refund_within_amount"),
        # The failed payments newest first (donations.finance.failed_payments), the cheques not yet deposited.
        Index("ix_payment_status_created_at_id", "status", "created_at", "id"),
        Index("ix_payment_method_deposit_slip_id", "method", "deposit_slip_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: the flush knows each old value, which the dashboard's rollups take off
    # (donations.models.rollup_upkeep).
    donation_id: Mapped[int] = mapped_column(ForeignKey("donation.id"), index=True, active_history=True)
    amount_cents: Mapped[int] = mapped_column(active_history=True)
    refunded_cents: Mapped[int] = mapped_column(default=0, active_history=True)
    currency: Mapped[str] = mapped_column(String(3), default="eur")
    method: Mapped[PaymentMethod] = mapped_column(enum_column(PaymentMethod), active_history=True)
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus), index=True, active_history=True)
    disputed: Mapped[bool] = mapped_column(default=False)
    dispute_status: Mapped[str | None] = mapped_column(String(40))
    livemode: Mapped[bool] = mapped_column(default=False, active_history=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_charge_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # The instant Stripe says the money arrived, and its date in Paris, which
    # decides the tax year.
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    received_on: Mapped[dt.date | None] = mapped_column(index=True, active_history=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Stripe's fee and what reaches the balance, from the charge's balance transaction (it may
    # come later than the payment: charge.updated); the payout that brought it to the bank.
    stripe_balance_transaction_id: Mapped[str | None] = mapped_column(String(255), index=True)
    fee_cents: Mapped[int | None] = mapped_column(active_history=True)
    net_cents: Mapped[int | None]
    payout_id: Mapped[int | None] = mapped_column(ForeignKey("payout.id"), index=True)
    # A gift received outside Stripe: the cheque's number or the transfer's reference, the cheque's bank,
    # the fingerprint that makes recording it twice (by hand or by import) impossible, the deposit slip.
    reference: Mapped[str | None] = mapped_column(String(140))
    cheque_bank: Mapped[str | None] = mapped_column(String(100))
    # A cheque's date received by the foundation; the date it was cashed is its deposit slip's.
    cheque_received_on: Mapped[dt.date | None] = mapped_column()
    offline_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    deposit_slip_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_slip.id"), index=True)

    donation: Mapped[Donation] = relationship(back_populates="payments")
    payout: Mapped[Payout | None] = relationship()

    @property
    def kept_cents(self) -> int:
        """What the foundation keeps of this payment after refunds."""
        return self.amount_cents - self.refunded_cents

    def move_to(self, status: PaymentStatus) -> bool:
        """Move forward to `status` (see PAYMENT_TRANSITIONS); answer False, changing nothing, when that
        would go back. The one place a payment's status changes."""
        if status != self.status and status not in PAYMENT_TRANSITIONS[self.status]:
            return False
        self.status = status
        return True
