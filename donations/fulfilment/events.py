"""Stripe events, kept by their id and applied once.

Every verified event is stored before it is applied. A repeat of an applied
event changes nothing; a failed one is recorded with its error, answers 500 so
that Stripe retries, and is applied when the retry comes.

No Stripe call is made inside a write transaction (on SQLite, the database's
one write lock: every other event would wait behind a network call). An event
whose handler reads nothing from Stripe (an expired checkout) is stored and
applied in one transaction. Any other is stored first, in a short transaction
of its own; what its handler reads from Stripe is then fetched with no
transaction open (`donations.platform.stripe_reads`: what the event shows
ahead, `event_objects.reads_known_ahead`, and any read the handler asks for on
the way, the transaction rolled back and the handler run again); then one
short write transaction claims the stored row (an UPDATE of a row not finished:
of two deliveries at once, the second waits on the row's lock, then finds it
finished), applies it with the reads replayed, records the outcome and
commits. If another event of the same donation was applied since the reads
were made, they are made again (what Stripe holds now decides). A Stripe that
cannot be reached leaves the event stored as failed, with nothing applied and
no receipt number taken.

An event that can never be applied is rejected instead: one malformed for
good (`donations.fulfilment.event_shape`: wrong types, text the database cannot hold,
endless nesting), or one naming a donation whose Stripe objects are others
(`stripe_ids.EventConflict`). It is recorded with the reason, changes
nothing, answers 400 once, and each repeat is acknowledged (200) like any
finished event: Stripe stops retrying it, and webhook health lists it for
finance.
"""

from __future__ import annotations

import enum
import logging
from typing import Any

import stripe
from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from donations.clock import from_timestamp, utcnow
from donations.fulfilment import gift_notices
from donations.fulfilment.context import Fulfilment
from donations.fulfilment.dispatch import apply_event
from donations.fulfilment.event_objects import created_of, reads_known_ahead, type_of
from donations.fulfilment.event_shape import malformation
from donations.fulfilment.stripe_ids import EventConflict
from donations.giving.tributes import TributeNotices
from donations.models import EventOutcome, Payment, StripeEvent, monthly_upkeep
from donations.platform import jobs
from donations.platform.stripe_reads import NeedsStripe, StaleReads, StripeReads, Wanted
from donations.platform.usable_text import json_problem
from donations.portal.erasure import scrub_payload
from donations.receipting.service import PaymentReceipts

log = logging.getLogger(__name__)

FINISHED = (EventOutcome.APPLIED, EventOutcome.IGNORED, EventOutcome.REJECTED)


class Delivery(enum.StrEnum):
    """What became of an event delivery (named from Stripe's side: was it taken?)."""

    APPLIED = "applied"
    IGNORED = "ignored"
    DUPLICATE = "duplicate"
    FAILED = "failed"
    REJECTED = "rejected"


_EVENTS = StripeEvent.__table__
_BY_STRIPE_ID = select(StripeEvent).where(StripeEvent.stripe_id == bindparam("stripe_id"))
_CLAIM_STORED = (
    update(_EVENTS)  # type: ignore[arg-type]
    .where(_EVENTS.c.stripe_id == bindparam("claimed_id"), _EVENTS.c.outcome.not_in(FINISHED))
    .values(attempts=_EVENTS.c.attempts + 1)
    .returning(_EVENTS.c.id)
)
_RECORD_OUTCOME = (
    update(_EVENTS)  # type: ignore[arg-type]
    .where(_EVENTS.c.id == bindparam("event_row"))
    .values(
        outcome=bindparam("new_outcome"), donation_id=bindparam("new_donation"), applied_at=bindparam("now"), error=None
    )
)
# Another event of the donation applied since a moment (the reads of this one may be older than its).
_APPLIED_SINCE = (
    select(_EVENTS.c.id)
    .where(
        _EVENTS.c.donation_id == bindparam("donation"),
        _EVENTS.c.applied_at >= bindparam("since"),
        _EVENTS.c.id != bindparam("me"),
    )
    .limit(1)
)
# Built once: a statement made for each event costs more to build than to run.
_INSERT_IF_NEW = {
    name: dialect.insert(_EVENTS).on_conflict_do_nothing(index_elements=[_EVENTS.c.stripe_id]).returning(_EVENTS.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _stored(session: Session, stripe_id: str) -> StripeEvent | None:
    return session.scalars(_BY_STRIPE_ID, {"stripe_id": stripe_id}).first()


def _facts(event: dict[str, Any]) -> dict[str, Any]:
    """What the event's row records of it."""
    return {
        "stripe_id": event["id"],
        "type": type_of(event),
        "livemode": bool(event.get("livemode")),
        "created": created_of(event) or from_timestamp(0),
        # A deleted customer is someone's erasure (or Stripe's): its last copy is not kept.
        "payload": scrub_payload(event) if type_of(event) == "customer.deleted" else event,
    }


def _insert_if_new(session: Session, event: dict[str, Any], attempts: int = 1) -> int | None:
    """Insert the event's row, counting this attempt, unless its id is stored: the new row's id, or None."""
    row = {**_facts(event), "outcome": EventOutcome.RECEIVED, "attempts": attempts, "received_at": utcnow()}
    return session.execute(_INSERT_IF_NEW[session.get_bind().dialect.name], row).scalar_one_or_none()


def _rejected_facts(event: dict[str, Any], reason: str) -> dict[str, Any]:
    """What the row of a malformed event records: only what is safe to store (its id was checked)."""
    event_type = event.get("type")
    readable = json_problem(event) is None
    return {
        "stripe_id": event["id"],
        "type": event_type[:100] if readable and isinstance(event_type, str) else "",
        "livemode": event.get("livemode") is True,
        "created": created_of(event) or utcnow(),
        "payload": event if readable else {"id": event["id"], "rejected": reason},
    }


def _new_record(session: Session, facts: dict[str, Any]) -> StripeEvent:
    record = StripeEvent(**facts, attempts=0)
    session.add(record)
    return record


def _claim(session: Session, event: dict[str, Any]) -> int | None:
    """The id of the event's row, counting this attempt; None when it was already applied (a repeat).

    A new event is claimed by inserting its row: a second delivery at once
    waits on the unique id, then finds it stored. A stored failure is claimed
    by one UPDATE that both counts the attempt and locks the row, so two
    retries at once cannot both apply it.
    """
    claimed = _insert_if_new(session, event)
    if claimed is not None:
        return claimed
    stored = _stored(session, event["id"])
    if stored is None:  # the row that stood in the way is gone: cannot be, events are never deleted
        raise RuntimeError(f"event {event['id']} is neither new nor stored")
    if stored.outcome in FINISHED:
        return None  # already applied or ignored
    return session.execute(_CLAIM_STORED, {"claimed_id": event["id"]}).scalar_one_or_none()


class _Followers:
    """What follows a payment once the handler has recorded it: its receipts, and the notice of a
    gift made in someone's name (sent once the payment is paid, never before)."""

    def __init__(self, receipts: PaymentReceipts, tributes: TributeNotices) -> None:
        self.receipts, self.tributes = receipts, tributes

    def payment_settled(self, payment: Payment) -> None:
        self.receipts.payment_settled(payment)
        self.tributes.payment_settled(payment)

    def payment_refunded(self, payment: Payment) -> None:
        self.receipts.payment_refunded(payment)

    def refund_reversed(self, payment: Payment) -> None:
        self.receipts.refund_reversed(payment)


def receive_event(session: Session, client: stripe.StripeClient, event: dict[str, Any]) -> Delivery:
    """Store and apply a verified event, with the receipts it issues or cancels; commits.

    Answers what happened, for the HTTP status. PDFs are stored and emails
    sent only once the transaction has committed. `event` must carry an id
    that fits its column (`event_shape.identifier_of`).
    """
    problem = malformation(event)
    if problem:
        return _reject(session, event, problem, _rejected_facts(event, problem))
    reads = StripeReads(client)
    ahead = reads_known_ahead(event)
    wanted: list[Wanted] = []
    if not ahead:  # nothing to read first, as far as the event shows: stored and applied at once
        claimed = _claim(session, event)
        if claimed is None:
            session.rollback()
            return Delivery.DUPLICATE
        applied = _apply(session, reads, event, claimed)
        if isinstance(applied, Delivery):
            return applied
        wanted.append(applied)  # rolled back with its row: stored on its own below, then read
    if not _store(session, event):
        return Delivery.DUPLICATE
    try:
        for call, args in ahead:
            reads.fetch_ahead(call, *args)  # what Stripe fails is told to the handler when it asks
    except Exception as error:
        return _failed(session, event, error)
    return _apply_stored(session, reads, event, wanted)


# How many times a handler may ask for one more Stripe read (or find its reads stale) before its
# reads are made under its locks instead, as a last resort: a handler makes two or three at most.
_ROUNDS = 6


def _apply_stored(session: Session, reads: StripeReads, event: dict[str, Any], wanted: list[Wanted]) -> Delivery:
    """Apply a stored event in a short write transaction of its own, its Stripe reads made beforehand."""
    for _ in range(_ROUNDS):
        try:
            for need in wanted:
                reads.fetch_wanted(need)
        except Exception as error:
            return _failed(session, event, error)
        claimed = session.execute(_CLAIM_STORED, {"claimed_id": event["id"]}).scalar_one_or_none()
        if claimed is None:  # applied meanwhile by another delivery of it
            session.rollback()
            return Delivery.DUPLICATE
        applied = _apply(session, reads, event, claimed)
        if isinstance(applied, Delivery):
            return applied
        wanted = [applied]
    log.warning("event %s (%s): its Stripe reads are made under its locks", event["id"], event.get("type"))
    claimed = session.execute(_CLAIM_STORED, {"claimed_id": event["id"]}).scalar_one_or_none()
    if claimed is None:
        session.rollback()
        return Delivery.DUPLICATE
    applied = _apply(session, None, event, claimed, reads.client)
    return applied if isinstance(applied, Delivery) else _failed(session, event, applied)


def _store(session: Session, event: dict[str, Any]) -> bool:
    """Keep the event (not applied yet: no attempt counted) in a transaction of its own; False once it is finished."""
    if _insert_if_new(session, event, attempts=0) is not None:
        session.commit()
        return True
    stored = _stored(session, event["id"])
    session.rollback()
    if stored is None:  # the row that stood in the way is gone: cannot be, events are never deleted
        raise RuntimeError(f"event {event['id']} is neither new nor stored")
    return stored.outcome not in FINISHED


def _failed(session: Session, event: dict[str, Any], error: BaseException) -> Delivery:
    session.rollback()
    log.error("event %s (%s) failed", event.get("id"), event.get("type"), exc_info=error)
    _record_apart(session, event, repr(error), EventOutcome.FAILED, _facts(event))
    return Delivery.FAILED


def _stale(session: Session, reads: StripeReads, donation_id: int | None, claimed: int) -> bool:
    """Whether another event of the donation was applied since the reads the handler was answered with were made."""
    if not reads.answered or reads.fetched_at is None or donation_id is None:
        return False
    found = session.execute(_APPLIED_SINCE, {"donation": donation_id, "since": reads.fetched_at, "me": claimed})
    return found.first() is not None


def _apply(
    session: Session,
    reads: StripeReads | None,
    event: dict[str, Any],
    claimed: int,
    client: stripe.StripeClient | None = None,
) -> Delivery | Wanted:
    """Apply the claimed event, record its outcome and commit; or roll back and answer what to read first.

    With `reads`, every Stripe read is answered from them (`client` is for the last resort only).
    """
    receipts = PaymentReceipts(session)
    tributes = TributeNotices()
    ctx = Fulfilment(
        session=session,
        client=reads.as_client if reads is not None else client,  # type: ignore[arg-type]
        event_time=created_of(event) or utcnow(),
        receipts=_Followers(receipts, tributes),
    )
    try:
        applied = apply_event(ctx, event)
        donation_id = applied.donation_id
        if reads is not None and _stale(session, reads, donation_id, claimed):
            raise StaleReads(f"event {event['id']}: donation {donation_id} changed since Stripe was read")
        notify = gift_notices.notices_owed(applied.donation)
        if donation_id is not None and type_of(event) == monthly_upkeep.SUBSCRIPTION_DELETED:
            monthly_upkeep.linked_stop_event(session, donation_id)  # its day may date the gift's stop
        session.execute(
            _RECORD_OUTCOME,
            {"event_row": claimed, "new_outcome": applied.outcome, "new_donation": donation_id, "now": utcnow()},
        )
        session.commit()
    except (NeedsStripe, StaleReads) as wanted:
        session.rollback()
        return wanted
    except EventConflict as conflict:  # it would always conflict: retrying cannot help
        session.rollback()
        return _reject(session, event, str(conflict), _facts(event))
    except Exception as error:  # recorded for finance and retried by Stripe
        return _failed(session, event, error)
    log.info("event %s (%s): %s", event["id"], event.get("type"), applied.outcome)
    receipts.effects.after_commit()
    for job, args in ctx.notices:
        jobs.enqueue(job, *args)
    tributes.after_commit()
    if notify and donation_id is not None:
        gift_notices.send_after_commit(donation_id)
    return Delivery.APPLIED if applied.outcome == EventOutcome.APPLIED else Delivery.IGNORED


def _reject(session: Session, event: dict[str, Any], reason: str, facts: dict[str, Any]) -> Delivery:
    """Record an event that can never be applied, with the reason; a repeat of it is a duplicate."""
    stored = _stored(session, event["id"])
    if stored is not None and stored.outcome in FINISHED:
        session.rollback()
        return Delivery.DUPLICATE
    log.warning("event %s rejected: %s", event["id"], reason)
    session.rollback()
    _record_apart(session, event, reason, EventOutcome.REJECTED, facts)
    return Delivery.REJECTED


def _record_apart(
    session: Session, event: dict[str, Any], error: str, outcome: EventOutcome, facts: dict[str, Any]
) -> None:
    """Keep the failed or rejected event and its error in a transaction of its own."""
    try:
        record = _stored(session, event["id"]) or _new_record(session, facts)
        if record.outcome not in FINISHED:
            record.outcome = outcome
            record.error = error[:2000]
            record.attempts += 1  # the attempt's own count was rolled back with it
        session.commit()
    except Exception:
        session.rollback()
        log.exception("could not record the %s of event %s", outcome.value, event.get("id"))
