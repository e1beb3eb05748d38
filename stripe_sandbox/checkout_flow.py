"""Checkout Sessions: creation, what paying does, SEPA settlement, expiry.

The hosted page and the control endpoint both call ``pay``; a SEPA debit is
settled later by ``settle_intent`` (a timer, or the control endpoint).
Callers hold ``store.lock``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import charging, subscriptions
from .cards import DECLINE_MESSAGES
from .clock import in_customer_time
from .errors import invalid
from .objects import (
    build_checkout_line_item,
    build_checkout_session,
    build_customer_details,
    build_payment_intent,
    build_price,
    build_product,
    new_checkout_session_id,
)
from .store import Store

SUPPORTED_METHODS = ("card", "sepa_debit")
DAY = 86400
MAX_AMOUNT = 99_999_999


@dataclass
class PayResult:
    """What a payment attempt on a session did."""

    status: str  # succeeded, processing, declined, requires_action, invalid, closed
    message: str | None = None
    payment_intent: str | None = None
    field: str | None = None


def create_session(store: Store, params: dict) -> dict:
    """POST /v1/checkout/sessions, with Stripe's cross-parameter rules."""
    mode = params.get("mode")
    if mode is None:
        raise invalid("Missing required param: mode.", param="mode", code="parameter_missing")
    if mode not in ("payment", "subscription"):
        raise invalid(f"The sandbox supports mode payment or subscription, not {mode!r}.", param="mode")
    items = params.get("line_items") or []
    if not items:
        raise invalid(
            "line_items is required in payment and subscription mode.", param="line_items", code="parameter_missing"
        )
    if "customer" in params and "customer_email" in params:
        raise invalid("You may only specify one of these parameters: customer, customer_email.", param="customer_email")
    submit_type = params.get("submit_type")
    if submit_type and mode == "subscription" and submit_type not in ("auto", "subscribe"):
        raise invalid(
            f"submit_type `{submit_type}` cannot be used in subscription mode; use `auto` or "
            f"`subscribe` (`donate`, `book` and `pay` are for payment mode).",
            param="submit_type",
        )
    if submit_type == "subscribe" and mode == "payment":
        raise invalid("submit_type `subscribe` can only be used in subscription mode.", param="submit_type")
    if mode == "payment" and "subscription_data" in params:
        raise invalid("You can not pass `subscription_data` in `payment` mode.", param="subscription_data")
    if mode == "subscription" and "payment_intent_data" in params:
        raise invalid("You can not pass `payment_intent_data` in `subscription` mode.", param="payment_intent_data")
    if mode == "subscription" and "customer_creation" in params:
        raise invalid("`customer_creation` can only be used in `payment` mode.", param="customer_creation")
    _refuse_unsupported(params)
    methods = params.get("allowed_payment_method_types") or ["card"]
    for i, method in enumerate(methods):
        if method not in SUPPORTED_METHODS:
            raise invalid(
                f"The payment method type {method!r} is not supported by the sandbox (card, sepa_debit).",
                param=f"allowed_payment_method_types[{i}]",
            )
    customer = None
    if "customer" in params:
        customer = store.get(params["customer"], "customer", param="customer")
    now = store.clock.now()
    expires_at = params.get("expires_at", now + DAY)
    if not now + 30 * 60 <= expires_at <= now + DAY:
        raise invalid(
            "The `expires_at` timestamp must be between 30 minutes and 24 hours from Checkout Session creation.",
            param="expires_at",
        )
    lines = [_line_item(store, item, mode, i) for i, item in enumerate(items)]
    currencies = {line["price"]["currency"] for line in lines}
    if len(currencies) > 1:
        raise invalid("All line_items must use the same currency.", param="line_items")
    currency = currencies.pop()
    if "sepa_debit" in methods and currency != "eur":
        raise invalid("sepa_debit requires currency eur.", param="allowed_payment_method_types")
    for key in ("success_url", "cancel_url"):
        if key in params and not params[key].startswith(("http://", "https://")):
            raise invalid("Not a valid URL", param=key, code="url_invalid")
    if "success_url" not in params:
        raise invalid("Missing required param: success_url.", param="success_url", code="parameter_missing")
    session_id = new_checkout_session_id()
    session = build_checkout_session(
        session_id=session_id,
        created=now,
        expires_at=expires_at,
        mode=mode,
        url=f"{store.public_url}/checkout/{session_id}",
        amount_total=sum(line["amount_total"] for line in lines),
        currency=currency,
        payment_method_types=methods,
        allowed_payment_method_types=params.get("allowed_payment_method_types"),
        success_url=params.get("success_url"),
        cancel_url=params.get("cancel_url"),
        customer=customer["id"] if customer else None,
        customer_email=params.get("customer_email"),
        client_reference_id=params.get("client_reference_id"),
        metadata=params.get("metadata"),
        locale=params.get("locale"),
        submit_type=submit_type,
        billing_address_collection=params.get("billing_address_collection"),
        customer_creation=params.get("customer_creation"),
    )
    store.add(session)
    private = store.private[session_id]
    private["line_items"] = lines
    pi_data = params.get("payment_intent_data", {})
    sub_data = params.get("subscription_data", {})
    private.update(
        pi_metadata=pi_data.get("metadata", {}),
        pi_description=pi_data.get("description"),
        subscription_metadata=sub_data.get("metadata", {}),
        subscription_description=sub_data.get("description"),
    )
    return session


def _refuse_unsupported(params: dict) -> None:
    # Valid Stripe parameters that would change what Stripe returns but that the
    # sandbox does not simulate: refused loudly rather than silently ignored.
    if params.get("ui_mode", "hosted_page") not in ("hosted_page", "hosted"):
        raise invalid("The sandbox only serves the hosted Checkout page (ui_mode hosted_page).", param="ui_mode")
    if (params.get("invoice_creation") or {}).get("enabled"):
        raise invalid(
            "The sandbox does not create invoices in payment mode (invoice_creation).",
            param="invoice_creation[enabled]",
        )
    if (params.get("automatic_tax") or {}).get("enabled"):
        raise invalid("The sandbox does not compute taxes (automatic_tax).", param="automatic_tax[enabled]")
    if params.get("discounts"):
        raise invalid("The sandbox does not apply discounts.", param="discounts")


def _line_item(store: Store, item: dict, mode: str, index: int) -> dict:
    param = f"line_items[{index}]"
    quantity = item.get("quantity", 1)
    if quantity < 1:
        raise invalid("Quantity must be at least 1.", param=f"{param}[quantity]")
    now = store.clock.now()
    if "price" in item:
        price = store.get(item["price"], "price", param=f"{param}[price]")
        product = store.objects[price["product"]]
    elif "price_data" in item:
        data = item["price_data"]
        if "unit_amount" not in data:
            raise invalid("The sandbox needs price_data[unit_amount].", param=f"{param}[price_data][unit_amount]")
        if data["unit_amount"] < 1:
            raise invalid("Invalid integer: unit_amount must be positive.", param=f"{param}[price_data][unit_amount]")
        if data["unit_amount"] > MAX_AMOUNT:
            # Stripe takes amounts of at most 8 digits (999 999,99 EUR).
            raise invalid(
                f"This value must be less than or equal to {MAX_AMOUNT} (it currently is '{data['unit_amount']}').",
                param=f"{param}[price_data][unit_amount]",
            )
        if "product_data" in data:
            pdata = data["product_data"]
            product = store.add(
                build_product(
                    created=now,
                    name=pdata["name"],
                    description=pdata.get("description"),
                    metadata=pdata.get("metadata"),
                )
            )
        elif "product" in data:
            product = store.get(data["product"], "product", param=f"{param}[price_data][product]")
        else:
            raise invalid("One of product or product_data is required.", param=f"{param}[price_data]")
        recurring = data.get("recurring")
        price = store.add(
            build_price(
                created=now,
                product=product["id"],
                unit_amount=data["unit_amount"],
                currency=data["currency"],
                interval=recurring["interval"] if recurring else None,
                interval_count=recurring.get("interval_count", 1) if recurring else 1,
            )
        )
    else:
        raise invalid("One of price or price_data is required.", param=param, code="parameter_missing")
    recurring = price["recurring"]
    if mode == "payment" and recurring:
        raise invalid("You must be in `subscription` mode to use recurring prices.", param=param)
    if mode == "subscription" and not recurring:
        raise invalid(
            "`subscription` mode needs at least one recurring price; the sandbox bills only recurring line items.",
            param=param,
        )
    return build_checkout_line_item(price=price, product=product, quantity=quantity)


def expire_due(store: Store) -> None:
    """Expire open sessions whose ``expires_at`` has passed (checked lazily on each request)."""
    now = store.clock.now()
    for session in store.all("checkout.session"):
        if session["status"] == "open" and session["expires_at"] <= now:
            expire(store, session)


def expire(store: Store, session: dict) -> dict:
    """Expire an open session (``checkout.session.expired``)."""
    if session["status"] != "open":
        raise invalid(
            f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session '
            f'has a status of "{session["status"]}".',
            param="session",
        )
    session["status"] = "expired"
    store.emit("checkout.session.expired", session)
    return session


def pay(
    store: Store,
    session: dict,
    *,
    card: str | None = None,
    expiry: str = "12/34",
    cvc: str = "123",
    iban: str | None = None,
    name: str | None = None,
    email: str | None = None,
) -> PayResult:
    """A person submits the hosted payment form with a card or an IBAN."""
    expire_due(store)
    if session["status"] != "open":
        return PayResult("closed", f"Session {session['status']}.")
    method = "sepa_debit" if iban else "card"
    if method not in session["payment_method_types"]:
        return PayResult("invalid", f"Payment method {method} is not allowed for this session.", field=method)
    known = store.find(session["customer"])
    email = email or session["customer_email"] or (known["email"] if known else None)
    try:
        if method == "card":
            pm = charging.card_payment_method(store, card or "", expiry, cvc, name, email)
        else:
            pm = charging.sepa_payment_method(store, iban, name, email)  # type: ignore[arg-type]
    except charging.PaymentInputError as error:
        return PayResult("invalid", error.message, field=error.field)
    return _confirm(store, session, pm, authenticated=False)


def authenticate(store: Store, session: dict, complete: bool) -> PayResult:
    """The outcome of the 3-D Secure challenge shown for 4000 0025 0000 3155."""
    pending = store.private[session["id"]].pop("pending_authentication", None)
    if session["status"] != "open" or pending is None:
        return PayResult("closed", "No authentication is pending for this session.")
    pm = store.objects[pending]
    if not complete:
        pi = store.find(session["payment_intent"])
        if pi is not None:
            charging.fail_authentication(store, pi)
        return PayResult(
            "declined",
            "L'authentification a échoué. / Authentication failed.",
            payment_intent=session["payment_intent"],
        )
    return _confirm(store, session, pm, authenticated=True)


def _confirm(store: Store, session: dict, pm: dict, authenticated: bool) -> PayResult:
    behaviour = store.private[pm["id"]].get("card")
    if session["mode"] == "subscription":
        # The sandbox confirms the card before creating the subscription, so a
        # declined card or an abandoned 3-D Secure leaves no half-made objects.
        if behaviour and behaviour.outcome in ("declined", "attach_then_decline"):
            return PayResult("declined", _decline_text(DECLINE_MESSAGES.get(behaviour.decline_code)))
        if behaviour and behaviour.outcome == "authenticate" and not authenticated:
            store.private[session["id"]]["pending_authentication"] = pm["id"]
            return PayResult("requires_action")
        customer = _complete_customer(store, session, pm)
        charging.attach(store, pm, customer)
        outcome = subscriptions.start(store, session, customer, pm, authenticated=authenticated)
        return _completed(store, session, outcome)
    pi = store.find(session["payment_intent"])
    if behaviour is None or behaviour.outcome not in ("declined", "attach_then_decline"):
        customer = _complete_customer(store, session, pm)
    else:
        customer = store.find(session["customer"])  # type: ignore[assignment]
    if pi is None:
        data = store.private[session["id"]]
        pi = store.add(
            build_payment_intent(
                created=store.clock.now(),
                amount=session["amount_total"],
                currency=session["currency"],
                customer=customer["id"] if customer else None,
                description=data.get("pi_description"),
                metadata=data.get("pi_metadata"),
                payment_method_types=session["payment_method_types"],
            )
        )
        session["payment_intent"] = pi["id"]
        store.private[pi["id"]]["session"] = session["id"]
        store.emit("payment_intent.created", pi)
    elif customer is not None:
        pi["customer"] = customer["id"]
    outcome = charging.confirm(store, pi, pm, on_session=True, authenticated=authenticated)
    if outcome == "requires_action":
        store.private[session["id"]]["pending_authentication"] = pm["id"]
        return PayResult("requires_action", payment_intent=pi["id"])
    if outcome == "declined":
        return PayResult("declined", _decline_text(pi["last_payment_error"]["message"]), payment_intent=pi["id"])
    return _completed(store, session, outcome)


def _decline_text(message: str | None) -> str:
    return f"Votre carte a été refusée. / {message or 'Your card was declined.'}"


def _complete_customer(store: Store, session: dict, pm: dict) -> dict:
    billing = pm["billing_details"]
    customer = charging.ensure_customer(
        store, session["customer"], billing["email"] or session["customer_email"], billing["name"]
    )
    session["customer"] = customer["id"]
    session["customer_details"] = build_customer_details(
        email=customer["email"] or billing["email"], name=billing["name"], address=billing["address"]
    )
    return customer


def _completed(store: Store, session: dict, outcome: str) -> PayResult:
    session["status"] = "complete"
    session["payment_status"] = "paid" if outcome == "succeeded" else "unpaid"
    store.emit("checkout.session.completed", session)
    pi_id = session["payment_intent"]
    if session["mode"] == "subscription":
        invoice = store.objects[session["invoice"]]
        pi_id = next(
            (p["payment"]["payment_intent"] for p in store.all("invoice_payment") if p["invoice"] == invoice["id"]),
            None,
        )
    return PayResult(outcome, payment_intent=pi_id)


@in_customer_time(lambda store, pi: pi["customer"])
def settle_intent(store: Store, pi: dict) -> bool:
    """Settle a processing SEPA debit now, with what follows for its invoice and session."""
    if pi["status"] != "processing":
        raise invalid(f"PaymentIntent {pi['id']} is not processing (status {pi['status']}).", param="id")
    succeeded = charging.settle(store, pi)
    invoice = store.find(store.private[pi["id"]].get("invoice"))
    if invoice is not None:
        if succeeded:
            subscriptions.mark_paid(store, invoice, pi)
        else:
            subscriptions.payment_failed(store, invoice)
    session = store.find(store.private[pi["id"]].get("session"))
    if session is None and invoice is not None:
        session = next((s for s in store.all("checkout.session") if s["invoice"] == invoice["id"]), None)
    if session is not None and session["payment_status"] == "unpaid" and session["status"] == "complete":
        if succeeded:
            session["payment_status"] = "paid"
            store.emit("checkout.session.async_payment_succeeded", session)
        else:
            store.emit("checkout.session.async_payment_failed", session)
    return succeeded
