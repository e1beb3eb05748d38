"""Catching up with Stripe: apply the events the webhook never received.

Stripe keeps its events for 30 days. `reconcile` lists those of a period, in
the order they happened, and hands each one not yet applied (or ignored) to
`receive_event`, exactly as if the webhook had received it: stored by id and
applied once, in a transaction of its own. Running it twice, or while
webhooks keep arriving, applies nothing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.platform import stripe_api as payments
from donations.clock import from_timestamp
from donations.fulfilment.event_shape import instant_of
from donations.models import StripeEvent
from donations.fulfilment.events import FINISHED, Delivery, receive_event

log = logging.getLogger(__name__)

DEFAULT_PERIOD = dt.timedelta(days=30)
# Ids per query when looking up which events we already have (SQLite caps bound parameters).
_LOOKUP_BATCH = 500


@dataclass(frozen=True)
class ReconciledEvent:
    """An event the webhook had not applied, and what passing it on did."""

    stripe_id: str
    type: str
    created: dt.datetime
    delivery: Delivery
    error: str | None = None


@dataclass
class ReconcileSummary:
    """What one run found: events listed by Stripe, those already known, and the rest passed on."""

    since: dt.datetime
    listed: int = 0
    already_known: int = 0
    passed_on: list[ReconciledEvent] = field(default_factory=list)

    def _with(self, delivery: Delivery) -> list[ReconciledEvent]:
        return [event for event in self.passed_on if event.delivery == delivery]

    @property
    def applied(self) -> list[ReconciledEvent]:
        return self._with(Delivery.APPLIED)

    @property
    def ignored(self) -> list[ReconciledEvent]:
        return self._with(Delivery.IGNORED)

    @property
    def failed(self) -> list[ReconciledEvent]:
        return self._with(Delivery.FAILED)

    @property
    def rejected(self) -> list[ReconciledEvent]:
        return self._with(Delivery.REJECTED)


def _finished_ids(session: Session, ids: list[str]) -> set[str]:
    """The ids among `ids` already stored as applied or ignored."""
    finished: set[str] = set()
    for start in range(0, len(ids), _LOOKUP_BATCH):
        batch = ids[start : start + _LOOKUP_BATCH]
        query = select(StripeEvent.stripe_id).where(StripeEvent.stripe_id.in_(batch), StripeEvent.outcome.in_(FINISHED))
        finished.update(session.scalars(query))
    return finished


def _oldest_first(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stripe lists newest first; events of the same second keep Stripe's order between them."""
    ordered = list(events)
    ordered.reverse()
    ordered.sort(key=lambda event: event.get("created") or 0)
    return ordered


def reconcile(session: Session, client: stripe.StripeClient, since: dt.datetime) -> ReconcileSummary:
    """Apply every event Stripe created since `since` that was never applied here; each commits on its own.

    Raises stripe.StripeError when Stripe cannot list its events (nothing is applied then).
    """
    events = _oldest_first(payments.list_events(client, int(since.timestamp())))
    summary = ReconcileSummary(since=since, listed=len(events))
    known = _finished_ids(session, [event["id"] for event in events])
    session.rollback()  # end the read: each event gets a transaction of its own
    for event in events:
        if event["id"] in known:
            summary.already_known += 1
            continue
        delivery = receive_event(session, client, event)
        if delivery == Delivery.DUPLICATE:
            # The webhook delivered it while we were listing.
            summary.already_known += 1
            continue
        error = None
        if delivery in (Delivery.FAILED, Delivery.REJECTED):
            error = session.scalars(select(StripeEvent.error).where(StripeEvent.stripe_id == event["id"])).first()
            session.rollback()
        created = instant_of(event.get("created")) or from_timestamp(0)  # a rejected event's may be anything
        summary.passed_on.append(ReconciledEvent(event["id"], event.get("type", ""), created, delivery, error))
    log.info(
        "reconcile since %s: %d listed, %d already known, %d applied, %d ignored, %d failed",
        since.isoformat(),
        summary.listed,
        summary.already_known,
        len(summary.applied),
        len(summary.ignored),
        len(summary.failed),
    )
    return summary
