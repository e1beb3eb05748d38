"""`finance_donation_status` follows every donation the flush writes: its old kind, status and amount taken
off, its new ones added, in the same transaction (one additive upsert per row, as the other rollups).

Core updates of donations bypass this; `flask finance rebuild-rollups` recounts them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, cast

from sqlalchemy import Connection, Table, event, inspect

from donations.models.counter_rows import CounterRows
from donations.models.donation import Donation
from donations.models.rollup_books import FinanceDonationStatus

FIELDS = ("kind", "status", "amount_cents")


def _values(donation: Donation, old: bool) -> tuple[Any, Any, int] | None:
    state = inspect(donation)
    found = []
    for name in FIELDS:
        history = state.attrs[name].history
        if old and history.deleted:
            found.append(history.deleted[0])
        elif old and history.added:
            return None  # a new donation: nothing before
        else:
            found.append(getattr(donation, name))
    kind, status, amount = found
    return (kind, status, int(amount or 0)) if kind is not None and status is not None else None


STATUSES = CounterRows(cast(Table, FinanceDonationStatus.__table__), ("kind", "status"), ("donations", "amount_cents"))


def add_to_statuses(connection: Connection, deltas: dict[tuple[Any, Any], Counter[str]]) -> None:
    for key, delta in deltas.items():
        if not (delta["donations"] or delta["amount_cents"]):
            continue
        STATUSES.add(connection, key, delta)
        if delta["donations"] < 0:
            STATUSES.drop_when_empty(connection, key, ("donations",))


def _move(connection: Connection, before: tuple[Any, Any, int] | None, after: tuple[Any, Any, int] | None) -> None:
    if before == after:
        return
    deltas: dict[tuple[Any, Any], Counter[str]] = {}
    for values, sign in ((before, -1), (after, 1)):
        if values is not None:
            row = deltas.setdefault(values[:2], Counter())
            row["donations"] += sign
            row["amount_cents"] += sign * values[2]
    add_to_statuses(connection, deltas)


def _keep_old_value(_target: Any, value: Any, _old: Any, _initiator: Any) -> Any:
    return value


for _name in FIELDS:  # the value a change replaces is loaded first, so the flush knows what to take off
    event.listen(getattr(Donation, _name), "set", _keep_old_value, active_history=True, retval=True)


@event.listens_for(Donation, "after_insert")
def _donation_inserted(_mapper: Any, connection: Connection, donation: Donation) -> None:
    _move(connection, None, _values(donation, old=False))


@event.listens_for(Donation, "after_update")
def _donation_updated(_mapper: Any, connection: Connection, donation: Donation) -> None:
    state = inspect(donation)
    if any(state.attrs[name].history.has_changes() for name in FIELDS):
        _move(connection, _values(donation, old=True), _values(donation, old=False))


@event.listens_for(Donation, "after_delete")
def _donation_deleted(_mapper: Any, connection: Connection, donation: Donation) -> None:
    _move(connection, _values(donation, old=True), None)
