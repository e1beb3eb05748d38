"""Events of any API version, and thin events, end each flow exactly as current snapshot events do.

A webhook endpoint made on an older API version sends invoices without
`parent` (their subscription at the top level, before 2025-03-31); an event
destination sends thin events that only name the object. Each recorded
lifecycle (one-off, monthly renewals, refunds, dispute, SEPA) is delivered
three ways to the real app, which reads what it needs from the sandbox through
the Stripe client: the gifts, payments and receipts come out the same.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from donations.extensions import db
from donations.fulfilment.event_objects import HANDLED_EVENTS, PINNED_API_VERSION
from donations.models import Receipt, StripeEvent
from tests.support.recorded_events import LIFECYCLES, Recording, restore
from tests.support.webhook_delivery import deliver, gift_state

Events = list[dict[str, Any]]
OLD_VERSION = "2024-06-20"
SEGMENTS = {
    "checkout.session": "checkout/sessions",
    "invoice": "invoices",
    "subscription": "subscriptions",
    "charge": "charges",
    "refund": "refunds",
    "dispute": "disputes",
    "payment_intent": "payment_intents",
}


def legacy_invoice(invoice: dict[str, Any]) -> dict[str, Any]:
    """An invoice as API versions before 2025-03-31 wrote it: subscription on top, no parent, no payments."""
    old = {key: value for key, value in invoice.items() if key not in ("parent", "payments")}
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    old["subscription"] = details.get("subscription")
    old["subscription_details"] = {"metadata": details.get("metadata") or {}}
    old["paid"] = invoice.get("status") == "paid"
    old["charge"] = old["payment_intent"] = None
    return old


def as_old_version(event: dict[str, Any]) -> dict[str, Any]:
    old = copy.deepcopy(event)
    old["api_version"] = OLD_VERSION
    obj = old["data"]["object"]
    if obj.get("object") == "invoice":
        old["data"]["object"] = legacy_invoice(obj)
    return old


def as_thin(event: dict[str, Any]) -> dict[str, Any]:
    """The event as an event destination sends it: its type under v1., the object by reference only."""
    obj = event["data"]["object"]
    created = dt.datetime.fromtimestamp(event["created"], dt.UTC).isoformat().replace("+00:00", "Z")
    segment = SEGMENTS.get(obj["object"], obj["object"] + "s")
    return {
        "id": event["id"],
        "object": "v2.core.event",
        "type": f"v1.{event['type']}",
        "created": created,
        "livemode": event["livemode"],
        "context": None,
        "reason": None,
        "related_object": {"id": obj["id"], "type": obj["object"], "url": f"/v1/{segment}/{obj['id']}"},
    }


def outcome(app: Flask, public_id: str) -> tuple[Any, ...]:
    """The gift and its payments, the receipts issued (number, amount, status, what each replaces), the events' outcomes."""
    with app.app_context():
        receipts = [
            (r.number, r.amount_cents, r.status.value, r.replaces_id is not None)
            for r in db.session.scalars(sa.select(Receipt).order_by(Receipt.id))
        ]
        events = [
            (e.stripe_id, e.type, e.outcome.value)
            for e in db.session.scalars(sa.select(StripeEvent).order_by(StripeEvent.id))
        ]
    return gift_state(app, public_id), receipts, events


def delivered(app: Flask, recording: Recording, events: Events) -> None:
    restore(app, recording)
    client = app.test_client()
    for event in events:
        answer = deliver(client, event)
        assert answer.status_code == 200, (event.get("type"), answer.get_json())


@pytest.mark.parametrize("lifecycle", list(LIFECYCLES))
def test_old_version_and_thin_events_end_a_flow_as_current_ones(
    replay: Flask, recording: Recording, lifecycle: str
) -> None:
    recorded = recording.lifecycles[lifecycle]
    assert all(e["api_version"] == PINNED_API_VERSION for e in recorded.events)
    delivered(replay, recording, recorded.events)
    current = outcome(replay, recorded.gift.public_id)
    assert current[0][0] not in ("pending",), current  # the flow did something

    delivered(replay, recording, [as_old_version(e) for e in recorded.events])
    assert outcome(replay, recorded.gift.public_id) == current

    delivered(replay, recording, [as_thin(e) for e in recorded.events])
    assert outcome(replay, recorded.gift.public_id) == current


# The later lifecycles' final state, whichever way their events came.
FINAL = {
    "refund_fails": ("paid", 4000, [(4000, 0, "succeeded", "card", False, None)]),
    "dispute_won_on_appeal": ("paid", 7000, [(7000, 0, "succeeded", "card", True, "won")]),
    "monthly_authentication_then_last_retry_fails": (
        # The month waiting for authentication is no payment yet; the last retry's month failed.
        "lapsed",
        1800,
        [(1800, 0, "failed", "card", False, None), (1800, 0, "succeeded", "card", False, None)],
    ),
}


@pytest.mark.parametrize("lifecycle", list(FINAL))
def test_refund_failures_appeals_and_lapses_end_as_stripe_has_them(
    replay: Flask, recording: Recording, lifecycle: str
) -> None:
    recorded = recording.lifecycles[lifecycle]
    delivered(replay, recording, [as_thin(e) for e in recorded.events])
    status, amount, paid = gift_state(replay, recorded.gift.public_id)
    assert (status, amount, sorted(p[:4] + p[5:] for p in paid)) == FINAL[lifecycle]


def test_an_old_invoice_paid_records_the_month_it_would_have_ignored(replay: Flask, recording: Recording) -> None:
    """Without parent the invoice names no subscription: read through the API, the month is recorded."""
    recorded = recording.lifecycles["monthly_three_invoices_then_cancelled"]
    old = [as_old_version(e) for e in recorded.events]
    paid = [e for e in old if e["type"] == "invoice.paid"]
    assert paid and all("parent" not in e["data"]["object"] and e["data"]["object"]["subscription"] for e in paid)
    delivered(replay, recording, old)
    status, _, payments = gift_state(replay, recorded.gift.public_id)
    assert status == "cancelled" and len(payments) == 3 and all(p[2] == "succeeded" for p in payments)


def test_a_thin_event_is_stored_under_its_v1_type(replay: Flask, recording: Recording) -> None:
    recorded = recording.lifecycles["one_off_card_partial_then_full_refund"]
    delivered(replay, recording, [as_thin(e) for e in recorded.events])
    with replay.app_context():
        types = {e.type for e in db.session.scalars(sa.select(StripeEvent))}
    assert "checkout.session.completed" in types and not any(t.startswith("v1.") for t in types)


def test_a_thin_event_without_a_readable_time_is_rejected(replay: Flask, recording: Recording) -> None:
    event = as_thin(recording.lifecycles["one_off_card_partial_then_full_refund"].events[0])
    event["created"] = "yesterday"
    restore(replay, recording)
    answer = deliver(replay.test_client(), event)
    assert answer.status_code == 400 and answer.get_json()["outcome"] == "rejected"


def test_every_handled_event_type_has_its_handler() -> None:
    from donations.fulfilment.dispatch import HANDLERS

    assert list(HANDLED_EVENTS) and set(HANDLED_EVENTS) == set(HANDLERS)
    assert len(set(HANDLED_EVENTS)) == len(HANDLED_EVENTS)
