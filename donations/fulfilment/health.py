"""How Stripe's webhooks are doing, for finance: what came in lately and what is waiting after a failure.

An event whose application failed answers 500, so Stripe sends it again
for up to three days; until one of those retries (or `flask stripe
reconcile`) applies it, it waits here with its error.

An event rejected for good (malformed, or naming another donation's Stripe
objects: see `donations.fulfilment.events`) is never retried; it is listed here,
with its reason, for the 30 days Stripe keeps its events, so that finance can
look at it in Stripe's dashboard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.models import EventOutcome, StripeEvent

RECENT = dt.timedelta(hours=24)
# The view lists the oldest failures; the count says how many wait in all.
FAILURES_SHOWN = 100
REJECTIONS_LISTED = dt.timedelta(days=30)


@dataclass(frozen=True)
class FailedEvent:
    """An event stored but not applied: its application raised, or it was rejected."""

    stripe_id: str
    type: str
    error: str | None
    attempts: int
    created: dt.datetime
    received_at: dt.datetime


@dataclass(frozen=True)
class WebhookHealth:
    """The last event received, the traffic of the last 24 hours, and the failures waiting."""

    now: dt.datetime
    last_event_at: dt.datetime | None
    last_event_type: str | None
    events_last_24h: int
    failures_waiting: int
    failures: tuple[FailedEvent, ...]
    oldest_failure_at: dt.datetime | None
    rejected_recently: int = 0
    rejections: tuple[FailedEvent, ...] = ()

    @property
    def healthy(self) -> bool:
        """Nothing waits after a failure and nothing was rejected lately (a quiet period is not a fault:
        gifts may simply not come)."""
        return self.failures_waiting == 0 and self.rejected_recently == 0


def webhook_health(session: Session, now: dt.datetime) -> WebhookHealth:
    """The state of webhook fulfilment at `now` (an aware datetime), read from the stored events."""
    newest_first = (StripeEvent.received_at.desc(), StripeEvent.id.desc())
    newest = select(StripeEvent).order_by(*newest_first).limit(1)
    counted = select(func.count()).select_from(StripeEvent)
    failed = StripeEvent.outcome == EventOutcome.FAILED
    rejected = (StripeEvent.outcome == EventOutcome.REJECTED) & (StripeEvent.received_at >= now - REJECTIONS_LISTED)
    # The newest event and the three counts in one statement (each on its index); the lists only when not empty.
    last_at, last_type, recent, waiting, rejected_recently = session.execute(
        select(
            newest.with_only_columns(StripeEvent.received_at).scalar_subquery(),
            newest.with_only_columns(StripeEvent.type).scalar_subquery(),
            counted.where(StripeEvent.received_at >= now - RECENT).scalar_subquery(),
            counted.where(failed).scalar_subquery(),
            counted.where(rejected).scalar_subquery(),
        )
    ).one()
    oldest_first = (StripeEvent.received_at, StripeEvent.id)
    rows = (
        session.scalars(select(StripeEvent).where(failed).order_by(*oldest_first).limit(FAILURES_SHOWN))
        if waiting
        else ()
    )
    failures = tuple(_listed(row) for row in rows)
    newest_first_rejected = (
        session.scalars(select(StripeEvent).where(rejected).order_by(*newest_first).limit(FAILURES_SHOWN))
        if rejected_recently
        else ()
    )
    recent, waiting, rejected_recently = recent or 0, waiting or 0, rejected_recently or 0
    return WebhookHealth(
        now=now,
        last_event_at=last_at,
        last_event_type=last_type,
        events_last_24h=recent,
        failures_waiting=waiting,
        failures=failures,
        oldest_failure_at=failures[0].received_at if failures else None,
        rejected_recently=rejected_recently,
        rejections=tuple(_listed(row) for row in newest_first_rejected),
    )


def _listed(row: StripeEvent) -> FailedEvent:
    return FailedEvent(row.stripe_id, row.type, row.error, row.attempts, row.created, row.received_at)
