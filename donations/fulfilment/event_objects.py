"""The object a Stripe event is about, in the shape of the API version the service is pinned to.

A webhook endpoint keeps the API version it was created with, so an older
account sends its snapshot events in an older shape (an invoice with a
top-level `subscription` and no `parent`, before 2025-03-31), and Stripe keeps
each event in its own version forever. Stripe's event destinations send thin
events instead: a type, an id and a `related_object` to fetch, no snapshot at
all. The handlers of `donations.fulfilment.handlers` read only the current shape: when
the event's version is not the client's, a field a handler needs is missing,
or the event is thin, the object is fetched through `donations.platform.stripe_api`,
which speaks the pinned version.

`HANDLED_EVENTS` is the one list of the event types the service acts on: the
webhook endpoint is subscribed to exactly these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import stripe

from donations.platform import stripe_api as payments
from donations.platform.stripe_api import PINNED_API_VERSION

# The API version of every object the service reads (stripe-python pins it).

# Thin events name their v1 types with this prefix ("v1.invoice.paid").
THIN_PREFIX = "v1."
THIN_OBJECT = "v2.core.event"

# Every event type the service handles, by what it is about; anything else is recorded and ignored.
HANDLED_EVENTS: tuple[str, ...] = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "invoice.paid",
    "invoice.payment_failed",
    "invoice.payment_action_required",
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
    "customer.subscription.paused",
    "customer.subscription.resumed",
    "charge.refunded",
    "charge.refund.updated",
    "refund.failed",
    "refund.updated",
    "charge.dispute.created",
    "charge.dispute.updated",
    "charge.dispute.closed",
    "charge.updated",
    "payout.paid",
    "payout.failed",
)

Retrieve = Callable[[stripe.StripeClient, str], dict[str, Any]]

# What each kind of object is fetched with, and the fields without which a snapshot is not read
# (each was added or moved by an API version the handlers rely on).
_KINDS: dict[str, tuple[Retrieve, tuple[str, ...]]] = {
    "checkout.session": (payments.retrieve_checkout_session, ("mode", "payment_status", "metadata")),
    "invoice": (payments.retrieve_invoice, ("parent", "amount_paid", "amount_due", "status_transitions")),
    "subscription": (payments.retrieve_subscription, ("status", "metadata")),
    "charge": (payments.retrieve_charge, ("amount_refunded", "payment_intent")),
    "refund": (payments.retrieve_refund, ("status", "charge", "amount")),
    "dispute": (payments.retrieve_dispute, ("status", "charge")),
    "payout": (payments.retrieve_payout, ("status", "amount", "arrival_date")),
}
# The kind of object an event type is about (the longest prefix wins: charge.dispute. before charge.).
_KIND_OF_TYPE = (
    ("checkout.session.", "checkout.session"),
    ("invoice.", "invoice"),
    ("customer.subscription.", "subscription"),
    ("charge.dispute.", "dispute"),
    ("charge.refund.", "refund"),
    ("charge.", "charge"),
    ("refund.", "refund"),
    ("payout.", "payout"),
)


def is_thin(event: dict[str, Any]) -> bool:
    """Whether the event is a thin one (an event destination's): a reference, no snapshot."""
    return event.get("object") == THIN_OBJECT or ("related_object" in event and "data" not in event)


def type_of(event: dict[str, Any]) -> str:
    """The event's type in v1 terms, whichever way it came ("v1.invoice.paid" is "invoice.paid")."""
    event_type = event.get("type")
    if not isinstance(event_type, str):
        return ""
    if is_thin(event) and event_type.startswith(THIN_PREFIX):
        return event_type[len(THIN_PREFIX) :]
    return event_type


def created_of(event: dict[str, Any]) -> dt.datetime | None:
    """When Stripe made the event: a Unix time in a snapshot event, an RFC 3339 text in a thin one."""
    created = event.get("created")
    if isinstance(created, int) and not isinstance(created, bool) and 0 <= created <= 253402300799:
        return dt.datetime.fromtimestamp(created, dt.UTC)
    if isinstance(created, str) and len(created) <= 40:
        try:
            moment = dt.datetime.fromisoformat(created.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment.astimezone(dt.UTC) if moment.tzinfo else None
    return None


def kind_of(event_type: str) -> str | None:
    """The kind of object (`_KINDS`'s key) an event type is about, or None."""
    for prefix, kind in _KIND_OF_TYPE:
        if event_type.startswith(prefix):
            return kind
    return None


def _related_id(event: dict[str, Any]) -> str | None:
    related = event.get("related_object")
    if isinstance(related, dict) and isinstance(related.get("id"), str):
        return related["id"]
    return None


def needs_fetch(event: dict[str, Any]) -> bool:
    """Whether the handler must read the object from Stripe rather than from the event."""
    if is_thin(event):
        return True
    kind = kind_of(type_of(event))
    obj = (event.get("data") or {}).get("object")
    if kind is None or not isinstance(obj, dict):
        return False
    if event.get("api_version") != PINNED_API_VERSION:
        return True
    return any(name not in obj for name in _KINDS[kind][1])


def object_of(client: stripe.StripeClient, event: dict[str, Any]) -> dict[str, Any] | None:
    """The object the event is about, as the pinned API version shows it now (fetched when needed).

    None when there is no object to read (a thin event without a related object,
    an event about a kind of object the service does not fetch).
    """
    kind = kind_of(type_of(event))
    if not needs_fetch(event):
        obj = (event.get("data") or {}).get("object")
        return obj if isinstance(obj, dict) else None
    if kind is None:
        return None
    if is_thin(event):
        object_id = _related_id(event)
    else:
        object_id = ((event.get("data") or {}).get("object") or {}).get("id")
    if not isinstance(object_id, str) or not object_id:
        return None
    retrieve = _KINDS[kind][0]
    return retrieve(client, object_id)


Read = tuple[Callable[..., Any], tuple[str, ...]]
# The checkout events whose handler reads the PaymentIntent of a one-off gift (`handlers.checkout_completed`).
_PAID_CHECKOUTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed"}
)


def _object_read(event: dict[str, Any]) -> Read | None:
    """How `object_of` reads the event's object from Stripe, when it does."""
    kind = kind_of(type_of(event))
    if kind is None or not needs_fetch(event):
        return None
    object_id = _related_id(event) if is_thin(event) else ((event.get("data") or {}).get("object") or {}).get("id")
    return (_KINDS[kind][0], (object_id,)) if isinstance(object_id, str) and object_id else None


def _str_id(value: Any) -> str | None:
    found = value.get("id") if isinstance(value, dict) else value
    return found if isinstance(found, str) and found else None


def reads_known_ahead(event: dict[str, Any]) -> list[Read]:
    """The Stripe reads applying the event makes, as far as the event shows them: made before the
    write transaction (`stripe_reads`). A read not foreseen here is asked for by the handler itself."""
    read = _object_read(event)
    if read is not None:
        return [read]  # what the object then needs is seen once it is read
    obj = (event.get("data") or {}).get("object")
    if not isinstance(obj, dict) or type_of(event) not in HANDLED_EVENTS:
        return []
    event_type, object_id = type_of(event), _str_id(obj)
    if event_type in _PAID_CHECKOUTS and obj.get("mode") == "payment":
        intent_id = _str_id(obj.get("payment_intent"))
        return [(payments.retrieve_payment_intent, (intent_id,))] if intent_id else []
    if event_type.startswith("customer.subscription.") and object_id:
        return [(payments.retrieve_subscription, (object_id,))]
    return []
