"""What finance sees of the webhooks: the last event, the last day's traffic, the failures waiting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from donations.fulfilment.health import webhook_health
from donations.models import EventOutcome, StripeEvent

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def received(db: Any) -> Callable[..., StripeEvent]:
    """A callable that records an event received `ago` before NOW."""
    count = 0

    def record(
        event_type: str, ago: dt.timedelta, outcome: EventOutcome = EventOutcome.APPLIED, **fields: Any
    ) -> StripeEvent:
        nonlocal count
        count += 1
        event = StripeEvent(
            stripe_id=f"evt_{count}",
            type=event_type,
            livemode=False,
            created=NOW - ago,
            payload={"id": f"evt_{count}"},
            outcome=outcome,
            attempts=fields.pop("attempts", 1),
            received_at=NOW - ago,
            **fields,
        )
        db.session.add(event)
        db.session.commit()
        return event

    return record


def test_with_no_event_yet_nothing_is_waiting(db: Any) -> None:
    health = webhook_health(db.session, NOW)
    assert (health.last_event_at, health.last_event_type, health.events_last_24h) == (None, None, 0)
    assert (health.failures_waiting, health.failures, health.oldest_failure_at) == (0, (), None)
    assert health.healthy


def test_the_last_event_and_the_last_days_traffic_are_shown(db: Any, received: Callable[..., StripeEvent]) -> None:
    received("invoice.paid", dt.timedelta(days=3))
    received("checkout.session.completed", dt.timedelta(hours=23))
    received("charge.refunded", dt.timedelta(minutes=5), EventOutcome.IGNORED)
    health = webhook_health(db.session, NOW)
    assert (health.last_event_at, health.last_event_type) == (NOW - dt.timedelta(minutes=5), "charge.refunded")
    assert health.events_last_24h == 2
    assert health.healthy


def test_failed_events_wait_oldest_first_with_their_error_and_attempts(
    db: Any, received: Callable[..., StripeEvent]
) -> None:
    received("invoice.paid", dt.timedelta(hours=2), EventOutcome.FAILED, error="APIConnectionError('down')", attempts=3)
    received("checkout.session.completed", dt.timedelta(hours=1))
    received("charge.refunded", dt.timedelta(hours=5), EventOutcome.FAILED, error="KeyError('charge')", attempts=1)
    health = webhook_health(db.session, NOW)
    assert not health.healthy
    assert health.failures_waiting == 2
    assert [(f.stripe_id, f.type, f.error, f.attempts) for f in health.failures] == [
        ("evt_3", "charge.refunded", "KeyError('charge')", 1),
        ("evt_1", "invoice.paid", "APIConnectionError('down')", 3),
    ]
    assert health.oldest_failure_at == NOW - dt.timedelta(hours=5)


def test_a_failure_applied_on_retry_no_longer_waits(db: Any, received: Callable[..., StripeEvent]) -> None:
    event = received("invoice.paid", dt.timedelta(hours=2), EventOutcome.FAILED, error="boom")
    event.outcome, event.error, event.attempts = EventOutcome.APPLIED, None, 2
    db.session.commit()
    assert webhook_health(db.session, NOW).healthy
