"""Stripe events, kept by their id and applied once.

Every verified event is stored before it is applied, in the same transaction
as the changes it makes. A repeat of an applied event changes nothing; a
failed one is recorded with its error, answers 500 so that Stripe retries,
and is applied when the retry comes.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

import stripe
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from donations.clock import from_timestamp, utcnow
from donations.fulfilment import Fulfilment, apply_event
from donations.models import EventOutcome, StripeEvent
from donations.receipting import PaymentReceipts

log = logging.getLogger(__name__)

FINISHED = (EventOutcome.APPLIED, EventOutcome.IGNORED)


class Delivery(enum.StrEnum):
    """What became of an event delivery (named from Stripe's side: was it taken?)."""

    APPLIED = "applied"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"
    FAILED = "failed"


def _stored(session: Session, stripe_id: str) -> StripeEvent | None:
    return session.scalars(select(StripeEvent).where(StripeEvent.stripe_id == stripe_id)).first()


def _new_record(session: Session, event: dict[str, Any], attempts: int = 0) -> StripeEvent:
    record = StripeEvent(
        stripe_id=event["id"],
        type=event.get("type", ""),
        livemode=bool(event.get("livemode")),
        created=from_timestamp(event.get("created") or 0),
        payload=event,
        attempts=attempts,
    )
    session.add(record)
    return record


def _claim(session: Session, event: dict[str, Any]) -> StripeEvent | None:
    """The event's row, counting this attempt; None when it was already applied (a repeat).

    A new event is claimed by inserting its row (a second delivery at once
    waits on the unique id, then sees it applied). A stored failure is claimed
    by one UPDATE that both counts the attempt and locks the row, so two
    retries at once cannot both apply it.
    """
    claimed = session.execute(
        update(StripeEvent)
        .where(StripeEvent.stripe_id == event["id"], StripeEvent.outcome.not_in(FINISHED))
        .values(attempts=StripeEvent.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 1:
        record = _stored(session, event["id"])
        session.refresh(record)
        return record
    if _stored(session, event["id"]) is not None:
        return None  # already applied or ignored
    record = _new_record(session, event, attempts=1)
    try:
        session.flush()
    except IntegrityError:
        # Another delivery of the same event got there first.
        session.rollback()
        stored = _stored(session, event["id"])
        if stored is None:
            raise
        return None if stored.outcome in FINISHED else _claim(session, event)
    return record


def receive_event(session: Session, client: stripe.StripeClient, event: dict[str, Any]) -> Delivery:
    """Store and apply a verified event, with the receipts it issues or cancels; commits.

    Answers what happened, for the HTTP status. PDFs are stored and emails
    sent only once the transaction has committed.
    """
    record = _claim(session, event)
    if record is None:
        session.rollback()
        return Delivery.DUPLICATE
    receipts = PaymentReceipts(session)
    ctx = Fulfilment(
        session=session,
        client=client,
        event_time=from_timestamp(event.get("created") or utcnow().timestamp()),
        on_payment_settled=receipts.payment_settled,
        on_payment_refunded=receipts.payment_refunded,
    )
    try:
        applied = apply_event(ctx, event)
        record.outcome = applied.outcome
        record.donation_id = applied.donation.id if applied.donation is not None else None
        record.applied_at = utcnow()
        record.error = None
        session.commit()
    except Exception as error:  # recorded for finance and retried by Stripe
        session.rollback()
        log.exception("event %s (%s) failed", event.get("id"), event.get("type"))
        _record_failure(session, event, repr(error))
        return Delivery.FAILED
    log.info("event %s (%s): %s", event["id"], event.get("type"), applied.outcome)
    receipts.effects.after_commit()
    return Delivery.APPLIED if applied.outcome == EventOutcome.APPLIED else Delivery.IGNORED


def _record_failure(session: Session, event: dict[str, Any], error: str) -> None:
    """Keep the failed event and its error in a transaction of its own."""
    try:
        record = _stored(session, event["id"]) or _new_record(session, event)
        if record.outcome not in FINISHED:
            record.outcome = EventOutcome.FAILED
            record.error = error[:2000]
            record.attempts += 1  # the attempt's own count was rolled back with it
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not record the failure of event %s", event.get("id"))
