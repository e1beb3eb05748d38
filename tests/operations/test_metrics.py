"""GET /metrics: served only where the settings say, behind its bearer token, in Prometheus's text
format, with figures that follow what really happens (webhook events posted, receipts issued)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from donations.clock import utcnow
from donations.config import ConfigError, load_config, validate
from donations.extensions import db
from donations.models import EventOutcome, Receipt, ReceiptSequence, StripeEvent
from tests.support.production import PRODUCTION
from tests.support.stripe_objects import SECRET, stripe_event
from tests.support.webhook_delivery import deliver, signed_post

TOKEN = "m" * 40
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}


def scrape(client: FlaskClient, path: str = "/metrics") -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, parsed back: {(name, labels): value}."""
    response = client.get(path, headers=AUTHORIZED)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    assert "Set-Cookie" not in response.headers
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


@pytest.fixture
def metrics_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(METRICS_TOKEN=TOKEN)


def test_without_a_metrics_setting_there_is_no_endpoint(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers=AUTHORIZED).status_code == 404


def test_the_path_is_a_setting(make_app: Callable[..., Flask]) -> None:
    client = make_app(METRICS_PATH="/internal/prometheus").test_client()
    assert client.get("/metrics").status_code == 404
    assert "donations_database_up" in client.get("/internal/prometheus").text


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}])
def test_with_a_token_a_scrape_without_it_is_refused(metrics_app: Flask, headers: dict[str, str]) -> None:
    response = metrics_app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "donations_" not in response.text


def test_production_refuses_metrics_open_to_anyone() -> None:
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        validate(load_config({**PRODUCTION, "METRICS_PATH": "/metrics"}))
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        validate(load_config({**PRODUCTION, "METRICS_TOKEN": "short"}))
    validate(load_config({**PRODUCTION, "METRICS_PATH": "/metrics", "METRICS_TOKEN": TOKEN}))
    validate(load_config(PRODUCTION))  # no metrics at all is fine


@pytest.mark.parametrize("path", ["metrics", "/stripe/metrics", "/healthz", "/a b"])
def test_a_metrics_path_that_is_not_its_own_is_refused(path: str) -> None:
    with pytest.raises(ConfigError, match="METRICS_PATH"):
        validate(load_config({"SECRET_KEY": "k" * 40, "METRICS_PATH": path}))


def test_the_figures_follow_a_real_webhook_event_and_the_database(metrics_app: Flask) -> None:
    client = metrics_app.test_client()
    before = scrape(client)
    assert before[("donations_database_up", ())] == 1
    assert before[("donations_webhook_events_total", (("outcome", "ignored"),))] == 0
    assert math.isnan(before[("donations_webhook_last_event_age_seconds", ())])
    assert before[("donations_webhook_failed_events", ())] == 0
    assert before[("donations_jobs_queued", (("queue", "pending"),))] == 0

    event = stripe_event("payout.created", {"id": "po_1", "object": "payout", "amount": 12345})
    assert deliver(client, event, SECRET).get_json()["outcome"] == "ignored"
    assert deliver(client, event, SECRET).get_json()["outcome"] == "duplicate"
    assert signed_post(client, "{}", "t=1,v1=forged").status_code == 400
    with metrics_app.app_context():
        db.session.add(
            StripeEvent(
                stripe_id="evt_failed",
                type="invoice.paid",
                created=utcnow(),
                payload={},
                outcome=EventOutcome.FAILED,
                attempts=1,
                received_at=utcnow() - dt.timedelta(hours=1),
            )
        )
        db.session.add(ReceiptSequence(year=2026, last_number=3))
        db.session.commit()

    after = scrape(client)
    assert after[("donations_webhook_events_total", (("outcome", "ignored"),))] == 1
    assert after[("donations_webhook_events_total", (("outcome", "duplicate"),))] == 1
    assert after[("donations_webhook_events_total", (("outcome", "refused"),))] == 1
    assert after[("donations_webhook_events_total", (("outcome", "applied"),))] == 0
    assert 0 <= after[("donations_webhook_last_event_age_seconds", ())] < 60
    assert after[("donations_webhook_failed_events", ())] == 1
    assert after[("donations_receipts_issued", (("year", "2026"),))] == 3
    latency = after[("donations_request_duration_seconds_count", (("endpoint", "webhooks.stripe_webhook"),))]
    assert latency == 3


def test_receipts_issued_emailed_and_owed_are_read_from_the_database(
    metrics_app: Flask, paid_gift: Callable[..., tuple[str, str | None, int]]
) -> None:
    client = metrics_app.test_client()
    _gift, number, _payment = paid_gift()
    paid_gift()
    year = str(utcnow().year)
    figures = scrape(client)
    assert figures[("donations_receipts_issued", (("year", year),))] == 2
    assert figures[("donations_receipts_awaiting_email", ())] == 2
    assert figures[("donations_receipts_emailed", (("year", year),))] == 0
    assert figures[("donations_jobs_queued", (("queue", "pending"),))] == 2
    with metrics_app.app_context():
        db.session.execute(sa.update(Receipt).where(Receipt.number == number).values(emailed_at=utcnow()))
        db.session.commit()
    figures = scrape(client)
    assert figures[("donations_receipts_awaiting_email", ())] == 1
    assert figures[("donations_receipts_emailed", (("year", year),))] == 1


def test_request_latency_is_measured_per_endpoint(metrics_app: Flask) -> None:
    client = metrics_app.test_client()
    for _ in range(3):
        assert client.get("/api/tax-reduction?amount=100&scheme=income_tax").status_code == 200
    client.get("/no-such-page")
    figures = scrape(client)
    assert figures[("donations_request_duration_seconds_count", (("endpoint", "api.tax_reduction_view"),))] == 3
    assert figures[("donations_request_duration_seconds_count", (("endpoint", "unmatched"),))] == 1
    bucket = ("donations_request_duration_seconds_bucket", (("endpoint", "api.tax_reduction_view"), ("le", "+Inf")))
    assert figures[bucket] == 3


def test_a_scrape_during_a_database_outage_still_answers(make_app: Callable[..., Flask]) -> None:
    app = make_app(METRICS_TOKEN=TOKEN, DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:9/x?connect_timeout=2")
    figures = scrape(app.test_client())
    assert figures[("donations_database_up", ())] == 0
    assert ("donations_webhook_events_total", (("outcome", "applied"),)) in figures


def test_with_a_broker_the_jobs_queued_are_its_queue(make_app: Callable[..., Flask], redis_url: str) -> None:
    import redis

    app = make_app(METRICS_TOKEN=TOKEN, CELERY_BROKER_URL=redis_url)
    queue = redis.Redis.from_url(redis_url)
    queue.rpush("celery", "job-1", "job-2")
    try:
        figures = scrape(app.test_client())
    finally:
        queue.delete("celery")
        queue.close()
    assert figures[("donations_jobs_queued", (("queue", "celery"),))] == 2
    assert figures[("donations_broker_up", ())] == 1
    closed = make_app(METRICS_TOKEN=TOKEN, CELERY_BROKER_URL="redis://127.0.0.1:9/0")
    assert scrape(closed.test_client())[("donations_broker_up", ())] == 0


def test_several_workers_without_the_multiprocess_directory_are_warned_about(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    make_app(METRICS_TOKEN=TOKEN)
    assert any("without PROMETHEUS_MULTIPROC_DIR" in record.getMessage() for record in caplog.records)
