"""A failure while applying an event answers 500 so Stripe retries; the retry applies it once."""

from __future__ import annotations

from flask import Flask

from donations.clock import utcnow
from donations.extensions import db
from donations.fulfilment.health import webhook_health
from donations.models import EventOutcome
from donations.platform import stripe_api as payments
from tests.support.recorded_events import Recording
from tests.support.webhook_delivery import deliver, gift_state, stored_events


def test_an_event_that_fails_is_kept_with_its_error_and_applied_once_when_stripe_retries(
    replay: Flask, recording: Recording
) -> None:
    lifecycle = recording.lifecycles["sepa_debit_succeeds"]
    settled = next(e for e in lifecycle.events if e["type"] == "checkout.session.async_payment_succeeded")
    client = replay.test_client()
    stripe_client = replay.extensions["stripe_client"]
    # Stripe unreachable: the handler cannot read the PaymentIntent as it is now.
    replay.extensions["stripe_client"] = payments.make_client(
        {**replay.config, "STRIPE_API_BASE": "http://127.0.0.1:9"}
    )

    failed = deliver(client, settled)

    assert (failed.status_code, failed.get_json()["outcome"]) == (500, "failed")
    [stored] = stored_events(replay)
    assert (stored.stripe_id, stored.outcome, stored.attempts) == (settled["id"], EventOutcome.FAILED, 1)
    assert "APIConnectionError" in (stored.error or "")
    assert gift_state(replay, lifecycle.gift.public_id) == ("pending", 10000, [])
    with replay.app_context():
        health = webhook_health(db.session, utcnow())
    assert not health.healthy
    assert [(f.stripe_id, f.type, f.attempts) for f in health.failures] == [(settled["id"], settled["type"], 1)]

    replay.extensions["stripe_client"] = stripe_client
    retried = deliver(client, settled)
    again = deliver(client, settled)

    assert (retried.status_code, retried.get_json()["outcome"]) == (200, "applied")
    assert (again.status_code, again.get_json()["outcome"]) == (200, "duplicate")
    [stored] = stored_events(replay)
    assert (stored.outcome, stored.error, stored.attempts) == (EventOutcome.APPLIED, None, 2)
    status, amount, [paid] = gift_state(replay, lifecycle.gift.public_id)
    assert (status, amount, paid[:4]) == ("paid", 10000, (10000, 0, "succeeded", "sepa_debit"))
    with replay.app_context():
        assert webhook_health(db.session, utcnow()).healthy
