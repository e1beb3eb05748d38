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

import logging
from typing import Any

from sqlalchemy import bindparam, update

from donations.clock import from_timestamp
from donations.fulfilment.stripe_ids import own_payment, take_stripe_id
from donations.models import Donation, DonationKind, DonationStatus, EventOutcome, Payment, PaymentMethod, PaymentStatus
from donations.platform import stripe_api as payments
from donations.portal import awaited_changes

log = logging.getLogger(__name__)

# A PaymentIntent in any other status has not brought money (it failed or waits for the donor).


from donations.fulfilment.context import IGNORED, Applied, Fulfilment  # noqa: E402
from donations.fulfilment.recording import (  # noqa: E402
    _apply_refund,
    _donation_by_public_id,
    _donation_for_metadata,
    _donation_for_subscription,
    _id,
    _invoice_subscription,
    _move,
    _payment_for,
    _payment_for_charge,
    _remember_customer,
    _settle,
    record_intent_payment,
    refunded_at_stripe,
)

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


_DONATIONS = Donation.__table__
# A pending donation expires in one statement, without loading it: sessions left to expire come by the
# hundred in a card-testing burst. The row is locked by the UPDATE itself (PostgreSQL re-reads its status
# once a concurrent writer commits; SQLite serialises writers); updated_at follows from the column.
_EXPIRE_PENDING = (
    update(_DONATIONS)  # type: ignore[arg-type]
    .where(_DONATIONS.c.public_id == bindparam("key"), _DONATIONS.c.status == DonationStatus.PENDING)
    .values(status=DonationStatus.EXPIRED)
    .returning(_DONATIONS.c.id)
)


def checkout_expired(ctx: Fulfilment, session_obj: dict[str, Any]) -> Applied:
    """The donor never paid: a pending donation expires (a paid one is untouched)."""
    public_id = (session_obj.get("metadata") or {}).get("donation_id")
    if not public_id:
        return IGNORED
    expired = ctx.session.execute(_EXPIRE_PENDING, {"key": public_id}).scalar_one_or_none()
    if expired is not None:
        # PENDING -> EXPIRED is a move Donation.move_to allows; an expired gift owes no notice.
        return Applied(EventOutcome.APPLIED, moved_id=expired)
    # Not pending (or unknown): read and locked as every handler does, and left as it is.
    donation = _donation_for_metadata(ctx.session, session_obj)
    if donation is None:
        return IGNORED
    if donation.status == DonationStatus.PENDING:
        _move(donation, DonationStatus.EXPIRED)
    return Applied(EventOutcome.APPLIED, donation)


def _invoice_intent(ctx: Fulfilment, invoice: dict[str, Any]) -> str | None:
    """The PaymentIntent that paid the invoice (its successful attempt when there were several)."""
    listing = invoice.get("payments")
    if not listing:
        listing = payments.retrieve_invoice(ctx.client, invoice["id"]).get("payments")
    attempts = [p for p in ((listing or {}).get("data") or []) if _id((p.get("payment") or {}).get("payment_intent"))]
    attempts.sort(key=lambda p: p.get("status") != "paid")
    return _id(attempts[0]["payment"]["payment_intent"]) if attempts else None


def _invoice_payment(
    ctx: Fulfilment, donation: Donation, invoice: dict[str, Any], amount: int, status: PaymentStatus
) -> Payment:
    """The payment of an invoice, created with `status` when Stripe did not give us its PaymentIntent."""
    payment = own_payment(donation, _payment_for(ctx.session, invoice_id=invoice["id"]))
    if payment is None:
        payment = Payment(
            donation=donation, amount_cents=amount, refunded_cents=0, method=PaymentMethod.CARD, status=status
        )
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
    unpaid = ((current.get("cancellation_details") or {}).get("reason")) == "payment_failed"
    if status in ("canceled", "incomplete_expired"):
        # Stopped by Stripe after its last retry: lapsed, for finance to follow up; else stopped.
        _move(
            donation,
            DonationStatus.LAPSED if unpaid and donation.kind == DonationKind.MONTHLY else DonationStatus.CANCELLED,
        )
    elif status == "unpaid":
        _move(donation, DonationStatus.LAPSED)
    elif status == "paused":  # customer.subscription.paused: no payment method when a trial ended
        _move(donation, DonationStatus.PAUSED)
    elif status in ("active", "trialing", "past_due"):
        if current.get("pause_collection"):
            _move(donation, DonationStatus.PAUSED)
        elif donation.status in (
            DonationStatus.PAUSED,
            DonationStatus.PENDING,
            DonationStatus.PROCESSING,
            DonationStatus.LAPSED,
        ):
            _move(donation, DonationStatus.ACTIVE)
        items = (current.get("items") or {}).get("data") or []
        amount = ((items[0].get("price") or {}).get("unit_amount")) if items else None
        if amount and amount > 0 and donation.status != DonationStatus.CANCELLED:
            donation.amount_cents = amount
    awaited_changes.confirm(donation)
    return Applied(EventOutcome.APPLIED, donation)


def charge_refunded(ctx: Fulfilment, charge: dict[str, Any]) -> Applied:
    """Money given back, in full or in part: the kept amount only ever shrinks."""
    payment = _payment_for_charge(ctx, charge["id"])
    if payment is None:
        return IGNORED
    # A refund that failed since this event was sent gives nothing back: Stripe's refunds as they are now cap it.
    _apply_refund(ctx, payment, min(charge.get("amount_refunded") or 0, refunded_at_stripe(ctx, payment)))
    return Applied(EventOutcome.APPLIED, payment.donation)
