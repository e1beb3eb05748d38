"""Every field the sandbox sends exists in stripe-python's typed resource for the pinned version, with its type.

stripe-python 16 types each resource of API 2026-10-28 (`stripe.Invoice`,
its nested classes, `Optional`, `Literal`, `ExpandableField`...). The sandbox
runs the flows the service relies on (a one-off gift refunded then its refund
failing, a dispute lost then won on appeal, a monthly gift renewed, declined
to its last retry and asking for authentication, a SEPA debit, the billing
portal); then every object it holds, as its API answers it, and every webhook
it sent are walked against those types. A field of an older version (an
invoice's top-level `subscription`) or of the wrong type fails the test.
"""

from __future__ import annotations

import decimal
import json
import typing
from typing import Any, ForwardRef, Literal, Union

import stripe
from stripe._list_object import ListObject
from stripe._object_classes import get_object_class
from stripe._stripe_object import StripeObject, UntypedStripeObject

CARD = "4242424242424242"
IBAN = "FR1420041010050500013M02606"


def _resolve(annotation: Any) -> Any:
    name = annotation.__forward_arg__ if isinstance(annotation, ForwardRef) else annotation
    return getattr(stripe, name.split(" ")[0], None)


def _fields(cls: type) -> dict[str, Any]:
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass in (StripeObject, object) or not issubclass(klass, StripeObject):
            continue
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if not name.startswith("_") and typing.get_origin(annotation) is not typing.ClassVar:
                hints[name] = annotation
    return hints


def problems(value: Any, annotation: Any, path: str) -> list[str]:
    """Where `value` (wire JSON) does not fit `annotation` (stripe-python's type)."""
    if isinstance(annotation, (str, ForwardRef)):
        annotation = _resolve(annotation)
        if annotation is None:
            return []  # a resource stripe does not export by that name: not checked
    if annotation is Any:
        return []
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is Union:
        if value is None:
            return [] if type(None) in args else [f"{path}: null, not optional"]
        found = [problems(value, option, path) for option in args if option is not type(None)]
        return [] if any(not f for f in found) else min(found, key=len)
    if value is None:
        return [f"{path}: null, not optional"]
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} is none of {args}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [p for i, item in enumerate(value) for p in problems(item, args[0], f"{path}[{i}]")] if args else []
    if origin is dict:
        return [] if isinstance(value, dict) else [f"{path}: not an object"]
    if origin is not None and isinstance(origin, type) and issubclass(origin, ListObject):
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            return [f"{path}: not a list object"]
        return [p for i, item in enumerate(value["data"]) for p in problems(item, args[0], f"{path}.data[{i}]")]
    if not isinstance(annotation, type):
        return []
    if annotation is bool:
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a boolean"]
    if annotation is int:
        return (
            [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: {value!r} is not an integer"]
        )
    if annotation is float:
        return (
            []
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else [f"{path}: {value!r} is not a number"]
        )
    if annotation is str:
        return [] if isinstance(value, str) else [f"{path}: {value!r} is not a string"]
    if annotation is decimal.Decimal:  # decimals travel as strings
        return [] if isinstance(value, str) else [f"{path}: {value!r} is not a decimal string"]
    if issubclass(annotation, ListObject):
        return [] if isinstance(value, dict) and isinstance(value.get("data"), list) else [f"{path}: not a list object"]
    if issubclass(annotation, UntypedStripeObject) or annotation is StripeObject:
        return [] if isinstance(value, dict) else [f"{path}: not an object"]
    if issubclass(annotation, StripeObject):
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        if isinstance(value.get("object"), str) and value["object"] != "list":
            typed = get_object_class("V1", value["object"])
            annotation = typed if typed is not StripeObject else annotation
        fields = _fields(annotation)
        found = []
        for key, item in value.items():
            if key not in fields:
                found.append(f"{path}.{key}: not a field of {annotation.__qualname__}")
            else:
                found += problems(item, fields[key], f"{path}.{key}")
        return found
    return []


def check_object(obj: dict, where: str) -> list[str]:
    cls = get_object_class("V1", obj["object"])
    assert cls is not StripeObject, f"{where}: stripe-python has no type for {obj['object']}"
    return problems(obj, cls, where)


def run_flows(client: stripe.StripeClient, control: Any, make_session: Any) -> None:
    one_off = control.pay(make_session().id, card=CARD)
    charge = client.v1.payment_intents.retrieve(one_off["payment_intent"]).latest_charge
    refund = client.v1.refunds.create(params={"charge": charge, "amount": 1000})
    control.post(f"/refunds/{refund.id}/fail")
    disputed = control.pay(make_session().id, card=CARD)
    dispute = control.post(
        f"/charges/{client.v1.payment_intents.retrieve(disputed['payment_intent']).latest_charge}/dispute"
    )
    control.post(f"/disputes/{dispute['dispute']}/close", outcome="lost")
    control.post(f"/disputes/{dispute['dispute']}/close", outcome="appeal")
    control.post(f"/disputes/{dispute['dispute']}/close", outcome="won")
    monthly = control.pay(make_session(mode="subscription").id, card=CARD)
    control.post(f"/subscriptions/{monthly['subscription']}/advance")
    control.post(f"/subscriptions/{monthly['subscription']}/advance", action="1")
    control.post(f"/subscriptions/{monthly['subscription']}/advance", fail="1", final="1")
    sepa = control.pay(make_session().id, iban=IBAN, name="Marie Curie", email="marie.curie@example.org")
    control.post(f"/payment_intents/{sepa['payment_intent']}/settle")
    client.v1.billing_portal.sessions.create(params={"customer": one_off["customer"]})
    client.v1.checkout.sessions.expire(make_session().id)
    control.wait()


def test_every_object_and_webhook_fits_stripes_types_for_the_pinned_version(
    sandbox, client, control, make_session, receiver
):
    run_flows(client, control, make_session)
    store = sandbox.sandbox.store
    answers = [store.render(obj) for obj in list(store.objects.values()) if obj.get("object") != "event"]
    found = [p for obj in answers for p in check_object(obj, f"{obj['object']} {obj['id']}")]
    assert {obj["object"] for obj in answers} >= {
        "checkout.session",
        "payment_intent",
        "charge",
        "refund",
        "dispute",
        "invoice",
        "invoice_payment",
        "subscription",
        "customer",
    }
    events = [json.loads(str(event)) for event in receiver.events]
    for event in events:
        assert event["api_version"] == stripe.api_version
        found += check_object(event, f"event {event['type']}")
        found += check_object(event["data"]["object"], f"event {event['type']} data.object")
    assert found == [], "\n".join(found)
    types = {event["type"] for event in events}
    assert {"refund.failed", "charge.refund.updated", "invoice.payment_action_required", "charge.updated"} <= types
    assert all("subscription" not in e["data"]["object"] for e in events if e["data"]["object"]["object"] == "invoice")
    statuses = {e["data"]["object"]["status"] for e in events if e["type"].startswith("charge.dispute.")}
    assert {"appeal_needs_response", "appeal_under_review", "won"} <= statuses


def test_the_checker_finds_a_legacy_field_and_a_wrong_type() -> None:
    invoice = {"id": "in_1", "object": "invoice", "subscription": "sub_1", "amount_due": "20"}
    assert sorted(check_object(invoice, "invoice")) == [
        "invoice.amount_due: '20' is not an integer",
        "invoice.subscription: not a field of Invoice",
    ]


def test_a_subscription_starts_incomplete_and_becomes_active_when_its_first_invoice_is_paid(
    client, control, make_session, receiver
):
    monthly = control.pay(make_session(mode="subscription").id, card=CARD)
    control.wait()
    created = receiver.of_type("customer.subscription.created")[0]
    updated = receiver.of_type("customer.subscription.updated")[0]
    assert created.data.object.status == "incomplete" and updated.data.object.status == "active"
    assert updated.data.previous_attributes.status == "incomplete"
    assert client.v1.subscriptions.retrieve(monthly["subscription"]).status == "active"


def test_the_balance_transaction_comes_later_with_charge_updated(client, control, make_session, receiver):
    paid = control.pay(make_session().id, card=CARD)
    control.wait()
    succeeded = receiver.of_type("charge.succeeded")[0].data.object
    updated = receiver.of_type("charge.updated")[0]
    assert succeeded.balance_transaction is None and updated.data.object.balance_transaction.startswith("txn_")
    intent = client.v1.payment_intents.retrieve(paid["payment_intent"])
    assert intent.capture_method == "automatic_async"
    dispute = control.post(f"/charges/{intent.latest_charge}/dispute")
    assert client.v1.disputes.retrieve(dispute["dispute"]).evidence_details.submission_method == "not_submitted"
