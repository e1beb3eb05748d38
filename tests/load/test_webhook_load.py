"""Webhook load: N real events for N/5 donations, 20 % sent twice, shuffled, from 8 senders, to gunicorn with 2 workers.

Short form by default (LOAD_EVENTS, default 1 000 events for 142 donations);
the full form with LOAD_FULL=1 (10 000 events for 2 000 donations), which
bench/webhook_load.py runs on PostgreSQL. Runs on the suite's database
(SQLite, or PostgreSQL with TEST_DATABASE_URL).

Must hold: no 5xx (every delivery answered 200), every donation in its final
state with one issued receipt per payment kept, receipt numbers 1..K without
gap or repeat, each event stored once and applied once.

Bounded: a fixed count of events, each request 30 s at most (gunicorn's own
timeout), gunicorn 20 s to start. The events/s figure is printed (pytest -s)
and written to LOAD_REPORT (a JSON file) when that is set.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from donations.platform import stripe_api as payments
from stripe_sandbox import SandboxHandle
from tests.support.gift_mix import SENDERS, check_outcome, make_gifts, send, subscribed_events
from tests.support.giving import Giving
from tests.support.gunicorn_server import Gunicorn

FULL = os.environ.get("LOAD_FULL") == "1"
EVENTS = 10_000 if FULL else int(os.environ.get("LOAD_EVENTS", "1000"))
DONATIONS = EVENTS // 7  # about 7 events a gift, charge.updated (the fee) included
DUPLICATED = 0.20
SEED = 8


@pytest.mark.slow
def test_webhook_load_from_concurrent_senders(gunicorn: Gunicorn, sandbox: SandboxHandle, database_url: str) -> None:
    client = payments.make_client({"STRIPE_USES_SANDBOX": True, "STRIPE_API_BASE": sandbox.url})
    started = time.monotonic()
    gifts = make_gifts(lambda n: Giving(gunicorn.url, sandbox.url, client), DONATIONS)
    events = subscribed_events(list(payments.list_events(client, 0)))
    made = time.monotonic() - started
    assert 0.9 * EVENTS <= len(events) <= 1.2 * EVENTS, len(events)  # about 7 a gift

    rng = random.Random(SEED)
    bodies = [json.dumps(event) for event in events.values()]
    deliveries = bodies + rng.sample(bodies, round(DUPLICATED * len(bodies)))
    rng.shuffle(deliveries)

    started = time.monotonic()
    with ThreadPoolExecutor(SENDERS) as pool:
        parts = pool.map(send, [gunicorn.url] * SENDERS, [deliveries[i::SENDERS] for i in range(SENDERS)])
        statuses = Counter(status for part in parts for status in part)
    elapsed = time.monotonic() - started

    engine = sa.create_engine(database_url)
    try:
        assert statuses == {200: len(deliveries)}, f"{statuses}\n{gunicorn.errors()}"
        check_outcome(engine, gifts, events)
    finally:
        engine.dispose()

    figures = {
        "database": database_url.split(":", 1)[0].split("+", 1)[0],
        "donations": len(gifts),
        "events": len(events),
        "deliveries": len(deliveries),
        "seconds_making": round(made, 1),
        "seconds_sending": round(elapsed, 2),
        "deliveries_per_second": round(len(deliveries) / elapsed, 1),
        "events_per_second": round(len(events) / elapsed, 1),
    }
    print(
        f"\nwebhook load ({figures['database']}): {len(events)} events for {len(gifts)} donations, {len(deliveries)} deliveries "
        f"in {elapsed:.1f} s: {figures['deliveries_per_second']} deliveries/s, {figures['events_per_second']} events applied/s "
        f"(gifts made in {made:.1f} s)"
    )
    if os.environ.get("LOAD_REPORT"):
        Path(os.environ["LOAD_REPORT"]).write_text(json.dumps(figures))
