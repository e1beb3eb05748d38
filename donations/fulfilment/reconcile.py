"""Catching up with Stripe: apply the events the webhook never received.

Stripe keeps its events for 30 days. `reconcile` lists those of a period, in
the order they happened and a bounded window at a time (memory stays flat
after an outage of any length), and hands each one not yet applied (or ignored) to
`receive_event`, exactly as if the webhook had received it: stored by id and
applied once, in a transaction of its own. Running it twice, or while
webhooks keep arriving, applies nothing twice.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.clock import from_timestamp
from donations.fulfilment.event_shape import instant_of
from donations.fulfilment.events import FINISHED, Delivery, receive_event
from donations.models import StripeEvent
from donations.platform import stripe_api as payments

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


# At most this many events are held at once: a window of Stripe's listing with more is split in two.
WINDOW_EVENTS = 500
# Failed and rejected events kept for the report (all are counted; all are stored for finance).
KEPT_FOR_REPORT = 1000


@dataclass
class ReconcileSummary:
    """What one run found: events listed by Stripe, those already known, and what passing the rest on did.

    Counts only, beside the failed and rejected events to report (up to KEPT_FOR_REPORT each): a run
    over a long outage holds no list that grows with the events.
    """

    since: dt.datetime
    listed: int = 0
    already_known: int = 0
    applied: int = 0
    ignored: int = 0
    failed: list[ReconciledEvent] = field(default_factory=list)
    rejected: list[ReconciledEvent] = field(default_factory=list)
    failed_count: int = 0
    rejected_count: int = 0

    def count(self, event: ReconciledEvent) -> None:
        if event.delivery == Delivery.APPLIED:
            self.applied += 1
        elif event.delivery == Delivery.IGNORED:
            self.ignored += 1
        elif event.delivery == Delivery.FAILED:
            self.failed_count += 1
            if len(self.failed) < KEPT_FOR_REPORT:
                self.failed.append(event)
        elif event.delivery == Delivery.REJECTED:
            self.rejected_count += 1
            if len(self.rejected) < KEPT_FOR_REPORT:
                self.rejected.append(event)


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


def events_in_windows(
    client: stripe.StripeClient, start: int, end: int, window: int = WINDOW_EVENTS
) -> Iterator[list[dict[str, Any]]]:
    """Stripe's events created from `start` to before `end` (Unix times), oldest first, `window` at most at a time.

    Stripe lists newest first and cannot be asked for the reverse, so the
    period is listed in time windows: one holding more than `window` events
    is split in two halves, listed in turn, the older first. Only one
    window's events are held; the listing is read again only for windows
    split (twice the calls at worst). A single second with more events than
    `window` is held whole (it cannot be split).
    """
    pending = [(start, end)]
    while pending:
        first, last = pending.pop()
        held = list(itertools.islice(payments.list_events(client, first, last), window + 1))
        if len(held) > window and last - first > 1:
            middle = first + (last - first) // 2
            pending.extend(((middle, last), (first, middle)))  # the older half is popped first
            continue
        if len(held) > window:  # one second: all of it, however many
            held = list(payments.list_events(client, first, last))
        if held:
            yield _oldest_first(held)


def reconcile(
    session: Session,
    client: stripe.StripeClient,
    since: dt.datetime,
    on_event: Callable[[ReconciledEvent], None] | None = None,
    window: int = WINDOW_EVENTS,
) -> ReconcileSummary:
    """Apply every event Stripe created since `since` that was never applied here; each commits on its own.

    Events are applied oldest first, a window of at most `window` at a time
    (`events_in_windows`): memory stays flat however many events Stripe
    lists. `on_event` is told of each event passed on, as it goes.

    Raises PaymentServiceError when Stripe cannot list its events (what was
    applied before stays applied: each event committed on its own).
    """
    summary = ReconcileSummary(since=since)
    start = int(since.timestamp())
    # Up to the newest event Stripe lists now (by Stripe's clock, not ours); later ones are the webhook's.
    newest = next(payments.list_events(client, start), None)
    newest_at = newest.get("created") if newest else None
    end = max(start, newest_at if isinstance(newest_at, int) else int(time.time())) + 1 if newest else start
    for events in events_in_windows(client, start, end, window):
        summary.listed += len(events)
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
            passed_on = ReconciledEvent(event["id"], event.get("type", ""), created, delivery, error)
            summary.count(passed_on)
            if on_event is not None:
                on_event(passed_on)
    log.info(
        "reconcile since %s: %d listed, %d already known, %d applied, %d ignored, %d failed",
        since.isoformat(),
        summary.listed,
        summary.already_known,
        summary.applied,
        summary.ignored,
        summary.failed_count,
    )
    return summary
