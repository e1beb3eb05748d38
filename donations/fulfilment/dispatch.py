"""Which handler applies each Stripe event type: the table behind `event_objects.HANDLED_EVENTS`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from donations.fulfilment import event_objects, payouts
from donations.fulfilment.context import IGNORED, Applied, Fulfilment
from donations.fulfilment.handlers import (
    charge_refunded,
    checkout_async_failed,
    checkout_completed,
    checkout_expired,
    invoice_paid,
    subscription_changed,
)
from donations.fulfilment.refunds_and_disputes import dispute_changed, refund_changed
from donations.fulfilment.renewal_troubles import payment_action_required, renewal_failed

Handler = Callable[[Fulfilment, dict[str, Any]], Applied]

HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": checkout_completed,
    "checkout.session.async_payment_succeeded": checkout_completed,
    "checkout.session.async_payment_failed": checkout_async_failed,
    "checkout.session.expired": checkout_expired,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": renewal_failed,
    "invoice.payment_action_required": payment_action_required,
    "customer.subscription.created": subscription_changed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
    "customer.subscription.paused": subscription_changed,
    "customer.subscription.resumed": subscription_changed,
    "charge.refunded": charge_refunded,
    "charge.refund.updated": refund_changed,
    "refund.failed": refund_changed,
    "refund.updated": refund_changed,
    "charge.dispute.created": dispute_changed,
    "charge.dispute.updated": dispute_changed,
    "charge.dispute.closed": dispute_changed,
    **payouts.HANDLERS,  # fees booked late and payouts
}
assert set(HANDLERS) == set(event_objects.HANDLED_EVENTS), "HANDLED_EVENTS and the handlers disagree"


def apply_event(ctx: Fulfilment, event: dict[str, Any]) -> Applied:
    """Apply one verified event; types the service does not handle, or events without an object, are ignored.

    The handler reads the object in the pinned API version's shape: fetched from
    Stripe when the event is thin, of another version, or lacks a field (`event_objects`).
    """
    handler = HANDLERS.get(event_objects.type_of(event))
    if handler is None:
        return IGNORED
    obj = event_objects.object_of(ctx.client, event)
    if not isinstance(obj, dict):
        return IGNORED
    return handler(ctx, obj)
