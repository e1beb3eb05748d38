"""What a Stripe event does to donations and payments.

Events arrive late, twice and out of order, so every handler reads the state it
needs (from the event, or from Stripe where order matters) and moves things only
forward: a payment never goes back from succeeded to processing, a refunded amount
never shrinks, a cancelled monthly gift stays cancelled. Handlers add and flush;
the caller (the webhook or `flask stripe reconcile`) owns the transaction. Two
events of one donation may be applied at once (two web workers): each handler
locks the donation's row first, so the second waits and then sees the first's work.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable

import stripe
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import Session

from donations import awaited_changes

from donations.platform import stripe_api as payments
from donations.clock import from_timestamp, paris_date
from donations.models import Donation, DonationKind, DonationStatus, EventOutcome, Payment, PaymentMethod, PaymentStatus
from donations.fulfilment.stripe_ids import own_payment, take_stripe_id

log = logging.getLogger(__name__)

# A dispute in one of these statuses is over: nothing Stripe sends later reopens it.
DISPUTE_CLOSED = frozenset({"won", "lost", "warning_closed", "prevented"})
# A PaymentIntent in any other status has not brought money (it failed or waits for the donor).
INTENT_STATUS = {"succeeded": PaymentStatus.SUCCEEDED, "processing": PaymentStatus.PROCESSING}


@dataclass(frozen=True)
class Fulfilment:
    """What a handler needs: the database session, the Stripe client and the event's time."""

    session: Session
    client: stripe.StripeClient
    event_time: dt.datetime
    on_payment_settled: Callable[[Payment], None] | None = None
    on_payment_refunded: Callable[[Payment], None] | None = None


@dataclass(frozen=True)
class Applied:
    outcome: EventOutcome
    donation: Donation | None = None


IGNORED = Applied(EventOutcome.IGNORED)


# --- finding our records (each handler locks the donation it works on) ---------


def _locking(column: Any) -> Select[tuple[Donation]]:
    """The donation whose `column` is the `key` parameter, its row locked until the transaction ends
    (PostgreSQL; SQLite serialises writers). FOR NO KEY UPDATE: rows that refer to the donation
    (payments, receipts) can still be inserted. Built once per column: events arrive by the hundred."""
    return select(Donation).where(column == bindparam("key")).with_for_update(key_share=True).execution_options(populate_existing=True)


_BY_PUBLIC_ID, _BY_SUBSCRIPTION, _BY_ID = (_locking(c) for c in (Donation.public_id, Donation.stripe_subscription_id, Donation.id))


def _locked(session: Session, query: Select[tuple[Donation]], key: Any) -> Donation | None:
    return session.scalars(query, {"key": key}).first()


def _donation_by_public_id(session: Session, public_id: str | None) -> Donation | None:
    return _locked(session, _BY_PUBLIC_ID, public_id) if public_id else None


def _donation_for_metadata(session: Session, obj: dict[str, Any]) -> Donation | None:
    return _donation_by_public_id(session, (obj.get("metadata") or {}).get("donation_id"))


def _donation_for_subscription(session: Session, subscription_id: str | None, metadata: dict[str, Any] | None) -> Donation | None:
    donation = _donation_by_public_id(session, (metadata or {}).get("donation_id"))
    if donation is None and subscription_id:
        donation = _locked(session, _BY_SUBSCRIPTION, subscription_id)
    return donation


def _payment_for(session: Session, *, intent_id: str | None = None, charge_id: str | None = None, invoice_id: str | None = None) -> Payment | None:
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
    if payment.status == PaymentStatus.SUCCEEDED:
        return
    if status == PaymentStatus.SUCCEEDED:
        payment.status = status
        payment.received_at = received_at or ctx.event_time
        payment.received_on = paris_date(payment.received_at)
        ctx.session.flush()
        if ctx.on_payment_settled:
            ctx.on_payment_settled(payment)
    elif status == PaymentStatus.FAILED or payment.status != PaymentStatus.FAILED:
        payment.status = status


def _method_of(charge: dict[str, Any] | None, intent: dict[str, Any]) -> PaymentMethod:
    kind = ((charge or {}).get("payment_method_details") or {}).get("type") or (intent.get("payment_method_types") or ["card"])[0]
    return PaymentMethod.SEPA_DEBIT if kind == "sepa_debit" else PaymentMethod.CARD


def _booked_at(charge: dict[str, Any] | None) -> dt.datetime | None:
    """When Stripe booked the money: the same instant whichever event brings the payment first."""
    booking = (charge or {}).get("balance_transaction")
    return from_timestamp(booking["created"] if isinstance(booking, dict) else charge["created"]) if charge else None


def record_intent_payment(
    ctx: Fulfilment, donation: Donation, intent_id: str, *, invoice_id: str | None = None,
    received_at: dt.datetime | None = None, intent: dict[str, Any] | None = None,
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
    payment = own_payment(donation, _payment_for(ctx.session, intent_id=intent_id, charge_id=_id(charge), invoice_id=invoice_id))
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
        if payment.status != PaymentStatus.SUCCEEDED:
            # No receipt exists yet: it will be issued for what is kept.
            payment.refunded_cents = min(max(payment.refunded_cents, refunded), payment.amount_cents)
    _settle(ctx, payment, INTENT_STATUS.get(intent.get("status") or "", PaymentStatus.FAILED), _booked_at(charge) or received_at)
    _apply_refund(ctx, payment, refunded)
    _follow_payment(donation, payment)
    return payment


def _apply_refund(ctx: Fulfilment, payment: Payment, amount_refunded: int) -> None:
    """Refunds only grow: a late event with a smaller total changes nothing."""
    refunded = min(max(payment.refunded_cents, amount_refunded), payment.amount_cents)
    if refunded == payment.refunded_cents:
        return
    payment.refunded_cents = refunded
    _follow_payment(payment.donation, payment)
    ctx.session.flush()
    if ctx.on_payment_refunded:
        ctx.on_payment_refunded(payment)


def _remember_customer(donation: Donation, customer_id: str | None) -> None:
    """The gift's own Stripe customer (its card or IBAN is changed there).

    The donor record is left alone: the checkout may have been opened by
    anyone who typed the donor's email, and a record changes only through the
    signed-in portal.
    """
    if customer_id and not donation.stripe_customer_id:
        donation.stripe_customer_id = customer_id


# --- handlers -----------------------------------------------------------------------


def checkout_completed(ctx: Fulfilment, session_obj: dict[str, Any]) -> Applied:
    """The donor finished Stripe Checkout: paid at once (card) or on its way (SEPA)."""
    donation = _donation_for_metadata(ctx.session, session_obj)
    donation = donation or _donation_by_public_id(ctx.session, session_obj.get("client_reference_id"))
    if donation is None:
        return IGNORED
    take_stripe_id(ctx.session, donation, "stripe_checkout_session_id", session_obj["id"])
    _remember_customer(donation, _id(session_obj.get("customer")))
    paid = session_obj.get("payment_status") in ("paid", "no_payment_required")
    if session_obj.get("mode") == "subscription":
        take_stripe_id(ctx.session, donation, "stripe_subscription_id", _id(session_obj.get("subscription")))
        _move(donation, DonationStatus.ACTIVE if paid else DonationStatus.PROCESSING)
        return Applied(EventOutcome.APPLIED, donation)
    intent_id = _id(session_obj.get("payment_intent"))
    if not intent_id:
        return Applied(EventOutcome.APPLIED, donation)
    take_stripe_id(ctx.session, donation, "stripe_payment_intent_id", intent_id)
    if record_intent_payment(ctx, donation, intent_id) is None:
        _move(donation, DonationStatus.PROCESSING)
    return Applied(EventOutcome.APPLIED, donation)


def checkout_async_failed(ctx: Fulfilment, session_obj: dict[str, Any]) -> Applied:
    """A SEPA debit started at checkout was refused by the bank."""
    applied = checkout_completed(ctx, session_obj)
    if applied.donation is not None and applied.donation.status in (DonationStatus.PENDING, DonationStatus.PROCESSING):
        _move(applied.donation, DonationStatus.FAILED)
    return applied


def checkout_expired(ctx: Fulfilment, session_obj: dict[str, Any]) -> Applied:
    """The donor never paid: a pending donation expires (a paid one is untouched)."""
    donation = _donation_for_metadata(ctx.session, session_obj)
    if donation is None:
        return IGNORED
    if donation.status == DonationStatus.PENDING:
        _move(donation, DonationStatus.EXPIRED)
    return Applied(EventOutcome.APPLIED, donation)


def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    details = ((invoice.get("parent") or {}).get("subscription_details")) or {}
    return _id(details.get("subscription")), details.get("metadata") or {}


def _invoice_intent(ctx: Fulfilment, invoice: dict[str, Any]) -> str | None:
    """The PaymentIntent that paid the invoice (its successful attempt when there were several)."""
    listing = invoice.get("payments")
    if not listing:
        listing = payments.retrieve_invoice(ctx.client, invoice["id"]).get("payments")
    attempts = [p for p in ((listing or {}).get("data") or []) if _id((p.get("payment") or {}).get("payment_intent"))]
    attempts.sort(key=lambda p: p.get("status") != "paid")
    return _id(attempts[0]["payment"]["payment_intent"]) if attempts else None


def _invoice_payment(ctx: Fulfilment, donation: Donation, invoice: dict[str, Any], amount: int, status: PaymentStatus) -> Payment:
    """The payment of an invoice, created with `status` when Stripe did not give us its PaymentIntent."""
    payment = own_payment(donation, _payment_for(ctx.session, invoice_id=invoice["id"]))
    if payment is None:
        payment = Payment(donation=donation, amount_cents=amount, refunded_cents=0, method=PaymentMethod.CARD, status=status)
        payment.stripe_invoice_id, payment.livemode = invoice["id"], bool(invoice.get("livemode"))
        ctx.session.add(payment)
    return payment


def invoice_paid(ctx: Fulfilment, invoice: dict[str, Any]) -> Applied:
    """One month of a monthly gift received (even if the gift was stopped since)."""
    subscription_id, metadata = _invoice_subscription(invoice)
    donation = _donation_for_subscription(ctx.session, subscription_id, metadata)
    if donation is None or not invoice.get("amount_paid"):
        return IGNORED
    take_stripe_id(ctx.session, donation, "stripe_subscription_id", subscription_id)
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at")
    received_at = from_timestamp(paid_at) if paid_at else ctx.event_time
    intent_id = _invoice_intent(ctx, invoice)
    payment = None
    if intent_id:
        payment = record_intent_payment(ctx, donation, intent_id, invoice_id=invoice["id"], received_at=received_at)
    if payment is None:
        payment = _invoice_payment(ctx, donation, invoice, invoice["amount_paid"], PaymentStatus.PROCESSING)
        _settle(ctx, payment, PaymentStatus.SUCCEEDED, received_at)
    _move(donation, DonationStatus.ACTIVE)
    return Applied(EventOutcome.APPLIED, donation)


def invoice_payment_failed(ctx: Fulfilment, invoice: dict[str, Any]) -> Applied:
    """A monthly debit failed; Stripe retries it, finance sees it waiting."""
    subscription_id, metadata = _invoice_subscription(invoice)
    donation = _donation_for_subscription(ctx.session, subscription_id, metadata)
    if donation is None or not invoice.get("amount_due"):
        return IGNORED
    payment = _invoice_payment(ctx, donation, invoice, invoice["amount_due"], PaymentStatus.FAILED)
    _settle(ctx, payment, PaymentStatus.FAILED, None)
    if donation.status in (DonationStatus.PENDING, DonationStatus.PROCESSING):
        _move(donation, DonationStatus.FAILED)
    return Applied(EventOutcome.APPLIED, donation)


def subscription_changed(ctx: Fulfilment, subscription: dict[str, Any]) -> Applied:
    """A monthly gift paused, resumed, changed or stopped; read as Stripe has it now."""
    donation = _donation_for_subscription(ctx.session, subscription.get("id"), subscription.get("metadata"))
    if donation is None:
        return IGNORED
    current = payments.retrieve_subscription(ctx.client, subscription["id"])
    take_stripe_id(ctx.session, donation, "stripe_subscription_id", current["id"])
    status = current.get("status")
    if status in ("canceled", "incomplete_expired"):
        _move(donation, DonationStatus.CANCELLED)
    elif status in ("active", "trialing", "past_due"):
        if current.get("pause_collection"):
            _move(donation, DonationStatus.PAUSED)
        elif donation.status in (DonationStatus.PAUSED, DonationStatus.PENDING, DonationStatus.PROCESSING):
            _move(donation, DonationStatus.ACTIVE)
        items = (current.get("items") or {}).get("data") or []
        amount = ((items[0].get("price") or {}).get("unit_amount")) if items else None
        if amount and amount > 0 and donation.status != DonationStatus.CANCELLED:
            donation.amount_cents = amount
    awaited_changes.confirm(donation)
    return Applied(EventOutcome.APPLIED, donation)


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


def charge_refunded(ctx: Fulfilment, charge: dict[str, Any]) -> Applied:
    """Money given back, in full or in part: the kept amount only ever shrinks."""
    payment = _payment_for_charge(ctx, charge["id"])
    if payment is None:
        return IGNORED
    _apply_refund(ctx, payment, charge.get("amount_refunded") or 0)
    return Applied(EventOutcome.APPLIED, payment.donation)


def dispute_changed(ctx: Fulfilment, dispute: dict[str, Any]) -> Applied:
    """A donor's bank contests a payment; a lost dispute takes the money back (read from Stripe as it is now)."""
    charge_id = _id(dispute.get("charge"))
    payment = _payment_for_charge(ctx, charge_id) if charge_id else None
    if payment is None:
        return IGNORED
    current = payments.retrieve_dispute(ctx.client, dispute["id"])
    payment.disputed = True
    if payment.dispute_status not in DISPUTE_CLOSED:
        payment.dispute_status = current.get("status") or dispute.get("status")
    if payment.dispute_status == "lost":
        _apply_refund(ctx, payment, payment.amount_cents)
    return Applied(EventOutcome.APPLIED, payment.donation)


HANDLERS: dict[str, Callable[[Fulfilment, dict[str, Any]], Applied]] = {
    "checkout.session.completed": checkout_completed,
    "checkout.session.async_payment_succeeded": checkout_completed,
    "checkout.session.async_payment_failed": checkout_async_failed,
    "checkout.session.expired": checkout_expired,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
    "customer.subscription.created": subscription_changed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": dispute_changed,
    "charge.dispute.updated": dispute_changed,
    "charge.dispute.closed": dispute_changed,
}


def apply_event(ctx: Fulfilment, event: dict[str, Any]) -> Applied:
    """Apply one verified event; types the service does not handle, or events without an object, are ignored."""
    handler = HANDLERS.get(event.get("type", ""))
    obj = (event.get("data") or {}).get("object")
    if handler is None or not isinstance(obj, dict):
        return IGNORED
    return handler(ctx, obj)
