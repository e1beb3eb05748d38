"""Stripe sends events in any order: whole lifecycles, re-delivered shuffled, always end the same way."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from donations.extensions import db
from donations.models import Payment
from tests.support.recorded_events import Recording, restore
from tests.support.webhook_delivery import deliver, gift_state

Events = list[dict[str, Any]]
SHUFFLES = 5


def moved_first(event_type: str, nth: int = 0) -> Callable[[Events], Events]:
    """The order as sent, but with the nth event of a type delivered before all others."""

    def order(events: Events) -> Events:
        chosen = [e for e in events if e["type"] == event_type][nth]
        return [chosen] + [e for e in events if e is not chosen]

    return order


def deleted_before_last_invoice(events: Events) -> Events:
    last_paid = [e for e in events if e["type"] == "invoice.paid"][-1]
    deleted = next(e for e in events if e["type"] == "customer.subscription.deleted")
    rest = [e for e in events if e is not last_paid and e is not deleted]
    return rest + [deleted, last_paid]


def checkout_last(events: Events) -> Events:
    completed = next(e for e in events if e["type"] == "checkout.session.completed")
    return [e for e in events if e is not completed] + [completed]


# lifecycle: (final state whatever the order, orders that have bitten fulfilment code before)
CASES: dict[str, tuple[tuple[Any, ...], dict[str, Callable[[Events], Events]]]] = {
    "one_off_card_partial_then_full_refund": (
        ("refunded", 5000, [(5000, 5000, "succeeded", "card", False, None)]),
        {
            "partial refund before its payment": moved_first("charge.refunded"),
            "full refund first": moved_first("charge.refunded", 1),
        },
    ),
    "monthly_three_invoices_then_cancelled": (
        ("cancelled", 1500, [(1500, 0, "succeeded", "card", False, None)] * 3),
        {
            "deleted before the last invoice.paid": deleted_before_last_invoice,
            "deleted first": moved_first("customer.subscription.deleted"),
        },
    ),
    "sepa_debit_succeeds": (
        ("paid", 10000, [(10000, 0, "succeeded", "sepa_debit", False, None)]),
        {"debit settled before checkout completed": checkout_last},
    ),
    "dispute_lost": (
        ("refunded", 8000, [(8000, 8000, "succeeded", "card", True, "lost")]),
        {
            "dispute closed before opened": moved_first("charge.dispute.closed"),
            "dispute before payment": moved_first("charge.dispute.created"),
        },
    ),
    "sepa_debit_fails": (
        ("failed", 6000, [(6000, 0, "failed", "sepa_debit", False, None)]),
        {"failure first": checkout_last},
    ),
    "monthly_sepa_debit": (
        ("active", 3000, [(3000, 0, "succeeded", "sepa_debit", False, None)]),
        {"unpaid checkout after the debit settled": checkout_last},
    ),
    "monthly_renewal_refunded": (
        ("active", 1000, [(1000, 0, "succeeded", "card", False, None), (1000, 1000, "succeeded", "card", False, None)]),
        {"refund before its invoice.paid": moved_first("charge.refunded")},
    ),
    "monthly_renewal_declined": (
        ("active", 2000, [(2000, 0, "failed", "card", False, None), (2000, 0, "succeeded", "card", False, None)]),
        {"declined renewal first": moved_first("invoice.payment_failed")},
    ),
}


def without_times(state: tuple[Any, ...]) -> tuple[Any, ...]:
    status, amount, paid = state
    return status, amount, [p[:4] + p[5:] for p in paid]


def payments_by_stripe_id(app: Flask) -> dict[str, tuple[str, int]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Payment)).all()
        return {
            p.stripe_invoice_id or p.stripe_payment_intent_id or "": (p.status.value, p.refunded_cents) for p in rows
        }


def replay_in_order(app: Flask, events: Events) -> None:
    """Deliver every event; no payment ever goes back from succeeded, and no refund shrinks, on the way."""
    client = app.test_client()
    seen: dict[str, tuple[str, int]] = {}
    for event in events:
        response = deliver(client, event)
        assert response.status_code == 200, (event["type"], response.get_json())
        now = payments_by_stripe_id(app)
        for stripe_id, (status, refunded) in seen.items():
            if status == "succeeded":
                assert now[stripe_id][0] == "succeeded", f"{stripe_id} went back after {event['type']}"
            assert now[stripe_id][1] >= refunded, f"{stripe_id}'s refund shrank after {event['type']}"
        seen = now


@pytest.mark.parametrize("lifecycle", CASES)
def test_a_lifecycle_ends_the_same_in_any_order(replay: Flask, recording: Recording, lifecycle: str) -> None:
    expected, named_orders = CASES[lifecycle]
    recorded = recording.lifecycles[lifecycle]
    orders: dict[str, Events] = {"as sent": recorded.events}
    orders.update({name: reorder(recorded.events) for name, reorder in named_orders.items()})
    for seed in range(SHUFFLES):
        shuffled = list(recorded.events)
        random.Random(f"{lifecycle}-{seed}").shuffle(shuffled)
        orders[f"shuffle {seed}"] = shuffled

    finals = {}
    for name, events in orders.items():
        restore(replay, recording)
        replay_in_order(replay, events)
        finals[name] = gift_state(replay, recorded.gift.public_id)

    assert without_times(finals["as sent"]) == expected
    different = {name: state for name, state in finals.items() if state != finals["as sent"]}
    assert not different, f"as sent: {finals['as sent']}"
