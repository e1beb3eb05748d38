"""What a signed Stripe event must look like before it is stored and applied.

A valid signature says who sent the body, not that it is well formed. An event
whose fields have the wrong type (`created` as text, metadata as a list), whose
text the database cannot hold (a NUL byte), that nests without end, or whose
identifiers are longer than their columns would fail inside its transaction
every time it is delivered: a 500 forever, retried by Stripe for days, and
listed as waiting in webhook health. Such an event is malformed for good, so it
is found here first and recorded as rejected (see `donations.fulfilment.events`).

Only the fields the handlers of `donations.fulfilment.handlers` read are checked, each
with the types Stripe documents for it (an expandable field is an id or the
object with its id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from donations.clock import from_timestamp
from donations.fulfilment.event_objects import created_of, is_thin
from donations.platform.usable_text import has_unsafe_text, json_problem

Check = Callable[[Any], bool]

# Column sizes: stripe ids and most texts are String(255); the event type String(100); a dispute's status String(40).
ID_LENGTH = 255
TYPE_LENGTH = 100
STATUS_LENGTH = 40
MAX_CENTS = 2**31 - 1  # amounts are stored in 32-bit integer columns
MAX_TIMESTAMP = 253402300799  # 9999-12-31T23:59:59Z: any later instant cannot be a date


def _text(length: int) -> Check:
    return lambda value: isinstance(value, str) and len(value) <= length and not has_unsafe_text(value)


def _optional(check: Check) -> Check:
    return lambda value: value is None or check(value)


def _whole(low: int, high: int) -> Check:
    return lambda value: isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


IDENTIFIER = _text(ID_LENGTH)
TEXT = _optional(_text(ID_LENGTH))
STATUS = _optional(_text(STATUS_LENGTH))
AMOUNT = _optional(_whole(0, MAX_CENTS))
TIMESTAMP = _whole(0, MAX_TIMESTAMP)
MAPPING = _optional(lambda value: isinstance(value, dict))
LISTING = _optional(lambda value: isinstance(value, list))
_BOOLEAN: Check = lambda value: isinstance(value, bool)  # noqa: E731
FLAG = _optional(_BOOLEAN)


def _reference(value: Any) -> bool:
    """An expandable field: None, an id, or the expanded object carrying its id."""
    if isinstance(value, dict):
        return IDENTIFIER(value.get("id"))
    return TEXT(value)


# The fields each handled kind of object is read for, by their path in the object.
_CHECKOUT_SESSION = {
    ("id",): IDENTIFIER,
    ("metadata",): MAPPING,
    ("metadata", "donation_id"): TEXT,
    ("client_reference_id",): TEXT,
    ("customer",): _reference,
    ("payment_status",): TEXT,
    ("mode",): TEXT,
    ("subscription",): _reference,
    ("payment_intent",): _reference,
}
_INVOICE = {
    ("id",): IDENTIFIER,
    ("livemode",): FLAG,
    ("amount_paid",): AMOUNT,
    ("amount_due",): AMOUNT,
    ("parent",): MAPPING,
    ("parent", "subscription_details"): MAPPING,
    ("parent", "subscription_details", "subscription"): _reference,
    ("parent", "subscription_details", "metadata"): MAPPING,
    ("parent", "subscription_details", "metadata", "donation_id"): TEXT,
    ("status_transitions",): MAPPING,
    ("status_transitions", "paid_at"): _optional(TIMESTAMP),
    ("payments",): MAPPING,
    ("payments", "data"): LISTING,
}
_INVOICE_PAYMENT = {("payment",): MAPPING, ("payment", "payment_intent"): _reference, ("status",): TEXT}
_SUBSCRIPTION = {("id",): IDENTIFIER, ("metadata",): MAPPING, ("metadata", "donation_id"): TEXT}
_CHARGE = {("id",): IDENTIFIER, ("amount_refunded",): AMOUNT}
_DISPUTE = {("id",): IDENTIFIER, ("charge",): _reference, ("status",): STATUS}
_REFUND = {("id",): IDENTIFIER, ("charge",): _reference, ("status",): STATUS, ("amount",): AMOUNT}

_OBJECT_FIELDS = {
    "checkout.session.": _CHECKOUT_SESSION,
    "invoice.": _INVOICE,
    "customer.subscription.": _SUBSCRIPTION,
    "charge.dispute.": _DISPUTE,
    "charge.refund.": _REFUND,
    "charge.refunded": _CHARGE,
    "refund.": _REFUND,
}


def _at(obj: dict[str, Any], path: tuple[str, ...]) -> Any:
    """The value at `path`, or None where a step is missing (its parent's own check says if that is allowed)."""
    value: Any = obj
    for step in path:
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _wrong_fields(obj: dict[str, Any], fields: dict[tuple[str, ...], Check]) -> list[str]:
    return [".".join(path) for path, check in fields.items() if not check(_at(obj, path))]


def _fields_of(event_type: str) -> dict[tuple[str, ...], Check] | None:
    for prefix, fields in _OBJECT_FIELDS.items():
        if event_type.startswith(prefix):
            return fields  # type: ignore[return-value]
    return None


def instant_of(value: Any) -> dt.datetime | None:
    """The instant of a Stripe timestamp field, or None when it is not one (text, a float, out of range)."""
    return from_timestamp(value) if TIMESTAMP(value) else None


def identifier_of(event: Any) -> str | None:
    """The event's id if it can key a stored row (a string that fits the column), else None."""
    if isinstance(event, dict) and IDENTIFIER(event.get("id")) and event["id"]:
        return str(event["id"])
    return None


def malformation(event: dict[str, Any]) -> str | None:
    """Why this event can never be applied (for finance to read), or None when it is well formed."""
    problem = json_problem(event)
    if problem:
        return problem
    if is_thin(event):
        return _thin_malformation(event)
    wrong = [
        name
        for name, check in (("type", _text(TYPE_LENGTH)), ("created", TIMESTAMP), ("livemode", _BOOLEAN))
        if not check(event.get(name))
    ]
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        wrong.append("data.object")
    elif isinstance(event.get("type"), str):
        fields = _fields_of(event["type"])
        obj = data["object"]
        if fields:
            wrong += [f"data.object.{name}" for name in _wrong_fields(obj, fields)]
        if fields is _INVOICE and isinstance(_at(obj, ("payments", "data")), list):
            for index, attempt in enumerate(obj["payments"]["data"]):
                if not isinstance(attempt, dict):
                    wrong.append(f"data.object.payments.data.{index}")
                    continue
                wrong += [
                    f"data.object.payments.data.{index}.{name}" for name in _wrong_fields(attempt, _INVOICE_PAYMENT)
                ]
    if wrong:
        return "fields missing or of the wrong type: " + ", ".join(wrong)
    return None


_RELATED_OBJECT = {("id",): IDENTIFIER, ("type",): TEXT, ("url",): _optional(_text(2000))}


def _thin_malformation(event: dict[str, Any]) -> str | None:
    """A thin event: its type, time (RFC 3339 text), mode and the reference to what it is about."""
    wrong = [
        name for name, check in (("type", _text(TYPE_LENGTH)), ("livemode", _BOOLEAN)) if not check(event.get(name))
    ]
    if created_of(event) is None:
        wrong.append("created")
    related = event.get("related_object")
    if related is not None:
        if isinstance(related, dict):
            wrong += [f"related_object.{name}" for name in _wrong_fields(related, _RELATED_OBJECT)]  # type: ignore[arg-type]
        else:
            wrong.append("related_object")
    if wrong:
        return "fields missing or of the wrong type: " + ", ".join(wrong)
    return None
