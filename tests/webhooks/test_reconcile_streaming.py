"""`flask stripe reconcile` after a long outage: Stripe's listing read a bounded window at a time,
oldest first, in memory that does not grow with the events listed."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from donations.extensions import db
from donations.fulfilment.reconcile import events_in_windows, reconcile
from donations.models import StripeEvent
from stripe_sandbox import SandboxHandle, serve_in_thread
from stripe_sandbox.objects import build_event

DAY = 86_400


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = serve_in_thread()
    yield handle
    handle.stop()


@pytest.fixture
def app(make_app: Callable[..., Flask], sandbox: SandboxHandle) -> Flask:
    return make_app(STRIPE_API_BASE=sandbox.url, MAIL_SERVER="")


def listed_in_the_sandbox(sandbox: SandboxHandle, count: int, start: int, span: int) -> list[dict[str, Any]]:
    """`count` events spread over `span` seconds from `start`, a few in the same second, as Stripe holds them."""
    store = sandbox.sandbox.store
    made = []
    with store.lock:
        for i in range(count):
            created = start + (i * span) // count
            session = {
                "id": f"cs_test_{i:06d}",
                "object": "checkout.session",
                "status": "expired",
                "metadata": {"donation_id": f"not-ours-{i}"},
                "mode": "payment",
                "payment_status": "unpaid",
                "url": None,
                "customer_details": {"name": "x" * 400},
            }
            event = build_event(created=created, event_type="checkout.session.expired", data_object=session)
            store.log_event(event)
            made.append(event)
    return made


def known_here(app: Flask, events: list[dict[str, Any]]) -> None:
    """Store the events as already applied (delivered by the webhook at the time)."""
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        db.session.execute(
            sa.insert(StripeEvent),
            [
                {
                    "stripe_id": e["id"],
                    "type": e["type"],
                    "livemode": False,
                    "created": now,
                    "payload": {"id": e["id"]},
                    "outcome": "applied",
                    "attempts": 1,
                    "received_at": now,
                }
                for e in events
            ],
        )
        db.session.commit()


def test_windows_hand_out_every_event_once_oldest_first_and_never_more_than_the_window(
    app: Flask, sandbox: SandboxHandle
) -> None:
    start = int(time.time()) - 10 * DAY
    made = listed_in_the_sandbox(sandbox, 230, start, 9 * DAY)
    with app.app_context():
        windows = list(events_in_windows(app.extensions["stripe_client"], start, start + 10 * DAY, window=40))
    assert all(len(w) <= 40 for w in windows) and len(windows) >= 6
    handed = [event["id"] for w in windows for event in w]
    # Stripe's order, oldest first (same-second events in the order they happened).
    assert handed == [event["id"] for event in made]


def test_reconcile_applies_oldest_first_across_windows(app: Flask, sandbox: SandboxHandle) -> None:
    start = int(time.time()) - 5 * DAY
    made = listed_in_the_sandbox(sandbox, 25, start, 4 * DAY)
    told: list[str] = []
    with app.app_context():
        summary = reconcile(
            db.session,
            app.extensions["stripe_client"],
            dt.datetime.fromtimestamp(start - 1, dt.UTC),
            on_event=lambda e: told.append(e.stripe_id),
            window=4,
        )
        stored = list(db.session.scalars(sa.select(StripeEvent.stripe_id).order_by(StripeEvent.id)))
    # Not our donations: recorded as applied-and-ignored, each once, in the order Stripe made them.
    assert summary.listed == 25 and summary.ignored == 25 and summary.failed_count == 0
    assert told == stored == [event["id"] for event in made]


def _peak_of(run: Callable[[], Any]) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reconcile_memory_stays_flat_however_many_events_stripe_lists(app: Flask, sandbox: SandboxHandle) -> None:
    start = int(time.time()) - 20 * DAY
    since = dt.datetime.fromtimestamp(start - 1, dt.UTC)
    with app.app_context():
        client = app.extensions["stripe_client"]

        def peak(window: int) -> int:
            return _peak_of(lambda: reconcile(db.session, client, since, window=window))

        known_here(app, listed_in_the_sandbox(sandbox, 500, start, 9 * DAY))
        peak(100)  # once first: imports and caches are not what is measured
        fewer = peak(100)
        known_here(app, listed_in_the_sandbox(sandbox, 1500, start + 10 * DAY, 9 * DAY))
        more = peak(100)
        # The same 2 000 events held whole, as before: what the windows spare.
        whole = peak(10_000)
    # Each request and its answer cost the same whatever the listing; only what is held could grow.
    assert more - fewer < 1536 * 1024, (fewer, more)  # 1 500 more events held would be 3.5 MB
    assert whole - more > 3 * 1024 * 1024, (whole, more)
