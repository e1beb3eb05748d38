"""Recording what Stripe says about money: payments created or brought up to date from their
PaymentIntent, settled, refunded; the donation's status following its payment. Called by the
handlers (`handlers`, `refunds_and_disputes`, `payouts`), which own the locks and the transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from donations.clock import from_timestamp, paris_date
from donations.fulfilment import payouts
from donations.fulfilment.context import Fulfilment
from donations.fulfilment.stripe_ids import own_payment
from donations.models import Donation, DonationKind, DonationStatus, Payment, PaymentMethod, PaymentStatus
from donations.platform import stripe_api as payments

log = logging.getLogger(__name__)

# A PaymentIntent in any other status has not brought money (it failed or waits for the donor).
INTENT_STATUS = {"succeeded": PaymentStatus.SUCCEEDED, "processing": PaymentStatus.PROCESSING}


# --- finding our records (each handler locks the donation it works on) ---------


def _locking(column: Any) -> Select[tuple[Donation]]:
    """The donation whose `column` is the `key` parameter, its row locked until the transaction ends
    (PostgreSQL; SQLite serialises writers). FOR NO KEY UPDATE: rows that refer to the donation
    (payments, receipts) can still be inserted. Built once per column: events arrive by the hundred."""
    return (
        select(Donation)  # type: ignore[return-value]
        .where(column == bindparam("key"))
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )  # type: ignore[return-value]


_BY_PUBLIC_ID, _BY_SUBSCRIPTION, _BY_ID = (
    _locking(c) for c in (Donation.public_id, Donation.stripe_subscription_id, Donation.id)
)


def _locked(session: Session, query: Select[tuple[Donation]], key: Any) -> Donation | None:
    return session.scalars(query, {"key": key}).first()  # type: ignore[return-value]


def _donation_by_public_id(session: Session, public_id: str | None) -> Donation | None:
    return _locked(session, _BY_PUBLIC_ID, public_id) if public_id else None


def _donation_for_metadata(session: Session, obj: dict[str, Any]) -> Donation | None:
    return _donation_by_public_id(session, (obj.get("metadata") or {}).get("donation_id"))


def _donation_for_subscription(
    session: Session, subscription_id: str | None, metadata: dict[str, Any] | None
) -> Donation | None:
    donation = _donation_by_public_id(session, (metadata or {}).get("donation_id"))
    if donation is None and subscription_id:
        donation = _locked(session, _BY_SUBSCRIPTION, subscription_id)
    return donation


def _payment_for(
    session: Session, *, intent_id: str | None = None, charge_id: str | None = None, invoice_id: str | None = None
) -> Payment | None:
    ids = ((Payment.stripe_payment_intent_id, intent_id), (Payment.stripe_charge_id, charge_id))
    conditions = [column == value for column, value in (*ids, (Payment.stripe_invoice_id, invoice_id)) if value]
    if not conditions:
        return None
    # Read afresh: another worker may have changed the row since this session last saw it.
    query = select(Payment).where(or_(*conditions)).order_by(Payment.id).execution_options(populate_existing=True)
    return session.scalars(query).first()


def _id(value: Any) -> str | None:  # a field may hold the id or the expanded object
    return value.get("id") if isinstance(value, dict) else value


# --- recording payments ---------------------------------------------------------


def _move(donation: Donation, status: DonationStatus) -> None:
    if donation.status != status and not donation.move_to(status):
        log.info("donation %s stays %s (not moved back to %s)", donation.public_id, donation.status, status)


def _follow_payment(donation: Donation, payment: Payment) -> None:
    """A one-off or IFI gift's status is its one payment's: paid, then refunded once nothing is kept."""
    if donation.kind == DonationKind.MONTHLY:
        return
    status = {PaymentStatus.SUCCEEDED: DonationStatus.PAID, PaymentStatus.PROCESSING: DonationStatus.PROCESSING}
    _move(donation, status.get(payment.status, DonationStatus.FAILED))
    if payment.status == PaymentStatus.SUCCEEDED and payment.kept_cents == 0:
        _move(donation, DonationStatus.REFUNDED)


def _settle(ctx: Fulfilment, payment: Payment, status: PaymentStatus, received_at: dt.datetime | None) -> None:
    """Move a payment forward; a succeeded payment is final except for refunds and disputes."""
    if status == payment.status or not payment.move_to(status):
        return
    if status == PaymentStatus.SUCCEEDED:
        payment.received_at = received_at or ctx.event_time
        payment.received_on = paris_date(payment.received_at)
        ctx.session.flush()
        ctx.receipts.payment_settled(payment)


def _method_of(charge: dict[str, Any] | None, intent: dict[str, Any]) -> PaymentMethod:
    kind = ((charge or {}).get("payment_method_details") or {}).get("type") or (
        intent.get("payment_method_types") or ["card"]
    )[0]
    return PaymentMethod.SEPA_DEBIT if kind == "sepa_debit" else PaymentMethod.CARD


def _booked_at(charge: dict[str, Any] | None) -> dt.datetime | None:
    """When Stripe booked the money: the same instant whichever event brings the payment first."""
    booking = (charge or {}).get("balance_transaction")
    return from_timestamp(booking["created"] if isinstance(booking, dict) else charge["created"]) if charge else None


def record_intent_payment(
    ctx: Fulfilment,
    donation: Donation,
    intent_id: str,
    *,
    invoice_id: str | None = None,
    received_at: dt.datetime | None = None,
    intent: dict[str, Any] | None = None,
) -> Payment | None:
    """Create or bring up to date the payment of a PaymentIntent, read from Stripe as it is now.

    The caller has locked `donation`. Refunds Stripe already made are counted
    before the payment settles, so a receipt states only what is kept.
    """
    intent = intent or payments.retrieve_payment_intent(ctx.client, intent_id)
    charge = intent.get("latest_charge") if isinstance(intent.get("latest_charge"), dict) else None
    amount = intent.get("amount_received") or intent.get("amount") or 0
    if amount <= 0:
        return None
    payment = own_payment(
        donation, _payment_for(ctx.session, intent_id=intent_id, charge_id=_id(charge), invoice_id=invoice_id)
    )
    if payment is None:
        payment = Payment(donation=donation, amount_cents=amount, refunded_cents=0, method=_method_of(charge, intent))
        payment.status, payment.livemode = PaymentStatus.PROCESSING, bool(intent.get("livemode"))
        ctx.session.add(payment)
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or intent_id
    payment.stripe_invoice_id = payment.stripe_invoice_id or invoice_id
    refunded = (charge or {}).get("amount_refunded") or 0
    if charge:
        payment.stripe_charge_id = payment.stripe_charge_id or charge["id"]
        payment.method = _method_of(charge, intent)
        if payment.fee_cents is None:
            payouts.record_booking(payment, charge.get("balance_transaction"), ctx.client)
        if payment.status != PaymentStatus.SUCCEEDED:
            # No receipt exists yet: it will be issued for what is kept.
            payment.refunded_cents = min(max(payment.refunded_cents, refunded), payment.amount_cents)
    _settle(
        ctx,
        payment,
        INTENT_STATUS.get(intent.get("status") or "", PaymentStatus.FAILED),
        _booked_at(charge) or received_at,
    )
    _apply_refund(ctx, payment, refunded)
    _follow_payment(donation, payment)
    return payment


def _apply_refund(ctx: Fulfilment, payment: Payment, amount_refunded: int) -> None:
    """Refunds only grow: a late event with a smaller total changes nothing."""
    refunded = min(max(payment.refunded_cents, amount_refunded), payment.amount_cents)
    if refunded == payment.refunded_cents:
        return
    payouts.record_reversal(ctx.session, payment, refunded - payment.refunded_cents, ctx.event_time)
    payment.refunded_cents = refunded
    _follow_payment(payment.donation, payment)
    ctx.session.flush()
    ctx.receipts.payment_refunded(payment)


def _remember_customer(donation: Donation, customer_id: str | None) -> None:
    """The gift's own Stripe customer (its card or IBAN is changed there).

    The donor record is left alone: the checkout may have been opened by
    anyone who typed the donor's email, and a record changes only through the
    signed-in portal.
    """
    if customer_id and not donation.stripe_customer_id:
        donation.stripe_customer_id = customer_id


def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return _id(details.get("subscription")), details.get("metadata") or {}


def _payment_for_charge(ctx: Fulfilment, charge_id: str) -> Payment | None:
    """Our payment for a charge, read under its donation's lock; recorded now when the refund or dispute came first."""
    payment = _payment_for(ctx.session, charge_id=charge_id)
    if payment is None:
        intent_id = _id(payments.retrieve_charge(ctx.client, charge_id).get("payment_intent"))
        if not intent_id:
            return None
        payment = _payment_for(ctx.session, intent_id=intent_id)
        if payment is None:
            return _record_unseen_payment(ctx, intent_id)
    _locked(ctx.session, _BY_ID, payment.donation_id)
    ctx.session.refresh(payment)  # as the worker that held the lock left it
    payment.stripe_charge_id = payment.stripe_charge_id or charge_id
    return payment


def _record_unseen_payment(ctx: Fulfilment, intent_id: str) -> Payment | None:
    """A payment we have not heard of yet: a one-off gift (metadata) or a month of a monthly one (its invoice)."""
    intent = payments.retrieve_payment_intent(ctx.client, intent_id)
    donation = _donation_for_metadata(ctx.session, intent)
    invoice_id = None
    if donation is None:
        invoice_id = payments.invoice_of_payment_intent(ctx.client, intent_id)
        if invoice_id:
            subscription_id, metadata = _invoice_subscription(payments.retrieve_invoice(ctx.client, invoice_id))
            donation = _donation_for_subscription(ctx.session, subscription_id, metadata)
    if donation is None:
        return None
    return record_intent_payment(ctx, donation, intent_id, invoice_id=invoice_id, intent=intent)


# Refunds in these statuses give money back (or will); failed and canceled ones do not.
REFUND_COUNTS = frozenset({"pending", "requires_action", "succeeded"})


def refunded_at_stripe(ctx: Fulfilment, payment: Payment) -> int:
    """What Stripe's refunds of the payment's charge give back now (failed or canceled ones not counted)."""
    if not payment.stripe_charge_id:
        return 0
    refunds = payments.refunds_of_charge(ctx.client, payment.stripe_charge_id)
    return sum(r.get("amount") or 0 for r in refunds if r.get("status") in REFUND_COUNTS)
