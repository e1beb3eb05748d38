"""Refunds and disputes of charges. Callers hold ``store.lock``; each is dated in the charge's customer's time."""

from __future__ import annotations

from .clock import in_customer_time
from .errors import invalid
from .objects import build_balance_transaction, build_dispute, build_refund
from .store import Store

REASONS = ("duplicate", "fraudulent", "requested_by_customer")


def _euros(cents: int) -> str:
    return f"€{cents / 100:.2f}"


def create_refund(store: Store, params: dict) -> dict:
    """POST /v1/refunds: refund all that remains of a charge, or ``amount`` of it.

    Emits ``refund.created`` then ``charge.refunded`` (the charge with its new
    ``amount_refunded``, and ``refunded: true`` once nothing remains).
    """
    if "charge" in params and "payment_intent" in params:
        raise invalid("You may only specify one of these parameters: charge, payment_intent.", param="charge")
    if "payment_intent" in params:
        pi = store.get(params["payment_intent"], "payment_intent", param="payment_intent")
        if pi["status"] != "succeeded" or not pi["latest_charge"]:
            raise invalid(
                f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                param="payment_intent",
                code="charge_not_refundable",
            )
        charge = store.objects[pi["latest_charge"]]
    elif "charge" in params:
        charge = store.get(params["charge"], "charge", param="charge")
    else:
        raise invalid(
            "One of the following params should be provided for this request: payment_intent or charge.",
            code="parameter_missing",
        )
    if charge["status"] != "succeeded":
        raise invalid(
            f"Charge {charge['id']} has not succeeded (status {charge['status']}) and cannot be refunded.",
            param="charge",
            code="charge_not_refundable",
        )
    if charge["disputed"]:
        raise invalid(
            f"Charge {charge['id']} has been charged back; cannot issue a refund.",
            param="charge",
            code="charge_disputed",
        )
    return _refund(store, charge, params)


@in_customer_time(lambda store, charge, *args: charge["customer"])
def _refund(store: Store, charge: dict, params: dict) -> dict:
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid(
            f"Charge {charge['id']} has already been refunded.", param="charge", code="charge_already_refunded"
        )
    amount = params.get("amount", remaining)
    if amount <= 0:
        raise invalid("Invalid positive integer", param="amount", code="parameter_invalid_integer")
    if amount > remaining:
        raise invalid(
            f"Refund amount ({_euros(amount)}) is greater than unrefunded amount on charge ({_euros(remaining)})",
            param="amount",
            code="amount_too_large",
        )
    reason = params.get("reason")
    if reason is not None and reason not in REASONS:
        raise invalid("Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer", param="reason")
    now = store.clock.now()
    refund = build_refund(created=now, amount=amount, charge=charge, reason=reason, metadata=params.get("metadata"))
    txn = store.add(
        build_balance_transaction(
            created=now, amount=-amount, fee=0, source=refund["id"], kind="refund", description="REFUND FOR CHARGE"
        )
    )
    refund["balance_transaction"] = txn["id"]
    store.add(refund)
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    store.emit("refund.created", refund)
    store.emit("charge.refunded", charge)
    return refund


@in_customer_time(lambda store, charge, *args, **kwargs: charge["customer"])
def open_dispute(store: Store, charge: dict, amount: int | None = None, reason: str = "fraudulent") -> dict:
    """The cardholder's bank disputes a charge: ``charge.dispute.created`` (and funds withdrawn)."""
    if charge["status"] != "succeeded":
        raise invalid(f"Charge {charge['id']} has not succeeded and cannot be disputed.", param="charge")
    if charge["disputed"]:
        raise invalid(f"Charge {charge['id']} is already disputed.", param="charge")
    now = store.clock.now()
    dispute = build_dispute(
        created=now, charge=charge, amount=amount or charge["amount"] - charge["amount_refunded"], reason=reason
    )
    txn = store.add(
        build_balance_transaction(
            created=now,
            amount=-dispute["amount"],
            fee=1500,
            source=dispute["id"],
            kind="adjustment",
            description=f"Chargeback withdrawal for {charge['id']}",
        )
    )
    dispute["balance_transactions"].append(store.render(txn))
    store.add(dispute)
    charge["disputed"] = True
    store.emit("charge.dispute.created", dispute)
    store.emit("charge.dispute.funds_withdrawn", dispute)
    return dispute


@in_customer_time(lambda store, dispute, *args: store.objects[dispute["charge"]]["customer"])
def close_dispute(store: Store, dispute: dict, outcome: str) -> dict:
    """The bank decides: ``won`` (funds reinstated) or ``lost``; ``charge.dispute.closed``.

    ``appeal`` takes a lost dispute to the 2026 appeal statuses; closing it then decides the appeal.
    """
    if outcome not in ("won", "lost", "appeal"):
        raise invalid("outcome must be won, lost or appeal.", param="outcome")
    if dispute["status"] == "won" or (dispute["status"] == "lost" and outcome != "appeal"):
        raise invalid(f"Dispute {dispute['id']} is already closed ({dispute['status']}).", param="id")
    if outcome == "appeal":  # 2026: a lost dispute appealed, under the bank's review again
        if dispute["status"] != "lost":
            raise invalid(f"Dispute {dispute['id']} is not lost: nothing to appeal.", param="id")
        for status in ("appeal_needs_response", "appeal_under_review"):
            dispute["status"] = status
            store.emit("charge.dispute.updated", dispute)
        return dispute
    dispute["status"] = outcome
    dispute["is_charge_refundable"] = False
    if outcome == "won":
        txn = store.add(
            build_balance_transaction(
                created=store.clock.now(),
                amount=dispute["amount"],
                fee=-1500,
                source=dispute["id"],
                kind="adjustment",
                description=f"Chargeback reversal for {dispute['charge']}",
            )
        )
        dispute["balance_transactions"].append(store.render(txn))
    store.emit("charge.dispute.closed", dispute)
    if outcome == "won":
        store.emit("charge.dispute.funds_reinstated", dispute)
    return dispute


def fail_refund(store: Store, refund: dict, reason: str) -> dict:
    """A refund the card's bank refused: the money is back on the balance, the charge's
    ``amount_refunded`` goes down; ``refund.failed``, ``refund.updated`` and ``charge.refund.updated``."""
    if refund["status"] in ("failed", "canceled"):
        raise invalid(f"Refund {refund['id']} has already {refund['status']}.", param="id")
    refund.update(status="failed", failure_reason=reason)
    charge = store.objects[refund["charge"]]
    charge["amount_refunded"] = max(0, charge["amount_refunded"] - refund["amount"])
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    store.add(
        build_balance_transaction(
            created=store.clock.now(),
            amount=refund["amount"],
            fee=0,
            source=refund["id"],
            kind="refund_failure",
            description="REFUND FAILURE",
        )
    )
    store.emit("refund.failed", refund)
    store.emit("refund.updated", refund)
    store.emit("charge.refund.updated", refund)
    return refund
