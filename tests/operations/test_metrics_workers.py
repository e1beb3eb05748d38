"""Under gunicorn with two workers, /metrics adds up the counts of both, whichever one answers the
scrape (gunicorn.conf.py puts prometheus-client in its multiprocess mode)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from stripe_sandbox import sign
from tests.support.gunicorn_server import Gunicorn
from tests.support.recorded_events import WEBHOOK_SECRET
from tests.support.stripe_objects import stripe_event

TOKEN = "w" * 40


@pytest.fixture
def two_workers(database_url: str, tmp_path: Path) -> Iterator[Gunicorn]:
    # Two workers importing the app can take a while on a busy machine.
    server = Gunicorn(database_url, "http://127.0.0.1:9", tmp_path, {"METRICS_TOKEN": TOKEN}, boot_seconds=90)
    yield server
    server.stop()


def samples(server: Gunicorn) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    # A new connection each time: either worker may take it.
    answer = requests.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert answer.status_code == 200, answer.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def test_every_scrape_counts_the_deliveries_of_both_workers(two_workers: Gunicorn) -> None:
    for number in range(8):
        body = json.dumps(stripe_event("payout.created", {"id": f"po_{number}", "object": "payout", "amount": 100}))
        answer = requests.post(
            f"{two_workers.url}/stripe/webhook",
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(body, WEBHOOK_SECRET)},
            timeout=10,
        )
        assert answer.json()["outcome"] == "ignored"
    for _ in range(6):
        figures = samples(two_workers)
        assert figures[("donations_webhook_events_total", (("outcome", "ignored"),))] == 8
        timed = ("donations_request_duration_seconds_count", (("endpoint", "webhooks.stripe_webhook"),))
        assert figures[timed] == 8
    assert two_workers.errors() == ""
