"""A signed event that can never be applied is rejected once, recorded with its reason, changes nothing,
and is not retried for ever: malformed events (endless nesting, `created` as text, wrongly typed fields,
text the database cannot hold) and events naming a donation whose Stripe objects are another's."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from donations.clock import utcnow
from donations.extensions import db
from donations.fulfilment.health import webhook_health
from donations.models import Donation, DonationStatus, EventOutcome, StripeEvent
from donations.tax import TaxRules
from stripe_sandbox import sign
from tests.support.factories import settled_payment
from tests.support.stripe_objects import SECRET, checkout_session, stripe_event
from tests.support.webhook_delivery import deliver, signed_post, snapshot, stored_events


def nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def _with(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """The event with the field at the dotted `path` set to `value`."""
    *parents, last = path.split(".")
    target = event
    for step in parents:
        target = target[step]
    target[last] = value
    return event


def invoice_paid() -> dict[str, Any]:
    invoice = {
        "id": "in_1",
        "object": "invoice",
        "amount_paid": 1500,
        "amount_due": 1500,
        "livemode": False,
        "parent": {"subscription_details": {"subscription": "sub_1", "metadata": {"donation_id": "d-1"}}},
        "status_transitions": {"paid_at": 1764000000},
        "payments": {"data": [{"payment": {"payment_intent": "pi_1"}, "status": "paid"}]},
    }
    return stripe_event("invoice.paid", invoice)


MALFORMED: dict[str, Callable[[], dict[str, Any]]] = {
    "created as text": lambda: _with(
        stripe_event("checkout.session.completed", checkout_session("d-1")), "created", "yesterday"
    ),
    "created past the year 9999": lambda: _with(stripe_event("payout.paid", {"id": "po_1"}), "created", 10**15),
    "livemode as text": lambda: _with(stripe_event("payout.paid", {"id": "po_1"}), "livemode", "false"),
    "type as a number": lambda: _with(stripe_event("payout.paid", {"id": "po_1"}), "type", 7),
    "no data object": lambda: _with(stripe_event("payout.paid", {"id": "po_1"}), "data", {"object": ["po_1"]}),
    "metadata as a list": lambda: _with(
        stripe_event("checkout.session.completed", checkout_session("d-1")), "data.object.metadata", ["d-1"]
    ),
    "donation id as a number": lambda: _with(
        stripe_event("checkout.session.completed", checkout_session("d-1")), "data.object.metadata", {"donation_id": 12}
    ),
    "payment intent as a number": lambda: _with(
        stripe_event("checkout.session.completed", checkout_session("d-1")), "data.object.payment_intent", 42
    ),
    "session id too long": lambda: _with(
        stripe_event("checkout.session.completed", checkout_session("d-1")), "data.object.id", "cs_" + "x" * 300
    ),
    "amount paid as text": lambda: _with(invoice_paid(), "data.object.amount_paid", "1500"),
    "amount past a 32-bit integer": lambda: _with(invoice_paid(), "data.object.amount_paid", 2**40),
    "paid_at as text": lambda: _with(invoice_paid(), "data.object.status_transitions.paid_at", "now"),
    "invoice payments as text": lambda: _with(invoice_paid(), "data.object.payments.data", [{"payment": "pi_1"}]),
    "dispute status too long for its column": lambda: stripe_event(
        "charge.dispute.created", {"id": "dp_1", "charge": "ch_1", "status": "s" * 41}
    ),
    "NUL byte in the metadata": lambda: _with(
        stripe_event("checkout.session.completed", checkout_session("d-1")),
        "data.object.metadata",
        {"donation_id": "d\x00-1"},
    ),
    "lone surrogate in a field": lambda: _with(
        stripe_event("payout.paid", {"id": "po_1"}), "data.object.description", "\ud800"
    ),
    "100 levels deep": lambda: _with(stripe_event("payout.paid", {"id": "po_1"}), "data.object.lines", nested(100)),
}


@pytest.mark.parametrize("make_event", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_malformed_event_is_rejected_once_recorded_and_then_acknowledged(
    app: Flask, client: FlaskClient, make_event: Callable[[], dict[str, Any]]
) -> None:
    event = make_event()
    first = deliver(client, event, SECRET)
    assert first.status_code == 400, first.text
    assert first.get_json()["outcome"] == "rejected" and first.get_json()["error"]
    [stored] = stored_events(app)
    assert (stored.stripe_id, stored.outcome, stored.attempts) == (event["id"], EventOutcome.REJECTED, 1)
    assert stored.error
    # Stripe retries what was not answered 2xx: the retry is acknowledged, so the event does not loop.
    again = deliver(client, event, SECRET)
    assert (again.status_code, again.get_json()["outcome"]) == (200, "duplicate")
    assert [e.outcome for e in stored_events(app)] == [EventOutcome.REJECTED]


def test_the_rejection_says_which_field_is_wrong(app: Flask, client: FlaskClient) -> None:
    deliver(client, MALFORMED["created as text"](), SECRET)
    deliver(client, MALFORMED["amount paid as text"](), SECRET)
    assert [e.error for e in stored_events(app)] == [
        "fields missing or of the wrong type: created",
        "fields missing or of the wrong type: data.object.amount_paid",
    ]


def test_a_rejected_event_shows_in_webhook_health_with_its_reason(app: Flask, client: FlaskClient) -> None:
    event = MALFORMED["created as text"]()
    deliver(client, event, SECRET)
    with app.app_context():
        health = webhook_health(db.session, utcnow())
    assert not health.healthy
    assert (health.failures_waiting, health.rejected_recently) == (0, 1)
    assert [(r.stripe_id, r.type, r.error) for r in health.rejections] == [
        (event["id"], "checkout.session.completed", "fields missing or of the wrong type: created")
    ]


def test_an_event_that_failed_before_and_is_malformed_is_rejected_on_its_next_delivery(
    app: Flask, client: FlaskClient
) -> None:
    event = MALFORMED["created as text"]()
    with app.app_context():
        db.session.add(
            StripeEvent(
                stripe_id=event["id"],
                type=event["type"],
                created=utcnow(),
                payload={},
                outcome=EventOutcome.FAILED,
                error="TypeError(...)",
                attempts=4,
            )
        )
        db.session.commit()
    assert deliver(client, event, SECRET).status_code == 400
    [stored] = stored_events(app)
    assert (stored.outcome, stored.attempts) == (EventOutcome.REJECTED, 5)


def test_a_signed_body_nested_100000_deep_is_refused_with_400_not_500(app: Flask, client: FlaskClient) -> None:
    body = '{"id": "evt_deep", "type": "payout.paid", "data": {"object": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    response = signed_post(client, body, sign(body, SECRET))
    assert response.status_code == 400
    assert response.get_json()["error"]


@pytest.mark.parametrize("event_id", ["evt_\x00", "e" * 256, 12, ""])
def test_a_signed_event_without_a_usable_id_is_refused_with_400(app: Flask, client: FlaskClient, event_id: Any) -> None:
    event = stripe_event("payout.paid", {"id": "po_1"})
    event["id"] = event_id
    body = json.dumps(event)
    assert signed_post(client, body, sign(body, SECRET)).status_code == 400
    assert stored_events(app) == []


# --- an event naming a donation whose Stripe objects are another's ------------------------------


def _pending_donation(session: Any, **stripe_ids: str) -> Donation:
    donor = settled_payment(session).donation.donor
    rules = TaxRules()
    donation = Donation(
        donor=donor,
        kind="one_off",
        tax_scheme="income_tax",
        tax_rate=rules.income_tax_rate,
        tax_rules=rules.as_dict(),
        identity=donor.identity.to_json(),
        amount_cents=4000,
        ifi_cents=0,
        status=DonationStatus.PENDING,
        **stripe_ids,
    )
    session.add(donation)
    return donation


@pytest.fixture
def two_gifts(app: Flask) -> dict[str, dict[str, Any]]:
    """Gift B paid through its own session and PaymentIntent; gift A pending, with or without a session."""
    with app.app_context():
        paid = settled_payment(db.session)
        paid.donation.stripe_checkout_session_id, paid.donation.stripe_payment_intent_id = "cs_test_B", "pi_B"
        paid.stripe_payment_intent_id = "pi_B"
        with_session = _pending_donation(db.session, stripe_checkout_session_id="cs_test_A")
        without_session = _pending_donation(db.session)
        db.session.commit()
        return {
            "B": {"public_id": paid.donation.public_id},
            "A with its session": {"public_id": with_session.public_id, "session": "cs_test_A"},
            "A without a session": {"public_id": without_session.public_id, "session": None},
        }


def _conflicting(two_gifts: dict[str, dict[str, Any]], case: str) -> dict[str, Any]:
    obj = checkout_session("")
    if case == "B's session named as A's (A has none yet)":
        target = two_gifts["A without a session"]
        obj.update(id="cs_test_B", payment_intent="pi_A_new")
    elif case == "another session for A (A has its own)":
        target = two_gifts["A with its session"]
        obj.update(id="cs_test_other", payment_intent="pi_A_new")
    else:  # A's own session, carrying B's PaymentIntent
        target = two_gifts["A with its session"]
        obj.update(id="cs_test_A", payment_intent="pi_B")
    obj.update(client_reference_id=target["public_id"], metadata={"donation_id": target["public_id"]}, customer=None)
    return stripe_event("checkout.session.completed", obj)


CONFLICTS = [
    "B's session named as A's (A has none yet)",
    "another session for A (A has its own)",
    "A's own session with B's PaymentIntent",
]


@pytest.mark.parametrize("case", CONFLICTS)
def test_an_event_naming_a_donation_with_another_donations_stripe_objects_is_rejected_and_changes_nothing(
    app: Flask, client: FlaskClient, two_gifts: dict[str, dict[str, Any]], case: str
) -> None:
    before = snapshot(app)
    event = _conflicting(two_gifts, case)
    response = deliver(client, event, SECRET)
    assert response.status_code == 400, response.text
    assert response.get_json()["outcome"] == "rejected"
    after = snapshot(app)
    assert {name: rows for name, rows in after.items() if name != "stripe_event"} == {
        name: rows for name, rows in before.items() if name != "stripe_event"
    }
    [stored] = stored_events(app)
    assert stored.outcome == EventOutcome.REJECTED and stored.payload == event
    assert "donation" in (stored.error or "")
    assert deliver(client, event, SECRET).status_code == 200  # acknowledged from now on: no retry loop
    with app.app_context():
        statuses = dict(db.session.execute(sa.select(Donation.public_id, Donation.status)).all())
    assert statuses[two_gifts["B"]["public_id"]] == DonationStatus.PAID
    assert statuses[two_gifts["A with its session"]["public_id"]] == DonationStatus.PENDING


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_a_signed_event_with_a_number_json_cannot_store_is_refused_with_400(
    app: Flask, client: FlaskClient, number: str
) -> None:
    # Python's parser takes them; PostgreSQL's json type refuses them, which would fail every delivery.
    event = stripe_event("payout.paid", {"id": "po_1", "amount": 1})
    body = json.dumps(event).replace('"amount": 1', f'"amount": {number}')
    response = signed_post(client, body, sign(body, SECRET))
    assert response.status_code == 400
    assert stored_events(app) == []


def test_an_invoice_whose_payments_list_is_null_answers_without_a_500(app: Flask, client: FlaskClient) -> None:
    """Found by the Hypothesis fuzz: `"payments": {"data": null}` is a valid shape (no attempts listed)."""
    with app.app_context():
        gift = settled_payment(db.session, 1500).donation
        gift.stripe_subscription_id = "sub_1"
        db.session.commit()
    answer = deliver(client, _with(invoice_paid(), "data.object.payments", {"data": None}), SECRET)
    assert answer.status_code < 500, answer.text
