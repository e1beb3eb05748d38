"""The monthly-donors counters follow every transaction that changes what they are drawn from, before it commits.

A flush that writes a payment (its status, Paris day or donation), a cancelled monthly donation (its
status, or any change: its last change dates its end when no `customer.subscription.deleted` event
does) or such an event, an INSERT of such events run through the session, and the stop events Stripe's
handlers link to their donation around the ORM (`linked_stop_event`), name the monthly gifts they touched. Just before
the commit, each of them is read again as the report counts it (the months it gave in, the month it
stopped) and compared with what the counters hold for it (`finance_monthly_gift_month`,
`finance_monthly_gift_stop`); a difference is taken off the old months' counters and added to the new
ones, one upsert per month (`x = x + excluded.x`), in the same transaction. The gift's donation row is
locked first on PostgreSQL (FOR NO KEY UPDATE, as Stripe's handlers lock it), so two transactions never
read the same gift's facts at once; SQLite serialises its writers. Writes on a bare connection bypass
this: `flask finance rebuild-rollups` recomputes the counters from the history after them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, event, func, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.elements import BindParameter

from donations.clock import paris_date
from donations.models.counter_rows import CounterRows
from donations.models.donation import Donation, DonationKind, DonationStatus, Payment, PaymentStatus
from donations.models.monthly_rollup import FIGURES, MonthlyDonorsMonth, MonthlyGiftMonth, MonthlyGiftStop, figures_of
from donations.models.stripe_event import StripeEvent

SUBSCRIPTION_DELETED = "customer.subscription.deleted"
PAYMENT_FIELDS = ("status", "received_on", "donation_id")
TOUCHED = "monthly_gifts_touched"  # in Session.info: the gifts to bring in line before the commit

Facts = tuple[frozenset[dt.date], dt.date | None]


def _ids(obj: Any, name: str) -> set[int]:
    """Every value the attribute `name` had during the flush (before and after)."""
    return {v for v in inspect(obj).attrs[name].history.sum() if v is not None}


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    return any(inspect(obj).attrs[n].history.has_changes() for n in names)


def _payment_gifts(payment: Payment, written: bool) -> set[int]:
    if written and not _changed(payment, PAYMENT_FIELDS):
        return set()
    statuses = set(inspect(payment).attrs.status.history.sum())
    if "status" in payment.__dict__ and PaymentStatus.SUCCEEDED not in statuses:
        return set()  # neither before nor after a succeeded payment: it counts in no month
    donation = payment.__dict__.get("donation")
    loaded = donation.__dict__ if donation is not None else {}
    ids = _ids(payment, "donation_id")
    if loaded.get("kind") not in (None, DonationKind.MONTHLY) and ids == {loaded.get("id")}:
        return set()  # a one-off or IFI gift's payment: no monthly counter moves
    return ids


def _donation_gifts(donation: Donation, written: bool) -> set[int]:
    values, identity = donation.__dict__, inspect(donation).identity
    donation_id = identity[0] if identity else values.get("id")  # a new row has its id, not yet its identity
    if values.get("kind") not in (None, DonationKind.MONTHLY) or donation_id is None:
        return set()
    if written and not inspect(donation).modified:
        return set()
    statuses = set(inspect(donation).attrs.status.history.sum())
    if "status" in values and DonationStatus.CANCELLED not in statuses:
        return set()
    return {donation_id}


def _event_gifts(stripe_event: StripeEvent, written: bool) -> set[int]:
    types = set(inspect(stripe_event).attrs.type.history.sum())
    if "type" in stripe_event.__dict__ and SUBSCRIPTION_DELETED not in types:
        return set()
    if written and not _changed(stripe_event, ("type", "donation_id", "created")):
        return set()
    return _ids(stripe_event, "donation_id")


def touched_gifts(session: Session) -> set[int]:
    """The donations whose monthly-gift facts the flush may have changed."""
    found: set[int] = set()
    for objects, written in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for obj in objects:
            if isinstance(obj, Payment):
                found |= _payment_gifts(obj, written)
            elif isinstance(obj, Donation):
                found |= _donation_gifts(obj, written)
            elif isinstance(obj, StripeEvent):
                found |= _event_gifts(obj, written)
    return found


def facts_now(connection: Connection, donation_id: int) -> Facts | None:
    """The gift's months and stop month as the history says (its donation locked); None: not a monthly gift."""
    first_deleted = (
        select(func.min(StripeEvent.created))
        .where(StripeEvent.donation_id == donation_id, StripeEvent.type == SUBSCRIPTION_DELETED)
        .scalar_subquery()
    )
    query = select(Donation.kind, Donation.status, Donation.updated_at, first_deleted).where(Donation.id == donation_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(key_share=True, of=Donation.__table__)
    row = connection.execute(query).first()
    if row is None or row.kind != DonationKind.MONTHLY:
        return None
    days = connection.scalars(
        select(Payment.received_on)
        .where(
            Payment.donation_id == donation_id,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.received_on.is_not(None),
        )
        .distinct()
    ).all()
    stopped = None
    if row.status == DonationStatus.CANCELLED:
        ended = row[3] or row.updated_at
        stopped = paris_date(ended).replace(day=1)
    return frozenset(day.replace(day=1) for day in days if day is not None), stopped


def facts_kept(connection: Connection, donation_id: int) -> Facts:
    """The gift's months and stop month as the counters hold them."""
    months = connection.scalars(select(MonthlyGiftMonth.month).where(MonthlyGiftMonth.donation_id == donation_id))
    stopped = connection.scalar(select(MonthlyGiftStop.month).where(MonthlyGiftStop.donation_id == donation_id))
    return frozenset(months), stopped


MONTHS = CounterRows(cast(Table, MonthlyDonorsMonth.__table__), ("month",), FIGURES)


def add_to_months(connection: Connection, deltas: dict[tuple[dt.date, str], int]) -> None:
    """Add each figure's delta to its month's row (made at its first count, gone when all are 0)."""
    by_month: dict[dt.date, dict[str, int]] = {}
    for (month, figure), delta in deltas.items():
        if delta:
            by_month.setdefault(month, dict.fromkeys(FIGURES, 0))[figure] += delta
    for month, counts in sorted(by_month.items()):
        MONTHS.add(connection, (month,), counts)
        if any(v < 0 for v in counts.values()):
            MONTHS.drop_when_empty(connection, (month,), FIGURES, test="==")


def move(connection: Connection, donation_id: int, before: Facts, after: Facts) -> None:
    """Replace the gift's kept facts `before` by `after`, and its counts in the months by the difference."""
    deltas = {key: -count for key, count in figures_of(*before).items()}
    for key, count in figures_of(*after).items():
        deltas[key] = deltas.get(key, 0) + count
    add_to_months(connection, deltas)
    months = cast(Table, MonthlyGiftMonth.__table__)
    gone, new = before[0] - after[0], after[0] - before[0]
    if gone:
        connection.execute(delete(months).where(months.c.donation_id == donation_id, months.c.month.in_(gone)))
    if new:
        connection.execute(insert(months), [{"donation_id": donation_id, "month": m} for m in sorted(new)])
    if before[1] != after[1]:
        stops = cast(Table, MonthlyGiftStop.__table__)
        connection.execute(delete(stops).where(stops.c.donation_id == donation_id))
        if after[1] is not None:
            connection.execute(insert(stops).values(donation_id=donation_id, month=after[1]))


def refresh(connection: Connection, donation_id: int) -> None:
    """Bring the counters of one gift in line with its history."""
    now = facts_now(connection, donation_id)
    if now is None:
        return  # not a monthly gift (a kind never changes): nothing was ever counted for it
    kept = facts_kept(connection, donation_id)
    if kept != now:
        move(connection, donation_id, kept, now)


def _event_statement_gifts(state: ORMExecuteState) -> set[int]:
    """The donations an INSERT or UPDATE of Stripe events run through the session links an event to (Stripe's
    handlers record an event's row and its donation around the ORM)."""
    statement = state.statement
    if not (state.is_insert or state.is_update) or getattr(statement, "table", None) is not StripeEvent.__table__:
        return set()
    names = {"donation_id"}
    for column, value in (getattr(statement, "_values", None) or {}).items():
        if getattr(column, "key", column) == "donation_id" and isinstance(value, BindParameter):
            names.add(value.key)
    given: Any = state.parameters
    rows: list[Any] = list(given) if isinstance(given, (list, tuple)) else [given or {}]
    return {
        row[n]
        for row in rows
        if row.get("type", SUBSCRIPTION_DELETED) == SUBSCRIPTION_DELETED
        for n in names
        if isinstance(row.get(n), int)
    }


def _marked(session: Session) -> set[int]:
    return cast(set[int], session.info.setdefault(TOUCHED, set()))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    _marked(session).update(touched_gifts(session))


def linked_stop_event(session: Session, donation_id: int) -> None:
    """A `customer.subscription.deleted` event is being linked to the gift by a statement of the caller's
    (Stripe's handlers record an event's outcome and donation around the ORM): its stop month may move."""
    _marked(session).add(donation_id)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    # Only the INSERTs that name their type: an UPDATE of an event's outcome (one per webhook) says
    # nothing of it, and its caller names the stop events it links (`linked_stop_event`).
    if state.is_insert:
        _marked(state.session).update(_event_statement_gifts(state))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """The gifts touched in the transaction brought in line with their history, once all is written."""
    session.flush()
    gifts = session.info.pop(TOUCHED, set())
    if gifts:
        connection = session.connection()
        for donation_id in sorted(gifts):  # in one order: two transactions never lock each other's gifts crosswise
            refresh(connection, donation_id)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(TOUCHED, None)
