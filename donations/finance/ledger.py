"""The foundation's book entries for gifts, from what the service recorded.

Every payment received, whatever its method, is a gift credited to revenue
(7541 dons manuels, 7542 mécénat for companies: ANC 2018-06, configurable)
against where the money waits: the Stripe balance (a clearing account),
the bank (a cheque from the day it is cashed, a transfer) or the till. Stripe's fees are debited to bank
charges (627) from the Stripe balance; each payout empties the Stripe balance
into the bank (512); a refund or a lost dispute reverses its gift on the day it
happened. Every entry balances. Test-mode money is left out unless asked for,
as the art. 222 bis totals leave SPECIMEN receipts out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from donations.clock import paris_date
from donations.fulfilment.payouts import PAYMENT_TYPES
from donations.models import (
    Donation,
    DonorType,
    Payment,
    PaymentReversal,
    PaymentStatus,
    Payout,
    PayoutLine,
    Receipt,
    ReceiptStatus,
    ReversalKind,
    TaxScheme,
    receipt_payment,
)

# Methods whose money goes through the Stripe balance; any other method (cheque, transfer, cash…) does not.
STRIPE_METHODS = frozenset({"card", "sepa_debit"})
JOURNALS = {"DON": "Dons reçus", "STR": "Stripe", "BQ": "Banque"}
# How an entry's label names a payment method (the FEC is read in French).
METHOD_WORDS = {
    "card": "carte",
    "sepa_debit": "prélèvement SEPA",
    "cheque": "chèque",
    "transfer": "virement",
    "cash": "espèces",
}
JOURNAL_ORDER = {code: i for i, code in enumerate(JOURNALS)}


@dataclass(frozen=True)
class Chart:
    """The accounts the entries use (numbers from the configuration, labels in French)."""

    individual_gifts: str = "7541"
    company_gifts: str = "7542"
    bank_fees: str = "627"
    bank: str = "512"
    stripe: str = "5118"
    cash: str = "531"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Chart:
        defaults = cls()
        return cls(
            **{
                name: str(config.get(f"ACCOUNT_{name.upper()}") or getattr(defaults, name))
                for name in cls.__dataclass_fields__
            }
        )

    def label(self, number: str) -> str:
        labels = {
            self.individual_gifts: "Dons manuels",
            self.company_gifts: "Mécénat",
            self.bank_fees: "Services bancaires et assimilés",
            self.bank: "Banque",
            self.stripe: "Stripe - solde à virer",
            self.cash: "Caisse",
        }
        return labels.get(number, number)

    def holding(self, method: str) -> str:
        """Where the money of a payment made by `method` arrives first."""
        if method in STRIPE_METHODS:
            return self.stripe
        # A cheque counts from the day it is cashed (TAX_RULES), a transfer from its credit: both at the bank.
        return self.cash if method == "cash" else self.bank


@dataclass(frozen=True)
class Line:
    account: str
    debit_cents: int = 0
    credit_cents: int = 0


@dataclass(frozen=True)
class Entry:
    """One balanced entry: its journal, date, supporting document and lines."""

    journal: str
    day: dt.date
    piece_ref: str
    label: str
    lines: tuple[Line, ...]

    @property
    def balanced(self) -> bool:
        return sum(line.debit_cents for line in self.lines) == sum(line.credit_cents for line in self.lines)


def _pair(journal: str, day: dt.date, ref: str, label: str, debit: str, credit: str, cents: int) -> Entry:
    """A two-line entry moving `cents` (a negative amount swaps the sides)."""
    if cents < 0:
        debit, credit, cents = credit, debit, -cents
    return Entry(journal, day, ref, label, (Line(debit, debit_cents=cents), Line(credit, credit_cents=cents)))


def revenue_account(chart: Chart, donation: Donation) -> str:
    """Mécénat for a company's gift, dons manuels for a person's."""
    company = donation.tax_scheme == TaxScheme.COMPANY or donation.given_identity.donor_type == DonorType.COMPANY.value
    return chart.company_gifts if company else chart.individual_gifts


def _method(payment: Payment) -> str:
    return str(getattr(payment.method, "value", payment.method))


def _receipt_numbers(session: Session, payment_ids: list[int]) -> dict[int, str]:
    """The first receipt issued for each payment (its supporting document in the books)."""
    numbers: dict[int, str] = {}
    for chunk in (payment_ids[i : i + 500] for i in range(0, len(payment_ids), 500)):
        rows = session.execute(
            select(receipt_payment.c.payment_id, Receipt.number)
            .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
            .where(receipt_payment.c.payment_id.in_(chunk))
            .order_by(Receipt.issued_at, Receipt.id)
        )
        for payment_id, number in rows:
            numbers.setdefault(payment_id, number)
    return numbers


def payments_received(first: dt.date, last: dt.date, include_test: bool) -> Select[Payment]:
    """The payments received from `first` to `last`, in the order their gifts are booked."""
    query = (
        select(Payment)
        .options(joinedload(Payment.donation))
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on >= first, Payment.received_on <= last)
        .order_by(Payment.received_on, Payment.id)
    )
    return query if include_test else query.where(Payment.livemode.is_(True))


def _payments(session: Session, first: dt.date, last: dt.date, include_test: bool) -> list[Payment]:
    return list(session.scalars(payments_received(first, last, include_test)).unique())


def gift_entries_of(chart: Chart, payment: Payment, numbers: Mapping[int, str]) -> Iterable[Entry]:
    """A received payment's gift, and Stripe's fee on it."""
    assert payment.received_on is not None
    ref = numbers.get(payment.id) or f"PAI-{payment.id}"
    method = _method(payment)
    yield _pair(
        "DON",
        payment.received_on,
        ref,
        f"Don par {METHOD_WORDS.get(method, method)} paiement {payment.id}",
        chart.holding(method),
        revenue_account(chart, payment.donation),
        payment.amount_cents,
    )
    if payment.fee_cents and method in STRIPE_METHODS:
        yield _pair(
            "STR",
            payment.received_on,
            ref,
            f"Frais Stripe paiement {payment.id}",
            chart.bank_fees,
            chart.stripe,
            payment.fee_cents,
        )


def _gift_entries(session: Session, chart: Chart, first: dt.date, last: dt.date, include_test: bool) -> Iterable[Entry]:
    payments = _payments(session, first, last, include_test)
    numbers = _receipt_numbers(session, [p.id for p in payments])
    for payment in payments:
        yield from gift_entries_of(chart, payment, numbers)


def _unrecorded_reversal_day(session: Session, payment: Payment) -> dt.date:
    """The day of a reversal the service did not date (recorded before reversals were): its receipt's cancellation."""
    cancelled = session.scalar(
        select(func.max(Receipt.cancelled_at))
        .join(receipt_payment, receipt_payment.c.receipt_id == Receipt.id)
        .where(receipt_payment.c.payment_id == payment.id, Receipt.status == ReceiptStatus.CANCELLED)
    )
    day = paris_date(cancelled) if cancelled else payment.received_on
    assert day is not None
    return day


def reversals(
    session: Session, first: dt.date, last: dt.date, include_test: bool
) -> list[tuple[Payment, ReversalKind, dt.date, int]]:
    """Money given back from `first` to `last`: each payment's dated reversals, and what remains of its
    refunded amount undated (given the day its receipt was cancelled)."""
    dated = session.execute(
        select(PaymentReversal.payment_id, func.coalesce(func.sum(PaymentReversal.amount_cents), 0)).group_by(
            PaymentReversal.payment_id
        )
    ).all()
    recorded = {payment_id: int(cents) for payment_id, cents in dated}
    found: list[tuple[Payment, ReversalKind, dt.date, int]] = []
    query = (
        select(PaymentReversal)
        .options(joinedload(PaymentReversal.payment).joinedload(Payment.donation))
        .where(PaymentReversal.booked_on >= first, PaymentReversal.booked_on <= last)
    )
    for reversal in session.scalars(query):
        if include_test or reversal.payment.livemode:
            found.append((reversal.payment, reversal.kind, reversal.booked_on, reversal.amount_cents))
    refunded = (
        select(Payment)
        .options(joinedload(Payment.donation))
        .where(Payment.refunded_cents > 0, Payment.status == PaymentStatus.SUCCEEDED)
    )
    for payment in session.scalars(refunded).unique():
        rest = payment.refunded_cents - recorded.get(payment.id, 0)
        if rest > 0 and (include_test or payment.livemode):
            day = _unrecorded_reversal_day(session, payment)
            if first <= day <= last:
                kind = ReversalKind.DISPUTE if payment.dispute_status == "lost" else ReversalKind.REFUND
                found.append((payment, kind, day, rest))
    return sorted(found, key=lambda item: (item[2], item[0].id))


def _reversal_entries(
    session: Session, chart: Chart, first: dt.date, last: dt.date, include_test: bool
) -> Iterable[Entry]:
    items = reversals(session, first, last, include_test)
    numbers = _receipt_numbers(session, [payment.id for payment, *_ in items])
    for item in items:
        yield reversal_entry(chart, item, numbers)


def reversal_entry(chart: Chart, item: tuple[Payment, ReversalKind, dt.date, int], numbers: Mapping[int, str]) -> Entry:
    """Money given back: its gift's account debited on the day, where the money waited credited."""
    payment, kind, day, cents = item
    what = "Litige perdu" if kind == ReversalKind.DISPUTE else "Remboursement"
    return _pair(
        "DON",
        day,
        numbers.get(payment.id) or f"PAI-{payment.id}",
        f"{what} paiement {payment.id}",
        revenue_account(chart, payment.donation),
        chart.holding(_method(payment)),
        cents,
    )


def _payout_entries(
    session: Session, chart: Chart, first: dt.date, last: dt.date, include_test: bool
) -> Iterable[Entry]:
    yield from payout_fee_entries(session, chart, first, last, include_test)
    yield from payout_bank_entries(session, chart, first, last, include_test)


def payout_fee_entries(
    session: Session, chart: Chart, first: dt.date, last: dt.date, include_test: bool
) -> Iterable[Entry]:
    """Fees Stripe charged apart from a payment's own (a dispute's fee, given back when it is won)."""
    lines = (
        select(PayoutLine)
        .join(Payout, Payout.id == PayoutLine.payout_id)
        .where(
            PayoutLine.type.not_in(PAYMENT_TYPES),
            PayoutLine.fee_cents != 0,
            # From Paris midnight on `first` to the one after `last` (with a day's margin: the day decides).
            PayoutLine.booked_at >= dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), dt.UTC),
            PayoutLine.booked_at < dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), dt.UTC),
        )
    )
    if not include_test:
        lines = lines.where(Payout.livemode.is_(True))
    for line in session.scalars(lines.order_by(PayoutLine.booked_at, PayoutLine.id)):
        day = paris_date(line.booked_at)
        if first <= day <= last:
            what = "litige" if line.type == "adjustment" else line.type
            yield _pair(
                "STR",
                day,
                line.stripe_balance_transaction_id,
                f"Frais Stripe {what}",
                chart.bank_fees,
                chart.stripe,
                line.fee_cents,
            )


def payout_bank_entries(
    session: Session, chart: Chart, first: dt.date, last: dt.date, include_test: bool
) -> Iterable[Entry]:
    """Each payout paid: the Stripe balance emptied into the bank on the day it arrives."""
    payouts = select(Payout).where(Payout.status == "paid", Payout.arrival_on >= first, Payout.arrival_on <= last)
    if not include_test:
        payouts = payouts.where(Payout.livemode.is_(True))
    for payout in session.scalars(payouts.order_by(Payout.arrival_on, Payout.id)):
        yield _pair(
            "BQ",
            payout.arrival_on,
            payout.stripe_payout_id,
            "Virement Stripe",
            chart.bank,
            chart.stripe,
            payout.amount_cents,
        )


def entries_of_year(session: Session, chart: Chart, year: int, include_test: bool = False) -> list[Entry]:
    """Every entry dated in `year`, in date order (gifts, fees and reversals, then payouts, on each day)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    found = [
        *_gift_entries(session, chart, first, last, include_test),
        *_reversal_entries(session, chart, first, last, include_test),
        *_payout_entries(session, chart, first, last, include_test),
    ]
    return sorted(found, key=lambda entry: (entry.day, JOURNAL_ORDER[entry.journal]))
