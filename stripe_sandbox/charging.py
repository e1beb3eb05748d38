"""Payment methods and charges: what happens when a PaymentIntent is confirmed.

Events come out in the order Stripe sends them: ``charge.succeeded`` before
``payment_intent.succeeded``, ``charge.failed`` before
``payment_intent.payment_failed``, ``charge.pending`` before
``payment_intent.processing`` for SEPA debits. Callers hold ``store.lock``.
"""

from __future__ import annotations

import datetime as dt

from . import cards, payouts
from .objects import (
    build_balance_transaction,
    build_charge,
    build_customer,
    build_payment_method,
    card_charge_details,
    new_id,
    sepa_charge_details,
)
from .store import Store

AUTH_FAILURE_MESSAGE = (
    "We are unable to authenticate your payment method. Please choose a different payment method and try again."
)


class PaymentInputError(Exception):
    """What a person typed cannot be used (bad number, past expiry...); nothing was recorded."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def card_payment_method(
    store: Store,
    number: str,
    expiry: str = "12/34",
    cvc: str = "123",
    name: str | None = None,
    email: str | None = None,
) -> dict:
    """A card payment method for one of Stripe's test card numbers."""
    number = cards.normalise_number(number)
    if number not in cards.CARDS:
        if cards.luhn_valid(number):
            raise PaymentInputError(
                "Votre carte a été refusée : utilisez une carte de test. / Your card was "
                "declined: use a test card number in test mode.",
                "card_number",
            )
        raise PaymentInputError("Numéro de carte invalide. / Your card number is invalid.", "card_number")
    parsed = cards.parse_expiry(expiry)
    if parsed is None:
        raise PaymentInputError(
            "Date d'expiration invalide (MM/AA). / Your card's expiration date is invalid (MM/YY).", "expiry"
        )
    today = dt.datetime.fromtimestamp(store.clock.now(), dt.UTC)
    if (parsed[1], parsed[0]) < (today.year, today.month):
        raise PaymentInputError("Votre carte a expiré. / Your card's expiration date is in the past.", "expiry")
    if not (cvc or "").strip().isdigit() or len(cvc.strip()) not in (3, 4):
        raise PaymentInputError("Cryptogramme invalide. / Your card's security code is invalid.", "cvc")
    pm = build_payment_method(
        created=store.clock.now(),
        kind="card",
        details=cards.card_details(number, parsed[0], parsed[1]),
        name=name,
        email=email,
    )
    store.add(pm)
    store.private[pm["id"]]["card"] = cards.CARDS[number]
    return pm


def sepa_payment_method(store: Store, iban: str, name: str | None, email: str | None) -> dict:
    """A SEPA Direct Debit payment method (and its mandate) for one of Stripe's test IBANs."""
    iban = cards.normalise_iban(iban)
    if not name or not (email and "@" in email):
        raise PaymentInputError(
            "Nom du titulaire et e-mail requis. / Account holder name and email are required.", "account_holder"
        )
    if iban not in cards.IBANS:
        if cards.iban_valid(iban):
            raise PaymentInputError(
                "Utilisez un IBAN de test, p. ex. FR1420041010050500013M02606. / Use a test "
                "IBAN in test mode, e.g. FR1420041010050500013M02606.",
                "iban",
            )
        raise PaymentInputError("IBAN invalide. / Your IBAN is invalid.", "iban")
    pm = build_payment_method(
        created=store.clock.now(), kind="sepa_debit", details=cards.sepa_details(iban), name=name, email=email
    )
    store.add(pm)
    store.private[pm["id"]].update(iban=cards.IBANS[iban], mandate=new_id("mandate_"))
    return pm


def ensure_customer(store: Store, customer_id: str | None, email: str | None, name: str | None) -> dict:
    """The given customer, or a new one (``customer.created``) as Checkout creates it."""
    if customer_id:
        return store.objects[customer_id]
    customer = store.add(build_customer(created=store.clock.now(), email=email, name=name))
    store.emit("customer.created", customer)
    return customer


def attach(store: Store, pm: dict, customer: dict) -> None:
    """Attach a payment method to a customer (``payment_method.attached``)."""
    if pm["customer"] != customer["id"]:
        pm["customer"] = customer["id"]
        store.emit("payment_method.attached", pm)


def fee_of(amount: int, kind: str) -> int:
    # Stripe's standard EEA pricing: 1.5 % + 0.25 EUR for cards, 0.35 EUR per SEPA debit.
    return 35 if kind == "sepa_debit" else round(amount * 0.015) + 25


def _ledger(store: Store, charge: dict) -> None:
    if payouts.booking_deferred(store):
        return  # booked later (control endpoint), announced by charge.updated
    txn = build_balance_transaction(
        created=store.clock.now(),
        amount=charge["amount"],
        fee=fee_of(charge["amount"], charge["payment_method_details"]["type"]),
        source=charge["id"],
        description=charge["description"],
    )
    store.add(txn)
    charge["balance_transaction"] = txn["id"]


def _new_charge(
    store: Store,
    pi: dict,
    pm: dict,
    status: str,
    authenticated: bool,
    failure_code: str | None = None,
    failure_message: str | None = None,
) -> dict:
    if pm["type"] == "card":
        details = card_charge_details(pm["card"], three_d_secure=authenticated)
    else:
        details = sepa_charge_details(pm["sepa_debit"], store.private[pm["id"]]["mandate"])
    # Stripe copies the PaymentIntent's metadata onto the charge once, when the charge is made.
    charge = build_charge(
        created=store.clock.now(),
        amount=pi["amount"],
        currency=pi["currency"],
        payment_intent=pi["id"],
        payment_method=pm,
        details=details,
        customer=pi["customer"],
        description=pi["description"],
        metadata=pi["metadata"],
        status=status,
        failure_code=failure_code,
        failure_message=failure_message,
    )
    store.add(charge)
    pi["latest_charge"] = charge["id"]
    pi["payment_method"] = pm["id"]
    return charge


def _decline(store: Store, pi: dict, pm: dict, decline_code: str, authenticated: bool = False) -> str:
    code = cards.DECLINE_CODES.get(decline_code, "card_declined")
    message = cards.DECLINE_MESSAGES.get(decline_code, "Your card was declined.")
    charge = _new_charge(store, pi, pm, "failed", authenticated, code, message)
    pi.update(
        status="requires_payment_method",
        payment_method=None,
        last_payment_error={
            "type": "card_error",
            "code": code,
            "decline_code": decline_code,
            "message": message,
            "charge": charge["id"],
            "doc_url": "https://stripe.com/docs/error-codes/" + code.replace("_", "-"),
            "payment_method": store.render(pm),
            "param": None,
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
        },
    )
    store.emit("charge.failed", charge)
    store.emit("payment_intent.payment_failed", pi)
    return "declined"


def _succeed(store: Store, pi: dict, charge: dict) -> None:
    charge.update(
        status="succeeded",
        paid=True,
        captured=True,
        amount_captured=charge["amount"],
        outcome={
            **charge["outcome"],
            "network_status": "approved_by_network",
            "type": "authorized",
            "seller_message": "Payment complete.",
        },
    )
    pi.update(status="succeeded", amount_received=pi["amount"], last_payment_error=None, next_action=None)
    store.emit("charge.succeeded", charge)
    store.emit("payment_intent.succeeded", pi)
    # capture_method automatic_async: the balance transaction comes after, with charge.updated.
    _ledger(store, charge)
    store.emit("charge.updated", charge, previous_attributes={"balance_transaction": None})


def confirm(
    store: Store,
    pi: dict,
    pm: dict,
    *,
    on_session: bool,
    authenticated: bool = False,
    force_failure: bool = False,
    force_action: bool = False,
) -> str:
    """Confirm ``pi`` with ``pm``; returns succeeded, declined, requires_action or processing.

    ``force_failure`` makes the payment fail whatever the card or IBAN (the
    control endpoint's ``fail=1``).
    """
    if pm["type"] == "sepa_debit":
        charge = _new_charge(store, pi, pm, "pending", False)
        pi.update(status="processing", last_payment_error=None, next_action=None)
        store.private[pi["id"]]["force_failure"] = force_failure
        store.emit("charge.pending", charge)
        store.emit("payment_intent.processing", pi)
        for hook in store.processing_hooks:
            hook(pi["id"])
        return "processing"
    behaviour = store.private[pm["id"]]["card"]
    if force_failure:
        return _decline(store, pi, pm, "generic_decline", authenticated)
    if behaviour.outcome in ("declined", "attach_then_decline"):
        return _decline(store, pi, pm, behaviour.decline_code, authenticated)
    # ``force_action``: the bank asks the cardholder to authenticate a payment made without them.
    if force_action or (behaviour.outcome == "authenticate" and on_session and not authenticated):
        pi.update(
            status="requires_action",
            payment_method=pm["id"],
            next_action={
                "type": "use_stripe_sdk",
                "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": "", "source": new_id("src_")},
            },
        )
        store.emit("payment_intent.requires_action", pi)
        return "requires_action"
    charge = _new_charge(store, pi, pm, "pending", authenticated)
    _succeed(store, pi, charge)
    return "succeeded"


def fail_authentication(store: Store, pi: dict) -> None:
    """The person failed or cancelled 3-D Secure: no charge, the intent wants a new method."""
    pm = store.find(pi["payment_method"])
    pi.update(
        status="requires_payment_method",
        payment_method=None,
        next_action=None,
        last_payment_error={
            "type": "invalid_request_error",
            "code": "payment_intent_authentication_failure",
            "message": AUTH_FAILURE_MESSAGE,
            "payment_method": store.render(pm) if pm else None,
            "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
            "param": None,
            "decline_code": None,
            "charge": None,
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
        },
    )
    store.emit("payment_intent.payment_failed", pi)


def settle(store: Store, pi: dict) -> bool:
    """Settle a processing SEPA debit as its IBAN says; True when the money arrived."""
    charge = store.objects[pi["latest_charge"]]
    pm = store.objects[charge["payment_method"]]
    behaviour = store.private[pm["id"]]["iban"]
    if behaviour.succeeds and not store.private[pi["id"]].get("force_failure"):
        _succeed(store, pi, charge)
        return True
    code = behaviour.failure_code or "insufficient_funds"
    message = cards.SEPA_FAILURE_MESSAGES.get(code, "The payment failed.")
    charge.update(
        status="failed",
        failure_code=code,
        failure_message=message,
        captured=False,
        paid=False,
        outcome={
            **charge["outcome"],
            "network_status": "declined_by_network",
            "reason": code,
            "type": "issuer_declined",
        },
    )
    pi.update(
        status="requires_payment_method",
        payment_method=None,
        last_payment_error={
            "type": "card_error",
            "code": code,
            "message": message,
            "charge": charge["id"],
            "payment_method": store.render(pm),
            "decline_code": None,
            "param": None,
            "advice_code": None,
            "doc_url": "https://stripe.com/docs/error-codes/" + code.replace("_", "-"),
            "network_advice_code": None,
            "network_decline_code": None,
        },
    )
    store.emit("charge.failed", charge)
    store.emit("payment_intent.payment_failed", pi)
    return False
