"""An event's Stripe reads are made with no write transaction open, between storing it and applying it.

A webhook waiting on Stripe (held at a gate in front of the sandbox) holds no
lock: other events are applied meanwhile, a second delivery of the same event
applies it while the first still waits (which then finds it done), two
deliveries at once apply it once, and a Stripe that times out leaves the
event failed with no receipt number taken, applied on Stripe's retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.test import TestResponse

from donations.extensions import db
from donations.models import Donation, EventOutcome, Payment, Receipt, ReceiptSequence, StripeEvent
from donations.platform import stripe_api as payments
from tests.support.recorded_events import Recording
from tests.support.stalls import StalledServer
from tests.support.stripe_gate import LONGEST_HOLD, StripeGate
from tests.support.webhook_delivery import deliver, stored_events


@pytest.fixture
def gate(replay: Flask, recording: Recording) -> Iterator[StripeGate]:
    """The replay's Stripe behind a gate holding every PaymentIntent read."""
    held = StripeGate(recording.sandbox.url, "/v1/payment_intents")
    # A held read waits as long as the test holds it, and is sent once.
    replay.extensions["stripe_client"] = payments.make_client(
        {**replay.config, "STRIPE_API_BASE": held.url, "STRIPE_TIMEOUT": LONGEST_HOLD, "STRIPE_MAX_NETWORK_RETRIES": 0}
    )
    yield held
    held.close()


def completed(recording: Recording, lifecycle: str) -> dict[str, Any]:
    """The checkout.session.completed event of a one-off gift paid by card: applying it issues its receipt."""
    return next(e for e in recording.lifecycles[lifecycle].events if e["type"] == "checkout.session.completed")


def in_background(pool: ThreadPoolExecutor, app: Flask, event: dict[str, Any]) -> Future[TestResponse]:
    return pool.submit(deliver, app.test_client(), event)


def receipts_of(app: Flask, lifecycle: str, recording: Recording) -> list[str]:
    """The numbers of the receipts issued for a lifecycle's gift."""
    public_id = recording.lifecycles[lifecycle].gift.public_id
    with app.app_context():
        query = (
            sa.select(Receipt.number)
            .join(Receipt.payments)
            .join(Donation, Donation.id == Payment.donation_id)
            .where(Donation.public_id == public_id)
            .order_by(Receipt.number)
        )
        return list(db.session.scalars(query))


def numbers_taken(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ReceiptSequence.last_number)))


def applied_once(app: Flask, recording: Recording) -> None:
    """The refund_fails gift's event is applied, at its first attempt, with one payment and one receipt number."""
    [stored] = stored_events(app)
    assert (stored.outcome, stored.attempts, stored.error) == (EventOutcome.APPLIED, 1, None)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 1
    assert len(receipts_of(app, "refund_fails", recording)) == 1
    assert numbers_taken(app) == [1]


def outcome(answer: TestResponse) -> tuple[int, str]:
    return answer.status_code, answer.get_json()["outcome"]


def test_other_events_are_applied_while_one_waits_on_stripe(
    replay: Flask, recording: Recording, gate: StripeGate
) -> None:
    waiting, other = completed(recording, "refund_fails"), completed(recording, "dispute_lost")
    with ThreadPoolExecutor(1) as pool:
        first = in_background(pool, replay, waiting)
        gate.wait_for_held()  # stored, and waiting on its PaymentIntent
        gate.let_next_pass()
        meanwhile = deliver(replay.test_client(), other)
        assert not first.done()
        gate.release()
        assert outcome(first.result(LONGEST_HOLD)) == (200, "applied")
    assert outcome(meanwhile) == (200, "applied")
    # Numbers are taken as events are applied, not as they arrive: the one that waited has the second.
    year = receipts_of(replay, "dispute_lost", recording)[0][:4]
    assert receipts_of(replay, "dispute_lost", recording) == [f"{year}-000001"]
    assert receipts_of(replay, "refund_fails", recording) == [f"{year}-000002"]
    assert numbers_taken(replay) == [2]


def test_a_delivery_arriving_while_the_first_waits_on_stripe_applies_it_and_the_first_finds_it_done(
    replay: Flask, recording: Recording, gate: StripeGate
) -> None:
    event = completed(recording, "refund_fails")
    with ThreadPoolExecutor(1) as pool:
        first = in_background(pool, replay, event)
        gate.wait_for_held()
        [stored] = stored_events(replay)  # kept before Stripe is read, not applied yet
        assert (stored.stripe_id, stored.outcome) == (event["id"], EventOutcome.RECEIVED)
        gate.let_next_pass()
        second = deliver(replay.test_client(), event)
        assert outcome(second) == (200, "applied")
        gate.release()
        assert outcome(first.result(LONGEST_HOLD)) == (200, "duplicate")
    applied_once(replay, recording)


def test_two_deliveries_of_a_receipting_event_at_once_apply_it_once(
    replay: Flask, recording: Recording, gate: StripeGate
) -> None:
    event = completed(recording, "refund_fails")
    with ThreadPoolExecutor(2) as pool:
        both = [in_background(pool, replay, event) for _ in range(2)]
        gate.wait_for_held(2)  # both stored or found stored, both reading Stripe
        gate.release()  # both claim the row at once
        answers = sorted(outcome(f.result(LONGEST_HOLD)) for f in both)
    assert answers == [(200, "applied"), (200, "duplicate")]
    applied_once(replay, recording)


def test_stripe_timing_out_during_the_read_leaves_the_event_failed_and_takes_no_receipt_number(
    replay: Flask, recording: Recording
) -> None:
    event, other = completed(recording, "refund_fails"), completed(recording, "dispute_lost")
    stripe_client = replay.extensions["stripe_client"]
    stalled = StalledServer()
    try:
        replay.extensions["stripe_client"] = payments.make_client(
            {**replay.config, "STRIPE_API_BASE": stalled.url, "STRIPE_TIMEOUT": 0.5, "STRIPE_MAX_NETWORK_RETRIES": 0}
        )
        failed = deliver(replay.test_client(), event)
    finally:
        replay.extensions["stripe_client"] = stripe_client
        stalled.close()

    assert outcome(failed) == (500, "failed")
    [stored] = stored_events(replay)
    assert (stored.outcome, stored.attempts) == (EventOutcome.FAILED, 1)
    assert "Timeout" in (stored.error or "") or "timed out" in (stored.error or "")
    assert numbers_taken(replay) == []
    with replay.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 0

    assert outcome(deliver(replay.test_client(), other)) == (200, "applied")
    assert outcome(deliver(replay.test_client(), event)) == (200, "applied")  # Stripe's retry
    year = receipts_of(replay, "dispute_lost", recording)[0][:4]
    assert receipts_of(replay, "dispute_lost", recording) == [f"{year}-000001"]
    assert receipts_of(replay, "refund_fails", recording) == [f"{year}-000002"]
    with replay.app_context():
        retried = db.session.scalars(sa.select(StripeEvent).where(StripeEvent.stripe_id == event["id"])).one()
        assert (retried.outcome, retried.attempts, retried.error) == (EventOutcome.APPLIED, 2, None)
