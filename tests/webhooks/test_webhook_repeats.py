"""Stripe delivers at least once: a repeat of any event is acknowledged and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from donations.models import EventOutcome
from tests.support.recorded_events import Recording
from tests.support.webhook_delivery import deliver, snapshot, stored_events

Selector = Callable[[dict[str, Any]], bool]


def of_type(event_type: str, where: Selector = lambda obj: True) -> Selector:
    return lambda event: event["type"] == event_type and where(event["data"]["object"])


# Each handled type, with the recorded lifecycle that produces it.
HANDLED = {
    "checkout.session.completed": ("one_off_card_partial_then_full_refund", of_type("checkout.session.completed")),
    "checkout.session.async_payment_succeeded": (
        "sepa_debit_succeeds",
        of_type("checkout.session.async_payment_succeeded"),
    ),
    "checkout.session.async_payment_failed": ("sepa_debit_fails", of_type("checkout.session.async_payment_failed")),
    "invoice.paid": ("monthly_three_invoices_then_cancelled", of_type("invoice.paid")),
    "invoice.payment_failed": ("monthly_renewal_declined", of_type("invoice.payment_failed")),
    "customer.subscription.updated": ("monthly_renewal_declined", of_type("customer.subscription.updated")),
    "customer.subscription.deleted": (
        "monthly_three_invoices_then_cancelled",
        of_type("customer.subscription.deleted"),
    ),
    "charge.refunded (partial)": (
        "one_off_card_partial_then_full_refund",
        of_type("charge.refunded", lambda charge: not charge["refunded"]),
    ),
    "charge.refunded (full)": (
        "one_off_card_partial_then_full_refund",
        of_type("charge.refunded", lambda charge: charge["refunded"]),
    ),
    "charge.dispute.created": ("dispute_lost", of_type("charge.dispute.created")),
    "charge.dispute.closed": ("dispute_lost", of_type("charge.dispute.closed")),
}


@pytest.mark.parametrize("handled", HANDLED)
def test_a_repeated_event_is_acknowledged_and_changes_nothing(
    replay: Flask, recording: Recording, handled: str
) -> None:
    lifecycle_name, selected = HANDLED[handled]
    lifecycle = recording.lifecycles[lifecycle_name]
    client = replay.test_client()
    repeated = 0
    for event in lifecycle.events:
        first = deliver(client, event)
        assert first.status_code == 200, first.get_json()
        if not selected(event):
            continue
        assert first.get_json()["outcome"] == "applied"
        before = snapshot(replay)
        again = deliver(client, event)
        assert (again.status_code, again.get_json()["outcome"]) == (200, "duplicate")
        assert snapshot(replay) == before
        repeated += 1
    assert repeated >= 1, f"the {lifecycle_name} lifecycle sent no {handled} event"
    stored = stored_events(replay)
    assert len(stored) == len(lifecycle.events)
    assert {event.attempts for event in stored} == {1}
    assert all(event.outcome in (EventOutcome.APPLIED, EventOutcome.IGNORED) for event in stored)
