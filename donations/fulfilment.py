"""What a Stripe event does to donations and payments.

Events arrive late, twice and out of order, so every handler reads the state
it needs (from the event, or from Stripe where order matters) and moves
things only forward: a payment never goes back from succeeded to processing,
a refunded amount never shrinks, a cancelled monthly gift stays cancelled.
Handlers add and flush; the caller (the webhook or the reconcile command)
owns the transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Callable

import stripe
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from donations import payments
from donations.clock import from_timestamp, paris_date
from donations.models import Donation, DonationKind, DonationStatus, Donor, EventOutcome, Payment, PaymentMethod, PaymentStatus

log = logging.getLogger(__name__)


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


# --- finding our records ------------------------------------------------------


def _donation_by_public_id(session: Session, public_id: str | None) -> Donation | None:
    if not public_id:
        return None
    return session.scalars(select(Donation).where(Donation.public_id == public_id)).first()


def _donation_for_metadata(session: Session, obj: dict[str, Any]) -> Donation | None:
    metadata = obj.get("metadata") or {}
    return _donation_by_public_id(session, metadata.get("donation_id"))


def _donation_for_subscription(session: Session, subscription_id: str | None, metadata: dict[str, Any] | None) -> Donation | None:
    donation = _donation_by_public_id(session, (metadata or {}).get("donation_id"))
    if donation is None and subscription_id:
        donation = session.scalars(select(Donation).where(Donation.stripe_subscription_id == subscription_id)).first()
    return donation


def _payment_for(session: Session, *, intent_id: str | None = None, charge_id: str | None = None, invoice_id: str | None = None) -> Payment | None:
    conditions = []
    if intent_id:
        conditions.append(Payment.stripe_payment_intent_id == intent_id)
    if charge_id:
        conditions.append(Payment.stripe_charge_id == charge_id)
    if invoice_id:
        conditions.append(Payment.stripe_invoice_id == invoice_id)
    if not conditions:
        return None
    return session.scalars(select(Payment).where(or_(*conditions))).first()


def _id(value: Any) -> str | None:
    """An id from a field that may hold the id or the expanded object."""
    if isinstance(value, dict):
        return value.get("id")
    return value


# --- recording payments ---------------------------------------------------------


def _move(donation: Donation, status: DonationStatus) -> None:
    if donation.status != status and not donation.move_to(status):
        log.info("donation %s stays %s (not moved back to %s)", donation.public_id, donation.status, status)


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


def _status_of_intent(intent: dict[str, Any]) -> PaymentStatus:
    status = intent.get("status")
    if status == "succeeded":
        return PaymentStatus.SUCCEEDED
    if status == "processing":
        return PaymentStatus.PROCESSING
    return PaymentStatus.FAILED


def _method_of(charge: dict[str, Any] | None, intent: dict[str, Any]) -> PaymentMethod:
    kind = ((charge or {}).get("payment_method_details") or {}).get("type")
    if kind is None:
        types = intent.get("payment_method_types") or ["card"]
        kind = types[0]
    return PaymentMethod.SEPA_DEBIT if kind == "sepa_debit" else PaymentMethod.CARD


def record_intent_payment(
    ctx: Fulfilment, donation: Donation, intent_id: str, *, invoice_id: str | None = None, received_at: dt.datetime | None = None
) -> Payment | None:
    """Create or bring up to date the payment of a PaymentIntent, read from Stripe as it is now."""
    intent = payments.retrieve_payment_intent(ctx.client, intent_id)
    charge = intent.get("latest_charge") if isinstance(intent.get("latest_charge"), dict) else None
    amount = intent.get("amount_received") or intent.get("amount") or 0
    if amount <= 0:
        return None
    payment = _payment_for(ctx.session, intent_id=intent_id, charge_id=_id(charge), invoice_id=invoice_id)
    status = _status_of_intent(intent)
    if payment is None:
        payment = Payment(
            donation=donation,
            amount_cents=amount,
            refunded_cents=0,
            method=_method_of(charge, intent),
            status=PaymentStatus.PROCESSING,
            livemode=bool(intent.get("livemode")),
        )
        ctx.session.add(payment)
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or intent_id
    payment.stripe_invoice_id = payment.stripe_invoice_id or invoice_id
    if charge:
        payment.stripe_charge_id = payment.stripe_charge_id or charge["id"]
        payment.method = _method_of(charge, intent)
    _settle(ctx, payment, status, received_at)
    if charge:
        _apply_refund(ctx, payment, charge.get("amount_refunded") or 0)
    return payment


def _apply_refund(ctx: Fulfilment, payment: Payment, amount_refunded: int) -> None:
    """Refunds only grow: a late event with a smaller total changes nothing."""
    refunded = min(max(payment.refunded_cents, amount_refunded), payment.amount_cents)
    if refunded == payment.refunded_cents:
        return
    payment.refunded_cents = refunded
    donation = payment.donation
    if payment.kept_cents == 0 and donation.kind != DonationKind.MONTHLY:
        _move(donation, DonationStatus.REFUNDED)
    ctx.session.flush()
    if ctx.on_payment_refunded:
        ctx.on_payment_refunded(payment)


def _remember_customer(session: Session, donation: Donation, customer_id: str | None) -> None:
    donor = donation.donor
    if not customer_id or donor.stripe_customer_id:
        return
    taken = session.scalars(select(Donor).where(Donor.stripe_customer_id == customer_id)).first()
    if taken is None:
        donor.stripe_customer_id = customer_id


# --- handlers -----------------------------------------------------------------------


def checkout_completed(ctx: Fulfilment, session_obj: dict[str, Any]) -> Applied:
    """The donor finished Stripe Checkout: paid at once (card) or on its way (SEPA)."""
    donation = _donation_for_metadata(ctx.session, session_obj) or _donation_by_public_id(
        ctx.session, session_obj.get("client_reference_id")
    )
    if donation is None:
        return IGNORED
    donation.stripe_checkout_session_id = donation.stripe_checkout_session_id or session_obj["id"]
    _remember_customer(ctx.session, donation, _id(session_obj.get("customer")))
    paid = session_obj.get("payment_status") in ("paid", "no_payment_required")
    if session_obj.get("mode") == "subscription":
        donation.stripe_subscription_id = donation.stripe_subscription_id or _id(session_obj.get("subscription"))
        _move(donation, DonationStatus.ACTIVE if paid else DonationStatus.PROCESSING)
        return Applied(EventOutcome.APPLIED, donation)
    intent_id = _id(session_obj.get("payment_intent"))
    if not intent_id:
        return Applied(EventOutcome.APPLIED, donation)
    donation.stripe_payment_intent_id = donation.stripe_payment_intent_id or intent_id
    payment = record_intent_payment(ctx, donation, intent_id)
    if payment is not None and payment.status == PaymentStatus.SUCCEEDED:
        _move(donation, DonationStatus.PAID)
    elif payment is not None and payment.status == PaymentStatus.FAILED:
        _move(donation, DonationStatus.FAILED)
    else:
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
    listing = invoice.get("payments")
    if not listing:
        listing = payments.retrieve_invoice(ctx.client, invoice["id"]).get("payments")
    for invoice_payment in (listing or {}).get("data", []):
        intent = _id((invoice_payment.get("payment") or {}).get("payment_intent"))
        if intent:
            return intent
    return None


def _invoice_payment(ctx: Fulfilment, donation: Donation, invoice: dict[str, Any], amount: int, status: PaymentStatus) -> Payment:
    """The payment of an invoice, created with `status` when Stripe did not give us its PaymentIntent."""
    payment = _payment_for(ctx.session, invoice_id=invoice["id"])
    if payment is None:
        payment = Payment(
            donation=donation,
            amount_cents=amount,
            refunded_cents=0,
            method=PaymentMethod.CARD,
            status=status,
            stripe_invoice_id=invoice["id"],
            livemode=bool(invoice.get("livemode")),
        )
        ctx.session.add(payment)
    return payment


def invoice_paid(ctx: Fulfilment, invoice: dict[str, Any]) -> Applied:
    """One month of a monthly gift received (even if the gift was stopped since)."""
    subscription_id, metadata = _invoice_subscription(invoice)
    donation = _donation_for_subscription(ctx.session, subscription_id, metadata)
    if donation is None or not invoice.get("amount_paid"):
        return IGNORED
    donation.stripe_subscription_id = donation.stripe_subscription_id or subscription_id
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
    donation.stripe_subscription_id = donation.stripe_subscription_id or current["id"]
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
    return Applied(EventOutcome.APPLIED, donation)


def _payment_for_charge(ctx: Fulfilment, charge_id: str) -> Payment | None:
    """Our payment for a charge; when the refund or dispute came first, read the charge from Stripe."""
    payment = _payment_for(ctx.session, charge_id=charge_id)
    if payment is not None:
        return payment
    charge = payments.retrieve_charge(ctx.client, charge_id)
    intent_id = _id(charge.get("payment_intent"))
    if not intent_id:
        return None
    payment = _payment_for(ctx.session, intent_id=intent_id)
    if payment is not None:
        payment.stripe_charge_id = payment.stripe_charge_id or charge_id
        return payment
    intent = payments.retrieve_payment_intent(ctx.client, intent_id)
    donation = _donation_for_metadata(ctx.session, intent)
    invoice_id = None
    if donation is None:
        donation, invoice_id = _donation_for_invoice_of_intent(ctx, intent)
    if donation is None:
        return None
    return record_intent_payment(ctx, donation, intent_id, invoice_id=invoice_id, received_at=from_timestamp(charge["created"]))


def _donation_for_invoice_of_intent(ctx: Fulfilment, intent: dict[str, Any]) -> tuple[Donation | None, str | None]:
    """A monthly payment's donation, through the invoice Stripe made it for."""
    invoice_id = _id((intent.get("payment_details") or {}).get("invoice")) or _id(intent.get("invoice"))
    if not invoice_id:
        return None, None
    invoice = payments.retrieve_invoice(ctx.client, invoice_id)
    subscription_id, metadata = _invoice_subscription(invoice)
    return _donation_for_subscription(ctx.session, subscription_id, metadata), invoice_id


def charge_refunded(ctx: Fulfilment, charge: dict[str, Any]) -> Applied:
    """Money given back, in full or in part: the kept amount only ever shrinks."""
    payment = _payment_for_charge(ctx, charge["id"])
    if payment is None:
        return IGNORED
    _apply_refund(ctx, payment, charge.get("amount_refunded") or 0)
    return Applied(EventOutcome.APPLIED, payment.donation)


def dispute_changed(ctx: Fulfilment, dispute: dict[str, Any]) -> Applied:
    """A donor's bank contests a payment; a lost dispute takes the money back."""
    charge_id = _id(dispute.get("charge"))
    payment = _payment_for_charge(ctx, charge_id) if charge_id else None
    if payment is None:
        return IGNORED
    payment.disputed = True
    status = dispute.get("status")
    if payment.dispute_status != "lost":
        payment.dispute_status = status
    if status == "lost":
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
    """Apply one verified event; types the service does not handle are ignored."""
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return IGNORED
    return handler(ctx, event["data"]["object"])
