"""The service's Prometheus metrics, read at GET /metrics (donations.operations.views).

Two kinds, chosen for being right whatever the number of gunicorn workers and Celery
workers:

- What only a web process sees as it happens (webhook deliveries by outcome, request
  latency) is counted in that process: a Counter and a Histogram. One process (`flask
  run`, one worker) needs nothing more. Several gunicorn workers answer /metrics in turn,
  so each would show only its own counts: gunicorn.conf.py then sets
  PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode) before the workers
  start, every worker writes its counts there, and a scrape adds them all up
  (`MultiProcessCollector`).
- Everything the database knows (the last event's age, the failed events, receipts issued,
  emailed and still owed, the work waiting) is computed at scrape time from the database,
  each figure from an index (donations.operations.figures). Receipt emails are sent by
  Celery workers that no scrape reaches, so counting them in a process would miss them;
  read from the database, every figure is the same whichever process answers.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

from flask import Flask
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine

from donations.clock import utcnow
from donations.operations import broker, figures

log = logging.getLogger(__name__)

WEBHOOK_OUTCOMES = ("applied", "ignored", "duplicate", "failed", "rejected", "refused")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BROKER_SECONDS = 1.0
EXTENSION = "operations_metrics"


class ServiceMetrics:
    """The counts one web process keeps: its webhook deliveries and its request latency."""

    def __init__(self) -> None:
        # The *_created series (when each counter began) double the lines and tell Prometheus nothing it uses.
        disable_created_metrics()
        # Not in prometheus-client's global registry: each app (a test builds many) has its own.
        self.webhook_events = Counter(
            "donations_webhook_events",
            "Stripe webhook deliveries answered, by outcome (refused: bad signature or body, never stored).",
            ["outcome"],
            registry=None,
        )
        self._by_outcome = {outcome: self.webhook_events.labels(outcome) for outcome in WEBHOOK_OUTCOMES}
        self.request_duration = Histogram(
            "donations_request_duration_seconds",
            "Time spent answering a request, by Flask endpoint.",
            ["endpoint"],
            buckets=LATENCY_BUCKETS,
            registry=None,
        )

        self._by_endpoint: dict[str, Any] = {}

    def request_answered(self, endpoint: str, seconds: float) -> None:
        """Observe a request's duration; each endpoint's child is looked up once (a dict read after)."""
        child = self._by_endpoint.get(endpoint)
        if child is None:
            child = self._by_endpoint.setdefault(endpoint, self.request_duration.labels(endpoint))
        child.observe(seconds)

    def webhook_delivery(self, outcome: str) -> None:
        child = self._by_outcome.get(outcome)
        if child is not None:
            child.inc()


def metrics_of(app: Flask) -> ServiceMetrics | None:
    return app.extensions.get(EXTENSION)  # type: ignore[no-any-return]


def count_webhook_delivery(app: Flask, outcome: str) -> None:
    """Count one webhook answer (a no-op when the metrics endpoint is not configured)."""
    metrics = metrics_of(app)
    if metrics is not None:
        metrics.webhook_delivery(outcome)


def _gauge(name: str, documentation: str, value: float, labels: dict[str, str] | None = None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


class DatabaseFigures:
    """A collector computing the database's figures when Prometheus scrapes."""

    def __init__(self, engine: Engine, config: Any) -> None:
        self.engine, self.config = engine, config

    def collect(self) -> Iterator[Metric]:
        now = utcnow()
        try:
            found, pending = self._read(now)
        except Exception as error:  # a scrape during an outage still answers, saying so
            log.warning("metrics: the database could not be read: %s", error)
            yield _gauge("donations_database_up", "1 when the scrape could read the database.", 0)
            found, pending = [], None
        else:
            yield _gauge("donations_database_up", "1 when the scrape could read the database.", 1)
        yield from found
        yield from self._jobs(pending)

    def _read(self, now: Any) -> tuple[list[Metric], int]:
        """The database's figures, and the work owed in it (receipt emails, PDFs to draw again)."""
        with self.engine.connect() as connection:
            last = figures.last_event_received_at(connection)
            failed = figures.failed_events_waiting(connection)
            issued = figures.receipts_issued_by_year(connection)
            year_start = figures.start_of_paris_year(now)
            emailed = figures.receipts_emailed_since(connection, year_start)
            awaiting = figures.receipts_awaiting_email(connection)
            redraws = figures.pdfs_awaiting_redraw(connection)
        found: list[Metric] = []
        age = (now - last).total_seconds() if last is not None else float("nan")
        found.append(
            _gauge(
                "donations_webhook_last_event_age_seconds",
                "Seconds since the newest stored Stripe event was received (NaN before the first).",
                age,
            )
        )
        found.append(
            _gauge("donations_webhook_failed_events", "Stored events whose application failed, waiting.", failed)
        )
        by_year = GaugeMetricFamily(
            "donations_receipts_issued",
            "Receipts issued (numbers given, cancelled ones included) per year.",
            labels=["year"],
        )
        for year, count in sorted(issued.items()):
            by_year.add_metric([str(year)], count)
        found.append(by_year)
        found.append(
            _gauge(
                "donations_receipts_emailed",
                "Receipts emailed since 1 January (Paris time) of the year.",
                emailed,
                {"year": str(year_start.year)},
            )
        )
        found.append(
            _gauge("donations_receipts_awaiting_email", "Issued receipts whose email is owed and not sent.", awaiting)
        )
        return found, awaiting + redraws

    def _jobs(self, pending: int | None) -> Iterator[Metric]:
        url = self.config.get("CELERY_BROKER_URL")
        documentation = (
            "Jobs waiting: in the broker's queue (queue=celery), or without a broker the work still owed "
            "in the database (queue=pending: receipt emails and PDFs to draw again)."
        )
        if url:
            try:
                yield _gauge(
                    "donations_jobs_queued",
                    documentation,
                    broker.queued_jobs(str(url), BROKER_SECONDS),
                    {"queue": broker.QUEUE},
                )
                yield _gauge("donations_broker_up", "1 when the scrape could read the broker's queue.", 1)
            except Exception as error:
                log.warning("metrics: the broker could not be read: %s", error)
                yield _gauge("donations_broker_up", "1 when the scrape could read the broker's queue.", 0)
        elif pending is not None:
            yield _gauge("donations_jobs_queued", documentation, pending, {"queue": "pending"})


def multiprocess_directory() -> str | None:
    """prometheus-client's multiprocess mode, when gunicorn.conf.py (or the operator) set it."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def render(app: Flask, engine: Engine) -> bytes:
    """The text exposition of every metric, as Prometheus reads it."""
    started = time.perf_counter()
    registry = CollectorRegistry()
    metrics = metrics_of(app)
    if multiprocess_directory():
        MultiProcessCollector(registry)  # the counts of every worker, this one's included
    elif metrics is not None:
        registry.register(metrics.webhook_events)
        registry.register(metrics.request_duration)
    registry.register(DatabaseFigures(engine, app.config))
    text = generate_latest(registry)
    log.debug("metrics rendered in %.1f ms", (time.perf_counter() - started) * 1000)
    return text
