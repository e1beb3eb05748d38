"""The accounting rollups (donations.models.rollup_books) follow every flush that changes what the books say.

What a payment puts in the gift accounts depends on the payment, its reversals and the receipts covering it
(an undated reversal is booked the day its receipt was cancelled); what a receipt puts in a year's totals
depends on it and its payments. So each flush notes the payments and receipts it touches, reads their
contributions from the database before it writes (as the rollups last counted them) and after, and adds
the difference to the rollups, in the same transaction. The rules are the ledger's
(donations.finance.ledger): a payment's gift is credited on its Paris day, a dated reversal debited on
its day, what remains of a refunded amount undated on the day its receipt was cancelled (else its gift's).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any, cast

from sqlalchemy import BindParameter, Connection, Table, bindparam, event, inspect, select
from sqlalchemy.orm import Session

from donations.clock import paris_date
from donations.models.counter_rows import CounterRows
from donations.models.donation import Donation, Payment, PaymentStatus, TaxScheme
from donations.models.payout import PaymentReversal
from donations.models.receipt import Receipt, ReceiptStatus, receipt_payment
from donations.models.rollup_books import FinanceBookDay, FinanceReceiptYear

BOOK_KEY = ("day", "company", "livemode")
BOOK_COUNTERS = ("credited_cents", "reversed_cents", "earlier_reversed_cents")
YEAR_KEY = ("year", "livemode")
YEAR_COUNTERS = ("declared_cents", "earlier_receipts_cents", "covered_kept_cents")
# A payment's changes that move what it puts in the books.
PAYMENT_FIELDS = ("status", "received_on", "livemode", "amount_cents", "refunded_cents", "donation_id")
# A receipt's changes that move its year's totals or the day of its payments' undated reversals.
RECEIPT_FIELDS = ("status", "year", "livemode", "amount_cents", "cancelled_at", "payments")
PENDING = "books_upkeep"

Contributions = tuple[dict[tuple[Any, ...], Counter[str]], dict[tuple[Any, ...], Counter[str]]]


def is_company_gift(tax_scheme: Any, identity: dict[str, Any] | None) -> bool:
    """Mécénat for a company's gift (its scheme, or the identity given with it), as the ledger books it."""
    return tax_scheme == TaxScheme.COMPANY or str((identity or {}).get("donor_type") or "") == "company"


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    return (ordered[i : i + 500] for i in range(0, len(ordered), 500))


ALL_PARTS = frozenset({"credits", "dated", "undated", "covered"})
# The contributions' reads, built once (each flush that moves money runs them before and after it writes).
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_PAYMENTS = (
    select(
        Payment.id,
        Payment.status,
        Payment.received_on,
        Payment.livemode,
        Payment.amount_cents,
        Payment.refunded_cents,
        Donation.tax_scheme,
        Donation.identity,
    )
    .join(Donation, Donation.id == Payment.donation_id)
    .where(Payment.id.in_(_IDS))
)
_REVERSALS = select(PaymentReversal.payment_id, PaymentReversal.booked_on, PaymentReversal.amount_cents).where(
    PaymentReversal.payment_id.in_(_IDS)
)
_COVERING = (
    select(receipt_payment.c.payment_id, Receipt.year, Receipt.status, Receipt.cancelled_at)
    .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
    .where(receipt_payment.c.payment_id.in_(_IDS))
)
_RECEIPTS = select(Receipt.id, Receipt.year, Receipt.livemode, Receipt.amount_cents).where(
    Receipt.id.in_(_IDS), Receipt.status == ReceiptStatus.ISSUED
)
_LATEST_PAYMENT = (
    select(receipt_payment.c.receipt_id, Payment.received_on)
    .join(Payment, Payment.id == receipt_payment.c.payment_id)
    .where(receipt_payment.c.receipt_id.in_(_IDS), Payment.received_on.is_not(None))
    .order_by(Payment.received_on)
)


def payment_contributions(
    connection: Connection, ids: Iterable[int], found: Contributions, parts: frozenset[str] = ALL_PARTS
) -> None:
    """Add to `found` what the payments `ids` put in the gift accounts and in their year's covered money
    (`parts`: their gifts' credits, their dated reversals, what remains undated, the money a receipt covers)."""
    books, years = found
    for chunk in _chunks(ids):
        rows = connection.execute(_PAYMENTS, {"ids": chunk}).all()
        dated: dict[int, list[tuple[dt.date, int]]] = {}
        for payment_id, booked_on, cents in connection.execute(_REVERSALS, {"ids": chunk}):
            dated.setdefault(payment_id, []).append((booked_on, cents))
        covering: dict[int, list[tuple[int, Any, dt.datetime | None]]] = {}
        for payment_id, year, status, cancelled_at in connection.execute(_COVERING, {"ids": chunk}):
            covering.setdefault(payment_id, []).append((year, status, cancelled_at))
        for payment_id, status, received_on, livemode, amount, refunded, scheme, identity in rows:
            company, live = is_company_gift(scheme, identity), bool(livemode)

            def book(day: dt.date, name: str, cents: int, company: bool = company, live: bool = live) -> None:
                books.setdefault((day, company, live), Counter())[name] += cents

            def reverse(day: dt.date, cents: int, received_on: dt.date | None = received_on) -> None:
                book(day, "reversed_cents", cents)
                if received_on is not None and received_on < dt.date(day.year, 1, 1):
                    book(day, "earlier_reversed_cents", cents)

            reversals = dated.get(payment_id, [])
            for booked_on, cents in reversals if "dated" in parts else ():
                reverse(booked_on, cents)
            if status != PaymentStatus.SUCCEEDED or received_on is None:
                continue
            if "credits" in parts:
                book(received_on, "credited_cents", amount)
            receipts = covering.get(payment_id, [])
            rest = refunded - sum(cents for _day, cents in reversals)
            if "undated" in parts and refunded > 0 and rest > 0:
                cancelled = [at for _y, s, at in receipts if s == ReceiptStatus.CANCELLED and at is not None]
                reverse(paris_date(max(cancelled)) if cancelled else received_on, rest)
            if "covered" in parts and any(
                y == received_on.year and s == ReceiptStatus.ISSUED for y, s, _at in receipts
            ):
                years.setdefault((received_on.year, live), Counter())["covered_kept_cents"] += amount - refunded


def receipt_contributions(connection: Connection, ids: Iterable[int], found: Contributions) -> None:
    """Add to `found` what the issued receipts among `ids` put in their year's totals."""
    years = found[1]
    for chunk in _chunks(ids):
        rows = connection.execute(_RECEIPTS, {"ids": chunk}).all()
        latest: dict[int, dt.date] = dict(connection.execute(_LATEST_PAYMENT, {"ids": chunk}).all())  # type: ignore[arg-type]
        for receipt_id, year, livemode, amount in rows:
            row = years.setdefault((year, bool(livemode)), Counter())
            row["declared_cents"] += amount or 0
            if receipt_id not in latest or latest[receipt_id] < dt.date(year, 1, 1):
                row["earlier_receipts_cents"] += amount or 0


BOOK_ROWS = CounterRows(cast(Table, FinanceBookDay.__table__), BOOK_KEY, BOOK_COUNTERS)
YEAR_ROWS = CounterRows(cast(Table, FinanceReceiptYear.__table__), YEAR_KEY, YEAR_COUNTERS)


def add_to_rows(connection: Connection, rows: CounterRows, deltas: Any) -> None:
    """Add each delta to its row (created at its first money); a row left with nothing is removed."""
    for values, delta in deltas.items():
        if not any(delta[c] for c in rows.counters):
            continue
        rows.add(connection, values, delta)
        rows.drop_when_empty(connection, values, rows.counters, test="==")


def _difference(before: Contributions, after: Contributions) -> Contributions:
    found: Contributions = ({}, {})
    for i in (0, 1):
        for key in before[i].keys() | after[i].keys():
            delta = Counter(after[i].get(key, Counter()))
            delta.subtract(before[i].get(key, Counter()))
            found[i][key] = delta
    return found


def _account_may_change(state: Any) -> bool:
    return bool(state.attrs.tax_scheme.history.has_changes() or state.attrs.identity.history.has_changes())


def _touched(session: Session) -> tuple[set[int], set[int], list[Any], list[Any]]:
    """The stored payments and receipts this flush may change the contributions of, and the new ones."""
    payment_ids: set[int] = set()
    receipt_ids: set[int] = set()
    new_payments: list[Any] = []
    new_receipts: list[Any] = []
    donation_ids: set[int] = set()
    moved: set[int] = set()  # payments whose day changes: their receipts' "earlier" too
    for obj in (*session.new, *session.dirty, *session.deleted):
        state = inspect(obj)
        pending = state.pending
        if isinstance(obj, Payment):
            if pending:
                new_payments.append(obj)
            elif obj in session.deleted or any(
                state.attrs[n].history.has_changes() for n in (*PAYMENT_FIELDS, "donation")
            ):
                payment_ids.add(obj.id)
                if state.attrs.received_on.history.has_changes():
                    moved.add(obj.id)
        elif isinstance(obj, PaymentReversal):
            payment = obj.__dict__.get("payment")
            if payment is not None and inspect(payment).pending:
                new_payments.append(payment)
            elif payment is not None:
                payment_ids.add(payment.id)
            if obj.payment_id is not None:
                payment_ids.add(obj.payment_id)
            previous = state.attrs.payment_id.history.deleted
            payment_ids.update(p for p in previous if p is not None)
        elif isinstance(obj, Receipt):
            if pending:
                new_receipts.append(obj)
            elif obj in session.deleted or any(state.attrs[n].history.has_changes() for n in RECEIPT_FIELDS):
                receipt_ids.add(obj.id)
            else:
                continue
            for payment in obj.__dict__.get("payments", ()):
                (new_payments.append(payment) if inspect(payment).pending else payment_ids.add(payment.id))
        elif isinstance(obj, Donation) and not pending and _account_may_change(state):
            donation_ids.add(obj.id)
    connection = session.connection()
    if receipt_ids:
        for chunk in _chunks(receipt_ids):
            payment_ids.update(
                connection.scalars(select(receipt_payment.c.payment_id).where(receipt_payment.c.receipt_id.in_(chunk)))
            )
    if donation_ids:
        payment_ids.update(connection.scalars(select(Payment.id).where(Payment.donation_id.in_(donation_ids))))
    if moved:
        receipt_ids.update(
            connection.scalars(select(receipt_payment.c.receipt_id).where(receipt_payment.c.payment_id.in_(moved)))
        )
    return payment_ids, receipt_ids, new_payments, new_receipts


def _contributions(connection: Connection, payment_ids: set[int], receipt_ids: set[int]) -> Contributions:
    found: Contributions = ({}, {})
    if payment_ids:
        payment_contributions(connection, payment_ids, found)
    if receipt_ids:
        receipt_contributions(connection, receipt_ids, found)
    return found


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    session.info.pop(PENDING, None)  # left by a flush that failed
    payment_ids, receipt_ids, new_payments, new_receipts = _touched(session)
    if not (payment_ids or receipt_ids or new_payments or new_receipts):
        return
    before = _contributions(session.connection(), payment_ids, receipt_ids)
    session.info[PENDING] = (payment_ids, receipt_ids, new_payments, new_receipts, before)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.pop(PENDING, None)
    if pending is None:
        return
    payment_ids, receipt_ids, new_payments, new_receipts, before = pending
    payment_ids = payment_ids | {p.id for p in new_payments if p.id is not None}
    receipt_ids = receipt_ids | {r.id for r in new_receipts if r.id is not None}
    connection = session.connection()
    books, years = _difference(before, _contributions(connection, payment_ids, receipt_ids))
    add_to_rows(connection, BOOK_ROWS, books)
    add_to_rows(connection, YEAR_ROWS, years)
