"""Stripe's money on its way to the bank: each payment's fee, and what each payout contains.

A payment's fee and net come from its charge's balance transaction: usually
with the charge itself (the PaymentIntent is read with it expanded), sometimes
later, announced by `charge.updated`. A payout (`payout.paid`) is recorded with
every balance transaction Stripe lists for it — payments, refunds, disputes,
fees — each tied to our payment, so finance sees which gifts make up each bank
credit. Handlers add and flush; the webhook (or `flask stripe reconcile`) commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import stripe
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from donations.clock import from_timestamp, paris_date
from donations.fulfilment.context import Applied, Fulfilment
from donations.models import EventOutcome, Payment, PaymentReversal, Payout, PayoutLine, ReversalKind
from donations.platform import stripe_api as payments

log = logging.getLogger(__name__)

# Balance transaction types whose source is a charge of ours (a card charge, a SEPA debit).
PAYMENT_TYPES = frozenset({"charge", "payment"})


def _applied(outcome: EventOutcome) -> Applied:
    return Applied(outcome)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _id(value: Any) -> str | None:
    return _text(value.get("id")) if isinstance(value, dict) else _text(value)


def _cents(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def record_booking(payment: Payment, booking: Any, client: stripe.StripeClient | None = None) -> bool:
    """Record a payment's fee and net from its charge's balance transaction (the object, or its id read
    from Stripe when a client is given). False when Stripe has not booked the charge yet."""
    if isinstance(booking, str) and client is not None:
        booking = payments.retrieve_balance_transaction(client, booking)
    if not isinstance(booking, dict) or not _text(booking.get("id")):
        return False
    fee = _cents(booking.get("fee"))
    payment.stripe_balance_transaction_id = booking["id"]
    payment.fee_cents = fee
    net = booking.get("net")
    payment.net_cents = net if isinstance(net, int) and not isinstance(net, bool) else payment.amount_cents - fee
    return True


def _payment_of_charge(session: Session, charge_id: str | None, intent_id: str | None = None) -> Payment | None:
    conditions = [
        column == value
        for column, value in ((Payment.stripe_charge_id, charge_id), (Payment.stripe_payment_intent_id, intent_id))
        if value
    ]
    if not conditions:
        return None
    query = select(Payment).where(or_(*conditions)).order_by(Payment.id).execution_options(populate_existing=True)
    return session.scalars(query).first()


def charge_booked(ctx: Fulfilment, charge: dict[str, Any]) -> Applied:
    """`charge.updated`: a charge booked after it was paid now has its fee (other changes are ignored)."""
    booking = charge.get("balance_transaction")
    payment = _payment_of_charge(ctx.session, _text(charge.get("id")), _id(charge.get("payment_intent")))
    if payment is None or not _id(booking):
        return _applied(EventOutcome.IGNORED)
    if payment.stripe_balance_transaction_id == _id(booking) and payment.fee_cents is not None:
        return _applied(EventOutcome.APPLIED)
    record_booking(payment, booking, ctx.client)
    payment.stripe_charge_id = payment.stripe_charge_id or _text(charge.get("id"))
    ctx.session.flush()
    return _applied(EventOutcome.APPLIED)


def _payment_of_source(session: Session, txn: dict[str, Any]) -> Payment | None:
    """Our payment behind a balance transaction: its charge, or the charge its refund or dispute is about."""
    source = txn.get("source")
    if isinstance(source, dict):
        if source.get("object") == "charge":
            return _payment_of_charge(session, _id(source), _id(source.get("payment_intent")))
        if source.get("object") in ("refund", "dispute"):
            return _payment_of_charge(session, _id(source.get("charge")), _id(source.get("payment_intent")))
        return None
    source_id = _text(source)
    if source_id and source_id.startswith(("ch_", "py_")):
        return _payment_of_charge(session, source_id)
    return None


def _payout_row(session: Session, payout: dict[str, Any]) -> Payout:
    found = session.scalars(select(Payout).where(Payout.stripe_payout_id == payout["id"])).first()
    arrival = payout.get("arrival_date")
    created = from_timestamp(_cents(payout.get("created")))
    if found is None:
        found = Payout(
            stripe_payout_id=payout["id"],
            currency=_text(payout.get("currency")) or "eur",
            livemode=payout.get("livemode") is True,
            created_at=created,
        )
        session.add(found)
    found.amount_cents = _cents(payout.get("amount"))
    found.status = (_text(payout.get("status")) or "paid")[:20]
    found.arrival_on = paris_date(from_timestamp(arrival)) if isinstance(arrival, int) else paris_date(created)
    return found


def record_payout(session: Session, client: stripe.StripeClient, payout_id: str) -> Payout:
    """Record a payout as Stripe has it now, with each balance transaction it paid out (once each)."""
    payout = _payout_row(session, payments.retrieve_payout(client, payout_id))
    session.flush()
    known = set(
        session.scalars(select(PayoutLine.stripe_balance_transaction_id).where(PayoutLine.payout_id == payout.id))
    )
    for txn in payments.payout_balance_transactions(client, payout_id):
        if txn.get("type") == "payout" or txn["id"] in known:
            continue  # the payout's own withdrawal from the balance is the payout itself
        payment = _payment_of_source(session, txn)
        source = txn.get("source")
        line = PayoutLine(
            payout=payout,
            stripe_balance_transaction_id=txn["id"],
            type=str(txn.get("type") or "")[:40],
            amount_cents=_cents(txn.get("amount")),
            fee_cents=_cents(txn.get("fee")),
            net_cents=_cents(txn.get("net")),
            source_id=_id(source),
            payment=payment,
            booked_at=from_timestamp(_cents(txn.get("created"))),
            description=(_text(txn.get("description")) or "")[:500] or None,
        )
        session.add(line)
        if payment is not None and line.type in PAYMENT_TYPES:
            payment.payout_id = payout.id
            if payment.fee_cents is None:
                record_booking(payment, txn)
    session.flush()
    log.info("payout %s recorded: %s cents", payout.stripe_payout_id, payout.amount_cents)
    return payout


def payout_paid(ctx: Fulfilment, payout: dict[str, Any]) -> Applied:
    """`payout.paid`, `payout.failed`: a bank credit and what it contains (read from Stripe as it is now)."""
    payout_id = _text(payout.get("id"))
    if payout_id is None or not payout_id.startswith("po_"):
        return _applied(EventOutcome.IGNORED)
    record_payout(ctx.session, ctx.client, payout_id)
    return _applied(EventOutcome.APPLIED)


def record_reversal(session: Session, payment: Payment, amount_cents: int, at: dt.datetime) -> None:
    """Money of `payment` given back on `at` (a refund, or a dispute lost): what the books reverse."""
    if amount_cents <= 0:
        return
    kind = ReversalKind.DISPUTE if payment.dispute_status == "lost" else ReversalKind.REFUND
    session.add(
        PaymentReversal(payment=payment, kind=kind, amount_cents=amount_cents, booked_at=at, booked_on=paris_date(at))
    )


HANDLERS = {"charge.updated": charge_booked, "payout.paid": payout_paid, "payout.failed": payout_paid}
