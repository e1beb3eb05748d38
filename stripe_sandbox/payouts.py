"""Payouts: the Stripe balance paid out to the bank, and balance transactions booked late.

A payout takes every balance transaction not paid out yet (payments, refunds,
disputes), adds its own ``payout`` transaction, and sends ``payout.created``
then ``payout.paid``; ``GET /v1/balance_transactions?payout=…`` lists what it
contains, as Stripe does. With deferred booking on, a succeeded charge has no
balance transaction yet; booking it later sends ``charge.updated``, the way
Stripe tells of a fee known after the payment. Callers hold ``store.lock``.
"""

from __future__ import annotations

from .errors import invalid
from .objects import build_balance_transaction, new_id
from .store import Store

DAY = 86400


def build_payout(
    *, created: int, amount: int, balance_transaction: str, currency: str = "eur", arrival_date: int | None = None
) -> dict:
    """A payout to the account's bank, in the shape of Stripe's Payout."""
    return {
        "id": new_id("po_"),
        "object": "payout",
        "amount": amount,
        "application_fee": None,
        "application_fee_amount": None,
        "arrival_date": arrival_date or created + 2 * DAY,
        "automatic": True,
        "balance_transaction": balance_transaction,
        "created": created,
        "currency": currency,
        "description": "STRIPE PAYOUT",
        "destination": "ba_sandbox_bank_account",
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "livemode": False,
        "metadata": {},
        "method": "standard",
        "original_payout": None,
        "payout_method": None,
        "reconciliation_status": "completed",
        "reversed_by": None,
        "source_type": "card",
        "statement_descriptor": None,
        "status": "pending",
        "trace_id": {"status": "unsupported", "value": None},
        "type": "bank_account",
    }


def payout_of(store: Store, txn: dict) -> str | None:
    """The payout a balance transaction was paid out in (the filter of the list endpoint)."""
    return store.private[txn["id"]].get("payout")


def pay_out(store: Store, arrival_date: int | None = None) -> dict:
    """Pay out every balance transaction not paid out yet; 400 when there is nothing to pay."""
    waiting = [t for t in store.all("balance_transaction") if t["type"] != "payout" and not payout_of(store, t)]
    total = sum(t["net"] for t in waiting)
    if not waiting or total <= 0:
        raise invalid("The balance has nothing to pay out.", param="amount", code="balance_insufficient")
    now = store.clock.now()
    own = store.add(
        build_balance_transaction(
            created=now, amount=-total, fee=0, source="", kind="payout", description="STRIPE PAYOUT"
        )
    )
    payout = store.add(
        build_payout(created=now, amount=total, balance_transaction=own["id"], arrival_date=arrival_date)
    )
    own["source"] = payout["id"]
    for txn in (*waiting, own):
        store.private[txn["id"]]["payout"] = payout["id"]
        txn["status"] = "available"
    store.emit("payout.created", payout)
    payout["status"] = "paid"
    store.emit("payout.paid", payout)
    return payout


def defer_booking(store: Store, on: bool) -> None:
    """From now on, succeeded charges wait for `book_charge` before they get a balance transaction."""
    store.private["_booking"]["deferred"] = on


def booking_deferred(store: Store) -> bool:
    return bool(store.private["_booking"].get("deferred"))


def book_charge(store: Store, charge: dict, fee: int) -> dict:
    """Give a succeeded charge its balance transaction now, and tell it by ``charge.updated``."""
    if charge["status"] != "succeeded":
        raise invalid(f"Charge {charge['id']} has not succeeded.", param="charge")
    if charge["balance_transaction"]:
        raise invalid(f"Charge {charge['id']} is booked already.", param="charge")
    txn = store.add(
        build_balance_transaction(
            created=store.clock.now(),
            amount=charge["amount"],
            fee=fee,
            source=charge["id"],
            description=charge["description"],
        )
    )
    charge["balance_transaction"] = txn["id"]
    store.emit("charge.updated", charge, previous_attributes={"balance_transaction": None})
    return txn
