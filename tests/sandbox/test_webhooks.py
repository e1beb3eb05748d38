"""Webhook delivery: Stripe's signature scheme, retries, pause and resume."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from stripe_sandbox import sign

SECRET = "whsec_signature_test"


def test_signature_is_stripes_scheme_and_construct_event_accepts_it():
    payload = json.dumps({"id": "evt_1", "object": "event", "type": "charge.succeeded", "data": {"object": {}}})
    header = sign(payload, SECRET)
    event = stripe.Webhook.construct_event(payload, header, SECRET)
    assert event.id == "evt_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign(payload, SECRET, int(time.time()) - 3600), SECRET)


def test_deliveries_carry_stripe_headers_and_verify(make_session, control, receiver):
    control.pay(make_session().id, card="4242424242424242")
    control.wait()
    headers = receiver.headers[0]
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Stripe-Signature"].startswith("t=") and ",v1=" in headers["Stripe-Signature"]
    assert receiver.bad_signatures == 0 and len(receiver.events) == 6
    assert all(event.pending_webhooks == 1 for event in receiver.events)


def test_failed_delivery_is_retried_until_the_receiver_accepts_it(make_session, client, control, receiver):
    receiver.answer_next(500, 500)
    customer = client.v1.customers.create(params={"email": "retry@example.org"})
    control.wait()

    assert receiver.attempts.count(receiver.events[0].id) == 3
    assert receiver.types == ["customer.created"]
    status = control.get("/webhooks")
    assert status["delivered"] == 1 and status["failed_attempts"] == 2 and status["pending"] == 0
    event = client.v1.events.list().data[0]
    assert event.data.object.id == customer.id and event.pending_webhooks == 0


def test_a_failing_event_does_not_hold_back_later_ones(receiver, sandbox_factory, client_for, control_for):
    handle = sandbox_factory(retry_schedule=(0.5,))
    client, control = client_for(handle.url), control_for(handle)
    control.post("/webhooks/pause")
    first = client.v1.customers.create(params={"email": "first@example.org"})
    second = client.v1.customers.create(params={"email": "second@example.org"})
    receiver.answer_next(503)
    control.post("/webhooks/resume")
    assert handle.sandbox.wait_for_webhooks(5)
    events = {event.data.object.id: event.id for event in receiver.events}
    assert receiver.attempts == [events[first.id], events[second.id], events[first.id]]


def test_paused_deliveries_are_held_then_sent_in_order(client, control, receiver):
    assert control.post("/webhooks/pause")["paused"] is True
    ids = [client.v1.customers.create(params={"email": f"d{i}@example.org"}).id for i in range(3)]
    time.sleep(0.2)
    held = control.get("/webhooks")
    assert receiver.events == [] and held["pending"] == 3 and held["paused"] is True

    assert control.post("/webhooks/resume")["paused"] is False
    control.wait()
    assert [event.data.object.id for event in receiver.events] == ids


def test_delivery_is_abandoned_after_the_last_retry_but_the_event_stays_listed(
    receiver, sandbox_factory, client_for, control_for
):
    handle = sandbox_factory(retry_schedule=(0.02, 0.02))
    receiver.answer_next(500, 500, 500)
    client = client_for(handle.url)
    client.v1.customers.create(params={"email": "lost@example.org"})
    assert handle.sandbox.wait_for_webhooks(5)
    status = control_for(handle).get("/webhooks")
    assert status["abandoned"] == 1 and status["failed_attempts"] == 3 and status["delivered"] == 0
    listed = client.v1.events.list(params={"delivery_success": False})
    assert listed.data[0].type == "customer.created" and listed.data[0].pending_webhooks == 1


def test_without_a_webhook_url_events_are_only_stored(sandbox_factory, client_for, control_for):
    handle = sandbox_factory(webhook_url=None, webhook_secret=None)
    client = client_for(handle.url)
    client.v1.customers.create(params={"email": "quiet@example.org"})
    events = client.v1.events.list()
    assert [e.type for e in events.data] == ["customer.created"] and events.data[0].pending_webhooks == 0
    assert control_for(handle).get("/webhooks")["url"] is None
