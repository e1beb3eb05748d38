"""The dashboard's rollups follow every payment in the flush that writes it, so no recording path can miss them.

A payment counts in `finance_day` and `finance_donor_period` while it has succeeded; whoever records,
settles, refunds, disputes or cancels it (Stripe's handlers, offline gifts, bank matches) only changes
the payment, and the flush adds the difference it makes: its old figures taken off, its new ones
added, in the same transaction. Each change is one upsert that adds to the row (`x = x + excluded.x`):
two workers recording payments of the same day never lose one another's on PostgreSQL, and SQLite
serialises its writers. Core inserts and updates of payments bypass this; `flask finance
rebuild-rollups` recomputes from the payments after them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, event, inspect, select

from donations.models.counter_rows import CounterRows
from donations.models.donation import Donation, Payment, PaymentStatus
from donations.models.rollup import FinanceDay, FinanceDonorPeriod, Span
from donations.models.rollup_books import FinancePeriodDonors

# What a payment's contribution reads: its own columns, then its donation's kind and donor.
PAYMENT_FIELDS = (
    "status",
    "received_on",
    "method",
    "livemode",
    "amount_cents",
    "refunded_cents",
    "fee_cents",
    "donation_id",
)
DAY_COUNTERS = ("payments", "amount_cents", "refunded_cents", "refunded_payments", "fee_cents", "fee_amount_cents")
DAY_KEY = ("day", "kind", "method", "livemode")
PERIOD_KEY = ("span", "starts_on", "donor_id")

DayKey = tuple[dt.date, Any, Any, bool]
PeriodKey = tuple[Span, dt.date, int]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1, 1)


DAYS = CounterRows(cast(Table, FinanceDay.__table__), DAY_KEY, DAY_COUNTERS)
PERIODS = CounterRows(cast(Table, FinanceDonorPeriod.__table__), PERIOD_KEY, ("payments",))
PERIOD_DONORS = CounterRows(cast(Table, FinancePeriodDonors.__table__), ("span", "starts_on"), ("donors",))


def add_to_days(connection: Connection, deltas: dict[DayKey, Counter[str]]) -> None:
    """Add each counter delta to its day row (created at the first payment of the day)."""
    for key, delta in deltas.items():
        if not any(delta.values()):
            continue
        DAYS.add(connection, key, delta)
        if delta["payments"] < 0:
            DAYS.drop_when_empty(connection, key, ("payments",))


def add_to_periods(connection: Connection, deltas: dict[PeriodKey, int]) -> None:
    """Add to each donor's count of payments in a month or a year; a donor with none left is no row."""
    for key, delta in deltas.items():
        if not delta:
            continue
        payments = PERIODS.add(connection, key, {"payments": delta}, returning="payments")
        count_period_donor(connection, key, payments - delta, payments)
        if delta < 0:
            PERIODS.drop_when_empty(connection, key, ("payments",))


def count_period_donor(connection: Connection, key: PeriodKey, before: int, after: int) -> None:
    """A donor's row for a period appeared (payments from none to some) or went: the period's count follows."""
    change = int(after > 0) - int(before > 0)
    if not change:
        return
    span, starts_on, _donor = key
    PERIOD_DONORS.add(connection, (span, starts_on), {"donors": change})
    if change < 0:
        PERIOD_DONORS.drop_when_empty(connection, (span, starts_on), ("donors",))


def _contribution(values: dict[str, Any], kind: Any, donor_id: int) -> tuple[DayKey, Counter[str], int] | None:
    if values["status"] != PaymentStatus.SUCCEEDED or values["received_on"] is None:
        return None
    counters = Counter(
        payments=1,
        amount_cents=values["amount_cents"],
        refunded_cents=values["refunded_cents"],
        refunded_payments=1 if values["refunded_cents"] else 0,
        fee_cents=values["fee_cents"] or 0,
        fee_amount_cents=values["amount_cents"] if values["fee_cents"] is not None else 0,
    )
    return (values["received_on"], kind, values["method"], bool(values["livemode"])), counters, donor_id


_KIND_AND_DONOR = select(Donation.kind, Donation.donor_id).where(Donation.id == bindparam("donation"))


def _donation_of(connection: Connection, payment: Payment, donation_id: int) -> tuple[Any, int]:
    """The kind and donor of the payment's donation, without a lazy load in the middle of the flush."""
    donation = payment.__dict__.get("donation")
    loaded = donation.__dict__ if donation is not None else {}
    if loaded.get("id") == donation_id and loaded.get("donor_id") is not None and "kind" in loaded:
        return loaded["kind"], loaded["donor_id"]
    kind, donor_id = connection.execute(_KIND_AND_DONOR, {"donation": donation_id}).one()
    return kind, donor_id


def apply_change(
    connection: Connection,
    before: tuple[DayKey, Counter[str], int] | None,
    after: tuple[DayKey, Counter[str], int] | None,
) -> None:
    """Take `before` off the rollups and add `after` (each a payment's contribution, or None)."""
    days: dict[DayKey, Counter[str]] = {}
    periods: Counter[PeriodKey] = Counter()
    for contribution, sign in ((before, -1), (after, 1)):
        if contribution is None:
            continue
        key, counters, donor_id = contribution
        day = days.setdefault(key, Counter())
        for name in DAY_COUNTERS:
            day[name] += sign * counters[name]
        periods[(Span.MONTH, month_start(key[0]), donor_id)] += sign
        periods[(Span.YEAR, year_start(key[0]), donor_id)] += sign
    add_to_days(connection, days)
    add_to_periods(connection, dict(periods))


def _values(connection: Connection, payment: Payment, old: bool) -> dict[str, Any]:
    state = inspect(payment)
    values: dict[str, Any] = {}
    missing = []
    for name in PAYMENT_FIELDS:
        history = state.attrs[name].history
        if old and history.deleted:
            values[name] = history.deleted[0]
        elif old and history.added:
            values[name] = None  # set on a new payment: nothing before
        elif name in payment.__dict__:
            values[name] = payment.__dict__[name]
        else:
            missing.append(name)
    if missing:
        stored = connection.execute(
            select(*(getattr(Payment, n) for n in missing)).where(Payment.id == payment.id)
        ).one()
        values.update(zip(missing, stored, strict=True))
    return values


def _changed(payment: Payment) -> bool:
    state = inspect(payment)
    return any(state.attrs[name].history.has_changes() for name in PAYMENT_FIELDS)


def payment_written(connection: Connection, payment: Payment, inserted: bool) -> None:
    """The flush wrote `payment`: move the rollups by the difference it makes."""
    if not inserted and not _changed(payment):
        return
    new = _values(connection, payment, old=False)
    before = None
    if not inserted:
        old = _values(connection, payment, old=True)
        if old["donation_id"] is not None and old["status"] == PaymentStatus.SUCCEEDED:
            before = _contribution(old, *_donation_of(connection, payment, old["donation_id"]))
    after = None
    if new["status"] == PaymentStatus.SUCCEEDED:
        after = _contribution(new, *_donation_of(connection, payment, new["donation_id"]))
    if before != after:
        apply_change(connection, before, after)


@event.listens_for(Payment, "after_insert")
def _payment_inserted(_mapper: Any, connection: Connection, payment: Payment) -> None:
    payment_written(connection, payment, inserted=True)


@event.listens_for(Payment, "after_update")
def _payment_updated(_mapper: Any, connection: Connection, payment: Payment) -> None:
    payment_written(connection, payment, inserted=False)


@event.listens_for(Payment, "after_delete")
def _payment_deleted(_mapper: Any, connection: Connection, payment: Payment) -> None:
    old = _values(connection, payment, old=True) if _changed(payment) else _values(connection, payment, old=False)
    if old["status"] == PaymentStatus.SUCCEEDED and old["donation_id"] is not None:
        apply_change(connection, _contribution(old, *_donation_of(connection, payment, old["donation_id"])), None)
