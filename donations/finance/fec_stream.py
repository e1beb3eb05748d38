"""The FEC of a year written as it is read: the same bytes as donations.finance.fec.fec_text, in chunks.

The gifts are read a batch at a time (a server-side cursor on PostgreSQL) with their receipts'
numbers, the reversals in date order, the payouts' fees and the payouts as they come; the four
streams are merged by day and each day's entries put in journal order, as `entries_of_year` sorts
them. What is held at once is one batch of payments and one day's entries, however long the year.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from donations.finance.fec import fec_lines
from donations.finance.ledger import (
    JOURNAL_ORDER,
    Chart,
    Entry,
    _receipt_numbers,
    _unrecorded_reversal_day,
    gift_entries_of,
    payments_received,
    payout_bank_entries,
    payout_fee_entries,
    reversal_entry,
)
from donations.models import Payment, PaymentReversal, PaymentStatus, ReversalKind

BATCH = 500
LINES_PER_CHUNK = 500
Reversal = tuple[Payment, ReversalKind, dt.date, int]


def _batches(session: Session, query: Any) -> Iterator[list[Any]]:
    for partition in session.scalars(query.execution_options(yield_per=BATCH)).partitions():
        yield list(partition)


def _gifts(session: Session, chart: Chart, first: dt.date, last: dt.date, include_test: bool) -> Iterator[Entry]:
    for batch in _batches(session, payments_received(first, last, include_test)):
        numbers = _receipt_numbers(session, [p.id for p in batch])
        for payment in batch:
            yield from gift_entries_of(chart, payment, numbers)


def _dated(session: Session, first: dt.date, last: dt.date, include_test: bool) -> Iterator[Reversal]:
    query = (
        select(PaymentReversal)
        .options(joinedload(PaymentReversal.payment).joinedload(Payment.donation))
        .where(PaymentReversal.booked_on >= first, PaymentReversal.booked_on <= last)
        .order_by(PaymentReversal.booked_on, PaymentReversal.payment_id, PaymentReversal.id)
    )
    for batch in _batches(session, query):
        for reversal in batch:
            if include_test or reversal.payment.livemode:
                yield reversal.payment, reversal.kind, reversal.booked_on, reversal.amount_cents


def _undated(session: Session, first: dt.date, last: dt.date, include_test: bool) -> list[Reversal]:
    """What remains of refunded amounts with no dated reversal for it (recorded before reversals were, an
    offline gift cancelled): few, dated by their receipt's cancellation."""
    recorded = (
        select(func.coalesce(func.sum(PaymentReversal.amount_cents), 0))
        .where(PaymentReversal.payment_id == Payment.id)
        .scalar_subquery()
    )
    query = (
        select(Payment, recorded)
        .options(joinedload(Payment.donation))
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.refunded_cents > 0, Payment.refunded_cents > recorded)
    )
    if not include_test:
        query = query.where(Payment.livemode.is_(True))
    found = []
    for payment, cents in session.execute(query):
        day = _unrecorded_reversal_day(session, payment)
        if first <= day <= last:
            kind = ReversalKind.DISPUTE if payment.dispute_status == "lost" else ReversalKind.REFUND
            found.append((payment, kind, day, payment.refunded_cents - int(cents)))
    return sorted(found, key=lambda item: (item[2], item[0].id))


def _reversals(session: Session, chart: Chart, first: dt.date, last: dt.date, include_test: bool) -> Iterator[Entry]:
    merged = heapq.merge(
        _dated(session, first, last, include_test),
        _undated(session, first, last, include_test),
        key=lambda item: (item[2], item[0].id),
    )
    batch: list[Reversal] = []
    for item in merged:
        batch.append(item)
        if len(batch) == BATCH:
            yield from _reversal_batch(session, chart, batch)
            batch = []
    yield from _reversal_batch(session, chart, batch)


def _reversal_batch(session: Session, chart: Chart, batch: list[Reversal]) -> Iterable[Entry]:
    numbers = _receipt_numbers(session, [payment.id for payment, *_ in batch])
    return [reversal_entry(chart, item, numbers) for item in batch]


def streamed_entries(session: Session, chart: Chart, year: int, include_test: bool = False) -> Iterator[Entry]:
    """The entries of `entries_of_year`, in its order, without holding them all."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    merged = heapq.merge(
        _gifts(session, chart, first, last, include_test),
        _reversals(session, chart, first, last, include_test),
        payout_fee_entries(session, chart, first, last, include_test),
        payout_bank_entries(session, chart, first, last, include_test),
        key=lambda entry: entry.day,
    )
    for _day, entries in groupby(merged, key=lambda entry: entry.day):
        yield from sorted(entries, key=lambda entry: JOURNAL_ORDER[entry.journal])


def fec_chunks(session: Session, chart: Chart, year: int, include_test: bool = False) -> Iterator[bytes]:
    """The FEC of `year` as UTF-8 bytes, a chunk every few hundred lines (each line ended by CRLF)."""
    lines: list[str] = []
    for line in fec_lines(streamed_entries(session, chart, year, include_test), chart):
        lines.append(line)
        if len(lines) == LINES_PER_CHUNK:
            yield ("\r\n".join(lines) + "\r\n").encode("utf-8")
            lines = []
    yield ("\r\n".join(lines) + "\r\n").encode("utf-8") if lines else b""
