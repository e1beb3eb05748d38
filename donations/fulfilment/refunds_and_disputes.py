"""Money that goes back to a donor, and money that comes back to the foundation.

A refund Stripe could not make (`refund.failed`, `charge.refund.updated`) and a
dispute won on appeal (the 2026 statuses `appeal_needs_response`,
`appeal_under_review`, then `won`) both give the foundation back money it had
recorded as returned: the payment keeps it again and receipting issues a
receipt for the sum kept. What Stripe holds now decides, never the event's own
copy, so events in any order end the same way. Handlers add and flush; the
caller owns the transaction.
"""

from __future__ import annotations

from typing import Any

from donations.fulfilment.context import IGNORED, Applied, Fulfilment
from donations.fulfilment.recording import _apply_refund, _id, _move, _payment_for_charge, refunded_at_stripe
from donations.models import DonationKind, DonationStatus, EventOutcome, Payment, PaymentStatus
from donations.platform import stripe_api as payments

# A dispute in one of these statuses is over: nothing Stripe sends later reopens it. A lost one
# may still be appealed (2026): Stripe then moves it on to appeal_needs_response, appeal_under_review,
# and won or lost again.
DISPUTE_CLOSED = frozenset({"won", "warning_closed", "prevented"})
# While a dispute is in one of these statuses the bank holds the money: nothing of it is kept.
DISPUTE_WITHDRAWN = frozenset({"lost", "appeal_needs_response", "appeal_under_review"})


def dispute_changed(ctx: Fulfilment, dispute: dict[str, Any]) -> Applied:
    """A donor's bank contests a payment; a lost dispute takes the money back (read from Stripe as it is now)."""
    charge_id = _id(dispute.get("charge"))
    payment = _payment_for_charge(ctx, charge_id) if charge_id else None
    if payment is None:
        return IGNORED
    current = payments.retrieve_dispute(ctx.client, dispute["id"])
    payment.disputed = True
    withdrawn = payment.dispute_status in DISPUTE_WITHDRAWN
    if payment.dispute_status not in DISPUTE_CLOSED:
        payment.dispute_status = current.get("status") or dispute.get("status")
    if payment.dispute_status in DISPUTE_WITHDRAWN:
        _apply_refund(ctx, payment, payment.amount_cents)
    elif withdrawn and payment.dispute_status == "won":  # won on appeal: the money and its receipt come back
        restore_refunded(ctx, payment, refunded_at_stripe(ctx, payment))
    return Applied(EventOutcome.APPLIED, payment.donation)


def restore_refunded(ctx: Fulfilment, payment: Payment, refunded: int) -> None:
    """Less was given back than recorded (a refund failed, a dispute was won on appeal): keep the money
    again, move the gift back to paid and let receipting issue one for the sum kept."""
    if payment.dispute_status in DISPUTE_WITHDRAWN:
        return  # the bank still holds it all
    refunded = max(0, min(refunded, payment.amount_cents))
    if refunded >= payment.refunded_cents:
        return
    payment.refunded_cents = refunded
    if payment.donation.kind != DonationKind.MONTHLY and payment.status == PaymentStatus.SUCCEEDED:
        _move(payment.donation, DonationStatus.PAID)
    ctx.session.flush()
    ctx.receipts.refund_reversed(payment)


def refund_changed(ctx: Fulfilment, refund: dict[str, Any]) -> Applied:
    """A refund went through, failed or was canceled: the payment gives back what Stripe's refunds do."""
    charge_id = _id(refund.get("charge"))
    payment = _payment_for_charge(ctx, charge_id) if charge_id else None
    if payment is None:
        return IGNORED
    refunded = refunded_at_stripe(ctx, payment)
    if refunded < payment.refunded_cents:
        restore_refunded(ctx, payment, refunded)
    else:
        _apply_refund(ctx, payment, refunded)
    return Applied(EventOutcome.APPLIED, payment.donation)
