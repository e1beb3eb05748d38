"""Subscriptions: creation from Checkout, renewals, updates, pauses and cancellation.

Callers hold ``store.lock``. A renewal ("advance") moves its customer's time
to the end of the subscription's current period, as a Stripe test clock would,
then bills the next period; everything done for a subscription is dated in its
customer's time (clock.py), so no other customer's time moves.
"""

from __future__ import annotations

from . import charging
from .billing_objects import (
    build_invoice,
    build_invoice_line,
    build_invoice_payment,
    build_subscription,
    build_subscription_item,
)
from .clock import add_interval, in_customer_time
from .errors import invalid, no_such
from .objects import build_payment_intent, build_price
from .store import Store


def diff(before: dict, after: dict) -> dict:
    """``previous_attributes`` of an ``*.updated`` event: old values of the top-level fields that changed."""
    return {key: before.get(key) for key in after if before.get(key) != after.get(key)}


def emit_updated(store: Store, sub: dict, before: dict) -> None:
    changes = diff(before, store.render(sub))
    if changes:
        store.emit("customer.subscription.updated", sub, previous_attributes=changes)


@in_customer_time(lambda store, session, customer, *args, **kwargs: customer["id"])
def start(store: Store, session: dict, customer: dict, pm: dict, *, authenticated: bool) -> str:
    """Create the subscription of a completed Checkout Session and bill its first invoice.

    Returns the first payment's outcome (succeeded or processing).
    """
    now = store.clock.now()
    data = store.private[session["id"]]
    sub = build_subscription(
        created=now,
        customer=customer["id"],
        currency=session["currency"],
        metadata=data.get("subscription_metadata"),
        description=data.get("subscription_description"),
        default_payment_method=pm["id"],
    )
    for line in data["line_items"]:
        price = line["price"]
        end = add_interval(now, price["recurring"]["interval"], price["recurring"]["interval_count"])
        item = build_subscription_item(
            created=now,
            price=price,
            subscription=sub["id"],
            period_start=now,
            period_end=end,
            quantity=line["quantity"],
        )
        store.add(item)
        sub["items"]["data"].append(item)
    sub["items"]["total_count"] = len(sub["items"]["data"])
    sub["status"] = "incomplete"  # as Stripe: active once the first invoice is paid
    store.add(sub)
    store.private[sub["id"]]["cycles"] = 0
    invoice = _draft_invoice(store, sub, "subscription_create", now, now)
    store.emit("customer.subscription.created", sub)
    store.emit("invoice.created", invoice)
    session["subscription"], session["invoice"] = sub["id"], invoice["id"]
    outcome = _finalize_and_pay(store, invoice, pm, on_session=True, authenticated=authenticated)
    if outcome == "processing" and sub["status"] == "incomplete":  # a SEPA debit on its way counts
        before = store.render(sub)
        sub["status"] = "active"
        emit_updated(store, sub, before)
    return outcome


def _draft_invoice(store: Store, sub: dict, reason: str, period_start: int, period_end: int) -> dict:
    customer = store.objects[sub["customer"]]
    invoice = build_invoice(
        created=store.clock.now(),
        customer=customer,
        subscription=sub,
        billing_reason=reason,
        lines=[],
        period_start=period_start,
        period_end=period_end,
    )
    for item in sub["items"]["data"]:
        product = store.find(item["price"]["product"])
        invoice["lines"]["data"].append(
            build_invoice_line(
                invoice=invoice["id"],
                item=item,
                subscription=sub,
                period_start=item["current_period_start"],
                period_end=item["current_period_end"],
                product_name=product["name"] if product else "Abonnement",
            )
        )
    total = sum(line["amount"] for line in invoice["lines"]["data"])
    invoice.update(
        amount_due=total,
        amount_remaining=total,
        subtotal=total,
        subtotal_excluding_tax=total,
        total=total,
        total_excluding_tax=total,
    )
    invoice["lines"]["total_count"] = len(invoice["lines"]["data"])
    store.add(invoice)
    sub["latest_invoice"] = invoice["id"]
    return invoice


def _finalize(store: Store, invoice: dict) -> None:
    customer = store.objects[invoice["customer"]]
    invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence']:04d}"
    customer["next_invoice_sequence"] += 1
    now = store.clock.now()
    invoice.update(status="open", effective_at=now)
    invoice["status_transitions"]["finalized_at"] = now
    store.emit("invoice.finalized", invoice)


def _finalize_and_pay(
    store: Store,
    invoice: dict,
    pm: dict | None,
    *,
    on_session: bool,
    authenticated: bool = False,
    force_failure: bool = False,
    final: bool = False,
    force_action: bool = False,
) -> str:
    _finalize(store, invoice)
    if invoice["amount_due"] == 0:
        mark_paid(store, invoice)
        return "succeeded"
    first = invoice["billing_reason"] == "subscription_create"
    pi = build_payment_intent(
        created=store.clock.now(),
        amount=invoice["amount_due"],
        currency=invoice["currency"],
        customer=invoice["customer"],
        description="Subscription creation" if first else "Subscription update",
        payment_method_types=[pm["type"]] if pm else ["card"],
    )
    store.add(pi)
    store.private[pi["id"]]["invoice"] = invoice["id"]
    store.add(build_invoice_payment(created=store.clock.now(), invoice=invoice, payment_intent=pi["id"]))
    store.emit("payment_intent.created", pi)
    invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1)
    if pm is None:
        payment_failed(store, invoice)
        return "declined"
    outcome = charging.confirm(
        store,
        pi,
        pm,
        on_session=on_session,
        authenticated=authenticated,
        force_failure=force_failure,
        force_action=force_action,
    )
    if outcome == "succeeded":
        mark_paid(store, invoice, pi)
    elif outcome == "declined":
        payment_failed(store, invoice, final=final)
    elif outcome == "requires_action":
        invoice["hosted_invoice_url"] = f"{store.public_url or ''}/invoices/{invoice['id']}"
        store.emit("invoice.payment_action_required", invoice)
    return outcome


def mark_paid(store: Store, invoice: dict, pi: dict | None = None) -> None:
    """The invoice's payment arrived: ``invoice.paid`` then ``invoice.payment_succeeded``."""
    now = store.clock.now()
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, next_payment_attempt=None)
    invoice["status_transitions"]["paid_at"] = now
    for payment in store.all("invoice_payment"):
        if pi and payment["payment"]["payment_intent"] == pi["id"]:
            payment.update(status="paid", amount_paid=invoice["amount_due"])
            payment["status_transitions"]["paid_at"] = now
    store.emit("invoice.paid", invoice)
    store.emit("invoice.payment_succeeded", invoice)
    sub = store.find(invoice["parent"]["subscription_details"]["subscription"])
    if sub and sub["status"] in ("past_due", "incomplete"):
        before = store.render(sub)
        sub["status"] = "active"
        emit_updated(store, sub, before)


def payment_failed(store: Store, invoice: dict, *, final: bool = False) -> None:
    """A failed attempt: ``invoice.payment_failed`` and the subscription goes past_due.

    ``final``: Stripe's last retry failed (no next attempt); as Stripe's default
    setting does, the subscription is then canceled for ``payment_failed``.
    """
    invoice["next_payment_attempt"] = None if final else store.clock.now() + 3 * 86400
    store.emit("invoice.payment_failed", invoice)
    sub = store.find(invoice["parent"]["subscription_details"]["subscription"])
    if sub and sub["status"] == "active":
        before = store.render(sub)
        sub["status"] = "past_due"
        emit_updated(store, sub, before)
    if sub and final and sub["status"] != "canceled":
        cancel(store, sub, reason="payment_failed")


@in_customer_time(lambda store, sub, *args, **kwargs: sub["customer"])
def advance(
    store: Store, sub: dict, *, force_failure: bool = False, final: bool = False, force_action: bool = False
) -> dict | None:
    """Bill the next period (moving the customer's time to the current period's end); the new invoice or None."""
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise invalid(f"Subscription {sub['id']} is canceled: it has no next period to bill.", param="id")
    period_end = sub["items"]["data"][0]["current_period_end"]
    store.clock.advance_to(period_end)
    if sub["cancel_at_period_end"]:
        cancel(store, sub, reason="cancellation_requested")
        return None
    before = store.render(sub)
    cycles = store.private[sub["id"]].get("cycles", 0) + 1
    store.private[sub["id"]]["cycles"] = cycles
    for item in sub["items"]["data"]:
        recurring = item["price"]["recurring"]
        item["current_period_start"] = item["current_period_end"]
        item["current_period_end"] = add_interval(
            sub["billing_cycle_anchor"], recurring["interval"], recurring["interval_count"] * (cycles + 1)
        )
    invoice = _draft_invoice(
        store, sub, "subscription_cycle", before["items"]["data"][0]["current_period_start"], period_end
    )
    emit_updated(store, sub, before)
    store.emit("invoice.created", invoice)
    pause = sub["pause_collection"]
    if pause:
        _paused_invoice(store, invoice, pause["behavior"])
        return invoice
    pm = store.find(sub["default_payment_method"]) or store.find(
        store.objects[sub["customer"]]["invoice_settings"]["default_payment_method"]
    )
    _finalize_and_pay(
        store, invoice, pm, on_session=False, force_failure=force_failure, final=final, force_action=force_action
    )
    return invoice


def _paused_invoice(store: Store, invoice: dict, behavior: str) -> None:
    # pause_collection: nothing is charged; the invoice is left as the behavior says.
    now = store.clock.now()
    if behavior == "keep_as_draft":
        return
    _finalize(store, invoice)
    if behavior == "void":
        invoice.update(status="void", amount_remaining=0)
        invoice["status_transitions"]["voided_at"] = now
        store.emit("invoice.voided", invoice)
    else:
        invoice["status"] = "uncollectible"
        invoice["status_transitions"]["marked_uncollectible_at"] = now
        store.emit("invoice.marked_uncollectible", invoice)


@in_customer_time(lambda store, sub, *args, **kwargs: sub["customer"])
def cancel(
    store: Store,
    sub: dict,
    *,
    reason: str = "cancellation_requested",
    comment: str | None = None,
    feedback: str | None = None,
) -> dict:
    """Cancel now: status canceled and ``customer.subscription.deleted``."""
    if sub["status"] == "canceled":
        raise invalid(
            "A canceled subscription can only update its cancellation_details and metadata.", code="resource_missing"
        )
    now = store.clock.now()
    sub.update(status="canceled", canceled_at=now, ended_at=now, cancel_at=None)
    sub["cancellation_details"].update(reason=reason, comment=comment, feedback=feedback)
    store.emit("customer.subscription.deleted", sub)
    return sub


@in_customer_time(lambda store, sub, *args, **kwargs: sub["customer"])
def update(store: Store, sub: dict, params: dict) -> dict:
    """POST /v1/subscriptions/{id}: price change, pause, cancel at period end, metadata."""
    before = store.render(sub)
    structural = {"items", "pause_collection", "cancel_at_period_end", "default_payment_method"}
    if sub["status"] == "canceled" and structural & set(params):
        raise invalid("A canceled subscription can only update its cancellation_details and metadata.")
    for index, item_params in enumerate(params.get("items", [])):
        _update_item(store, sub, index, item_params)
    if "pause_collection" in params:
        pause = params["pause_collection"]
        if pause == "":
            sub["pause_collection"] = None
        else:
            if pause["behavior"] not in ("keep_as_draft", "mark_uncollectible", "void"):
                raise invalid(
                    "Invalid pause_collection[behavior]: must be one of keep_as_draft, mark_uncollectible, or void",
                    param="pause_collection[behavior]",
                )
            sub["pause_collection"] = {"behavior": pause["behavior"], "resumes_at": pause.get("resumes_at")}
    if "cancel_at_period_end" in params:
        flag = params["cancel_at_period_end"]
        sub["cancel_at_period_end"] = flag
        sub["cancel_at"] = sub["items"]["data"][0]["current_period_end"] if flag else None
        sub["canceled_at"] = store.clock.now() if flag else None
        sub["cancellation_details"]["reason"] = "cancellation_requested" if flag else None
    if "cancellation_details" in params:
        details = params["cancellation_details"]
        for key in ("comment", "feedback"):
            if key in details:
                sub["cancellation_details"][key] = details[key] or None
    if "metadata" in params:
        sub["metadata"] = merge_metadata(sub["metadata"], params["metadata"])
    if "description" in params:
        sub["description"] = params["description"] or None
    if "default_payment_method" in params:
        store.get(params["default_payment_method"], "payment_method", param="default_payment_method")
        sub["default_payment_method"] = params["default_payment_method"]
    emit_updated(store, sub, before)
    return sub


def _update_item(store: Store, sub: dict, index: int, item_params: dict) -> None:
    param = f"items[{index}]"
    if "id" not in item_params or item_params.get("deleted"):
        raise invalid(
            "The sandbox only supports changing an existing item's price (items[n][id] with price or price_data).",
            param=param,
        )
    item = next((i for i in sub["items"]["data"] if i["id"] == item_params["id"]), None)
    if item is None:
        raise no_such("subscription_item", item_params["id"], param=f"{param}[id]")
    if "price" in item_params and "price_data" in item_params:
        raise invalid("You may only specify one of these parameters: price, price_data.", param=param)
    if "price" in item_params:
        item["price"] = store.get(item_params["price"], "price", param=f"{param}[price]")
    elif "price_data" in item_params:
        data = item_params["price_data"]
        store.get(data["product"], "product", param=f"{param}[price_data][product]")
        if "unit_amount" not in data:
            raise invalid("The sandbox needs price_data[unit_amount].", param=f"{param}[price_data][unit_amount]")
        recurring = data.get("recurring") or {}
        price = build_price(
            created=store.clock.now(),
            product=data["product"],
            unit_amount=data["unit_amount"],
            currency=data["currency"],
            interval=recurring.get("interval", "month"),
            interval_count=recurring.get("interval_count", 1),
        )
        item["price"] = store.add(price)
    if "quantity" in item_params:
        item["quantity"] = item_params["quantity"]
    elif "price" in item_params or "price_data" in item_params:
        item["quantity"] = 1  # Stripe resets the quantity to 1 on a price change unless given
    if "metadata" in item_params:
        item["metadata"] = merge_metadata(item["metadata"], item_params["metadata"])
    item["plan"].update(
        id=item["price"]["id"], amount=item["price"]["unit_amount"], amount_decimal=item["price"]["unit_amount_decimal"]
    )


def merge_metadata(current: dict, update_with) -> dict:
    """Stripe's metadata update: "" clears all, an empty value deletes a key, others set it."""
    if update_with == "":
        return {}
    merged = dict(current)
    for key, value in update_with.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def set_paused(store: Store, sub: dict, paused: bool) -> dict:
    """Status ``paused`` (a trial ended with no payment method) and back to ``active`` (resumed):
    ``customer.subscription.paused`` / ``resumed``, each with its ``customer.subscription.updated``."""
    wanted, allowed = ("paused", ("active", "trialing")) if paused else ("active", ("paused",))
    if sub["status"] not in allowed:
        raise invalid(f"Subscription {sub['id']} is {sub['status']}: it cannot become {wanted}.", param="id")
    before = store.render(sub)
    sub["status"] = wanted
    store.emit("customer.subscription.paused" if paused else "customer.subscription.resumed", sub)
    emit_updated(store, sub, before)
    return sub
