"""SEPA Direct Debit: the gift is processing at first and settles (or fails) later."""

from __future__ import annotations

import time


def test_sepa_debit_is_processing_then_succeeds_on_settle(make_session, control, client, receiver):
    session = make_session(amount=12000)
    answer = control.pay(
        session.id, iban="FR14 2004 1010 0505 0001 3M02 606", name="Marie Curie", email="marie.curie@example.org"
    )
    control.wait()

    assert answer["status"] == "processing" and answer["session_status"] == "complete"
    assert answer["payment_status"] == "unpaid"
    assert receiver.types == [
        "customer.created",
        "payment_intent.created",
        "charge.pending",
        "payment_intent.processing",
        "checkout.session.completed",
    ]
    intent = client.v1.payment_intents.retrieve(answer["payment_intent"], params={"expand": ["latest_charge"]})
    assert intent.status == "processing"
    assert intent.latest_charge.id.startswith("py_")
    assert intent.latest_charge.payment_method_details.type == "sepa_debit"
    assert intent.latest_charge.payment_method_details.sepa_debit.last4 == "2606"

    receiver.clear()
    settled = control.post(f"/payment_intents/{answer['payment_intent']}/settle")
    control.wait()
    assert settled["succeeded"] is True and settled["status"] == "succeeded"
    assert receiver.types == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "charge.updated",
        "checkout.session.async_payment_succeeded",
    ]
    assert client.v1.checkout.sessions.retrieve(session.id).payment_status == "paid"
    control.post(f"/payment_intents/{answer['payment_intent']}/settle", expect=400)


def test_failing_iban_ends_in_async_payment_failed(make_session, control, client, receiver):
    session = make_session()
    answer = control.pay(
        session.id, iban="FR8420041010050500013M02606", name="Marie Curie", email="marie.curie@example.org"
    )
    control.wait()
    receiver.clear()
    control.post(f"/payment_intents/{answer['payment_intent']}/settle")
    control.wait()

    assert receiver.types == ["charge.failed", "payment_intent.payment_failed", "checkout.session.async_payment_failed"]
    charge = receiver.of_type("charge.failed")[0].data.object
    assert charge.failure_code == "insufficient_funds"
    assert client.v1.payment_intents.retrieve(answer["payment_intent"]).status == "requires_payment_method"


def test_sepa_settles_by_itself_after_the_configured_delay(receiver, sandbox_factory, client_for, control_for):
    handle = sandbox_factory(sepa_delay=0.2)
    client, control = client_for(handle.url), control_for(handle)
    session = client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "allowed_payment_method_types": ["sepa_debit"],
            "line_items": [
                {"price_data": {"currency": "eur", "unit_amount": 2000, "product_data": {"name": "Don"}}, "quantity": 1}
            ],
            "success_url": "https://dons.example.org/ok",
        }
    )
    control.pay(session.id, iban="DE89370400440532013000", name="Lise Meitner", email="lise@example.org")
    deadline = time.monotonic() + 5
    while "checkout.session.async_payment_succeeded" not in receiver.types and time.monotonic() < deadline:
        time.sleep(0.05)
    assert receiver.types[-1] == "checkout.session.async_payment_succeeded"


def test_unknown_iban_is_refused_with_a_hint_to_use_test_ibans(make_session, control):
    session = make_session()
    error = control.pay(session.id, expect=400, iban="FR7630006000011234567890189", name="A", email="a@b.fr")
    assert "FR1420041010050500013M02606" in error["error"]["message"]
    card_only = make_session(methods=("card",))
    control.pay(card_only.id, expect=400, iban="FR1420041010050500013M02606", name="A", email="a@b.fr")


def test_sepa_subscription_is_active_with_open_invoice_until_the_debit_settles(make_session, control, client, receiver):
    session = make_session(mode="subscription", amount=1500)
    answer = control.pay(
        session.id, iban="FR1420041010050500013M02606", name="Marie Curie", email="marie.curie@example.org"
    )
    subscription = client.v1.subscriptions.retrieve(answer["subscription"])
    invoice = client.v1.invoices.retrieve(answer["invoice"])
    assert subscription.status == "active" and invoice.status == "open"

    control.post(f"/payment_intents/{answer['payment_intent']}/settle")
    control.wait()
    assert client.v1.invoices.retrieve(answer["invoice"]).status == "paid"
    tail = receiver.types[-6:]
    assert tail == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "charge.updated",
        "invoice.paid",
        "invoice.payment_succeeded",
        "checkout.session.async_payment_succeeded",
    ]


def test_failed_sepa_renewal_marks_invoice_failed_and_subscription_past_due(make_session, control, client, receiver):
    session = make_session(mode="subscription", amount=1500)
    first = control.pay(
        session.id, iban="FR8420041010050500013M02606", name="Marie Curie", email="marie.curie@example.org"
    )
    control.wait()
    receiver.clear()
    control.post(f"/payment_intents/{first['payment_intent']}/settle")
    control.wait()
    assert receiver.types == [
        "charge.failed",
        "payment_intent.payment_failed",
        "invoice.payment_failed",
        "customer.subscription.updated",
        "checkout.session.async_payment_failed",
    ]
    updated = receiver.of_type("customer.subscription.updated")[0]
    assert updated.data.object.status == "past_due"
    assert updated.data.previous_attributes.status == "active"
