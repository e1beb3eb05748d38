"""/_sandbox control endpoints for tests and demos (never called by the donation service).

They take form fields or a JSON object and answer JSON. Errors use Stripe's
error shape so one helper can read both.
"""

from __future__ import annotations

import functools

from flask import Blueprint, request

from . import charging, checkout_flow, payouts, refunds, subscriptions
from .api_support import json_response, sandbox
from .errors import StripeError, invalid
from .hosted import set_default_card

bp = Blueprint("stripe_control", __name__, url_prefix="/_sandbox")


def _input() -> dict:
    data = request.get_json(silent=True)
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if v is not None}
    return request.form.to_dict()


def _flag(value) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on")


def control(view):
    """Run under the store lock; StripeError becomes a JSON error answer."""

    @functools.wraps(view)
    def run(**kwargs):
        box = sandbox()
        with box.store.lock:
            try:
                body = view(box, _input(), **kwargs)
            except StripeError as error:
                return json_response(error.body(), error.status)
        return json_response(body)

    return run


def _pay_answer(store, session: dict, result: checkout_flow.PayResult) -> dict:
    return {
        "session": session["id"],
        "session_status": session["status"],
        "payment_status": session["payment_status"],
        "payment_intent": result.payment_intent,
        "subscription": session["subscription"],
        "invoice": session["invoice"],
        "customer": session["customer"],
        "status": result.status,
        "declined": result.status == "declined",
        "requires_action": result.status == "requires_action",
        "message": result.message,
    }


@bp.post("/checkout/<session_id>/pay")
@control
def pay(box, data, session_id):
    """What the hosted page does when a person pays: ``card`` or ``iban`` (+ name, email, expiry, cvc).

    ``authenticate=complete|fail`` answers the 3-D Secure step of 4000 0025 0000 3155 at once.
    """
    store = box.store
    session = store.get(session_id, "checkout.session", param="session")
    pending = "pending_authentication" in store.private[session_id]
    if data.get("card") or data.get("iban") or not pending:
        if not data.get("card") and not data.get("iban"):
            raise invalid("Give a test `card` number or an `iban`.", param="card")
        if data.get("iban"):
            name = data.get("name") or "Jenny Rosen"
            email = data.get("email") or session["customer_email"] or "donor@example.org"
            result = checkout_flow.pay(store, session, iban=data["iban"], name=name, email=email)
        else:
            result = checkout_flow.pay(
                store,
                session,
                card=str(data["card"]),
                expiry=data.get("expiry", "12/34"),
                cvc=str(data.get("cvc", "123")),
                name=data.get("name"),
                email=data.get("email"),
            )
    else:
        result = checkout_flow.PayResult("requires_action")
    if result.status == "requires_action" and data.get("authenticate") in ("complete", "fail"):
        result = checkout_flow.authenticate(store, session, data["authenticate"] == "complete")
    if result.status == "invalid":
        raise invalid(result.message or "Invalid payment details.", param=result.field)
    if result.status == "closed":
        raise StripeError(f"Checkout Session {session_id} is {session['status']}, not open.", status=409)
    return _pay_answer(store, session, result)


@bp.post("/payment_intents/<pi_id>/settle")
@control
def settle(box, data, pi_id):
    """Settle a processing SEPA debit now, as its IBAN says (or fail it with ``fail=1``)."""
    pi = box.store.get(pi_id, "payment_intent")
    if _flag(data.get("fail")):
        box.store.private[pi_id]["force_failure"] = True
    succeeded = checkout_flow.settle_intent(box.store, pi)
    return {"payment_intent": pi_id, "status": pi["status"], "succeeded": succeeded, "charge": pi["latest_charge"]}


@bp.post("/subscriptions/<sub_id>/advance")
@control
def advance(box, data, sub_id):
    """Bill the subscription's next period (its customer's time moves to its current period's end; no one else's)."""
    store = box.store
    sub = store.get(sub_id, "subscription")
    invoice = subscriptions.advance(
        store,
        sub,
        force_failure=_flag(data.get("fail")),
        final=_flag(data.get("final")),
        force_action=_flag(data.get("action")),
    )
    payment = next((p for p in store.all("invoice_payment") if invoice and p["invoice"] == invoice["id"]), None)
    return {
        "subscription": sub_id,
        "status": sub["status"],
        "invoice": invoice["id"] if invoice else None,
        "invoice_status": invoice["status"] if invoice else None,
        "payment_intent": payment["payment"]["payment_intent"] if payment else None,
        "now": store.clock.now(sub["customer"]),
    }


@bp.post("/customers/<customer_id>/card")
@control
def replace_card(box, data, customer_id):
    """Save a new default card for a customer, as the billing portal does (e.g. 4000 0000 0000 0341)."""
    store = box.store
    customer = store.get(customer_id, "customer")
    try:
        pm = charging.card_payment_method(
            store,
            str(data.get("card", "")),
            data.get("expiry", "12/34"),
            str(data.get("cvc", "123")),
            data.get("name"),
            customer["email"],
        )
    except charging.PaymentInputError as error:
        raise invalid(error.message, param="card") from None
    set_default_card(store, customer, pm)
    return {"customer": customer_id, "payment_method": pm["id"]}


@bp.post("/charges/<charge_id>/dispute")
@control
def dispute(box, data, charge_id):
    """Open a dispute on a charge (status needs_response)."""
    charge = box.store.get(charge_id, "charge")
    amount = int(data["amount"]) if data.get("amount") else None
    created = refunds.open_dispute(box.store, charge, amount, data.get("reason", "fraudulent"))
    return {"dispute": created["id"], "status": created["status"], "charge": charge_id, "amount": created["amount"]}


@bp.post("/disputes/<dispute_id>/close")
@control
def close_dispute(box, data, dispute_id):
    """Close a dispute with ``outcome=won|lost``."""
    closed = refunds.close_dispute(box.store, box.store.get(dispute_id, "dispute"), data.get("outcome", ""))
    return {"dispute": dispute_id, "status": closed["status"], "charge": closed["charge"]}


@bp.post("/subscriptions/<sub_id>/paused")
@control
def subscription_paused(box, data, sub_id):
    """The subscription's status becomes paused (a trial ended without a payment method)."""
    sub = subscriptions.set_paused(box.store, box.store.get(sub_id, "subscription"), True)
    return {"subscription": sub_id, "status": sub["status"]}


@bp.post("/subscriptions/<sub_id>/resumed")
@control
def subscription_resumed(box, data, sub_id):
    """A paused subscription is resumed: active again."""
    sub = subscriptions.set_paused(box.store, box.store.get(sub_id, "subscription"), False)
    return {"subscription": sub_id, "status": sub["status"]}


@bp.post("/refunds/<refund_id>/fail")
@control
def fail_refund(box, data, refund_id):
    """The card's bank could not take a refund back (``failure_reason``, default ``expired_or_canceled_card``)."""
    failed = refunds.fail_refund(
        box.store, box.store.get(refund_id, "refund"), data.get("reason") or "expired_or_canceled_card"
    )
    return {"refund": refund_id, "status": failed["status"], "charge": failed["charge"]}


@bp.post("/payouts")
@control
def pay_out(box, data):
    """Pay out the balance now (every balance transaction not paid out yet): payout.created, payout.paid."""
    arrival = int(data["arrival_date"]) if data.get("arrival_date") else None
    payout = payouts.pay_out(box.store, arrival)
    return {
        "payout": payout["id"],
        "amount": payout["amount"],
        "status": payout["status"],
        "arrival_date": payout["arrival_date"],
    }


@bp.post("/balance/defer")
@control
def defer_booking(box, data):
    """``on=1``: succeeded charges get their balance transaction only when booked (``/charges/<id>/book``)."""
    payouts.defer_booking(box.store, _flag(data.get("on", "1")))
    return {"deferred": payouts.booking_deferred(box.store)}


@bp.post("/charges/<charge_id>/book")
@control
def book_charge(box, data, charge_id):
    """Book a charge's balance transaction now (its fee as Stripe charges it): charge.updated."""
    charge = box.store.get(charge_id, "charge")
    fee = charging.fee_of(charge["amount"], charge["payment_method_details"]["type"])
    txn = payouts.book_charge(box.store, charge, fee)
    return {"charge": charge_id, "balance_transaction": txn["id"], "fee": txn["fee"], "net": txn["net"]}


@bp.get("/webhooks")
@control
def webhooks_status(box, data):
    return box.webhook_status()


@bp.post("/webhooks/pause")
@control
def webhooks_pause(box, data):
    if box.dispatcher:
        box.dispatcher.pause()
    return box.webhook_status()


@bp.post("/webhooks/resume")
@control
def webhooks_resume(box, data):
    if box.dispatcher:
        box.dispatcher.resume()
    return box.webhook_status()


@bp.post("/faults/lose-answers")
@control
def lose_answers(box, data):
    """Carry out the next ``count`` (default 1) requests to ``path`` (``method``, default POST) but
    hang up before answering: a lost answer, for testing retries. ``count=0`` stops it."""
    path = str(data.get("path") or "")
    if not path.startswith("/v1/"):
        raise invalid("Give the `path` of an API request, such as /v1/checkout/sessions.", param="path")
    try:
        count = int(data.get("count", 1))
    except (TypeError, ValueError):
        raise invalid("count must be an integer.", param="count") from None
    method = str(data.get("method") or "POST").upper()
    box.lose_answers(method, path, count)
    return {"method": method, "path": path, "count": max(count, 0)}


@bp.post("/account/sepa_debit")
@control
def account_sepa_debit(box, data):
    """Turn SEPA Direct Debit ``on`` (default) or ``off`` for the account, as its Dashboard settings would."""
    from .account_api import set_sepa_debit

    enabled = str(data.get("enabled", "on")).lower() in ("1", "true", "yes", "on")
    set_sepa_debit(box.store, enabled)
    return {"sepa_debit": "on" if enabled else "off"}


@bp.post("/billing_portal/default")
@control
def portal_default(box, data):
    """``saved=off``: the account's portal settings were never saved in the Dashboard, so a portal
    session needs a ``configuration`` made through the API (``saved=on`` by default)."""
    box.store.portal_default_saved = _flag(data.get("saved", "on"))
    return {"default_saved": box.store.portal_default_saved}


@bp.post("/reset")
@control
def reset(box, data):
    """Forget everything: objects, events, idempotency keys, pending deliveries, the clock's offsets."""
    box.reset()
    return {"reset": True}


@bp.post("/clock/advance")
@control
def clock_advance(box, data):
    """Move the whole world ``seconds`` forward (every customer too); open sessions past ``expires_at`` expire."""
    seconds = data.get("seconds", 0)
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        raise invalid("seconds must be an integer.", param="seconds") from None
    now = box.store.clock.advance(seconds)
    box.expire_due()
    return {"now": now}


@bp.get("/clock")
@control
def clock(box, data):
    """The world's time, or with ``?customer=cus_...`` that customer's (ahead once its subscription renewed)."""
    customer = request.args.get("customer")
    if customer:
        box.store.get(customer, "customer", param="customer")
        return {"now": box.store.clock.now(customer), "customer": customer}
    return {"now": box.store.clock.now()}
