"""POST /stripe/webhook takes only what Stripe signed, for this mode, recently; it records the rest it cannot use."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from donations.extensions import db
from donations.models import EventOutcome, StripeEvent
from stripe_sandbox import sign
from tests.support.stripe_objects import SECRET, checkout_session, stripe_event
from tests.support.webhook_delivery import deliver, signed_post, stored_events


def events_stored(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) or 0


def _body(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2)


def unsigned() -> tuple[str, str | None]:
    return _body(stripe_event("checkout.session.completed", checkout_session("d-1"))), None


def signed_with_another_secret() -> tuple[str, str | None]:
    body = _body(stripe_event("checkout.session.completed", checkout_session("d-1")))
    return body, sign(body, "whsec_someone_else")


def tampered() -> tuple[str, str | None]:
    body = _body(stripe_event("checkout.session.completed", checkout_session("d-1")))
    return body.replace('"amount_total": 5000', '"amount_total": 50'), sign(body, SECRET)


def stale() -> tuple[str, str | None]:
    body = _body(stripe_event("checkout.session.completed", checkout_session("d-1")))
    return body, sign(body, SECRET, int(time.time()) - 301)  # the tolerance is 300 s


def not_json() -> tuple[str, str | None]:
    body = "evt_123 checkout.session.completed"
    return body, sign(body, SECRET)


def live_event() -> tuple[str, str | None]:
    body = _body(stripe_event("checkout.session.completed", checkout_session("d-1", livemode=True), livemode=True))
    return body, sign(body, SECRET)


@pytest.mark.parametrize("request_body", [unsigned, signed_with_another_secret, tampered, stale, not_json, live_event])
def test_a_request_stripe_did_not_sign_for_us_is_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, request_body: Callable[[], tuple[str, str | None]]
) -> None:
    body, signature = request_body()
    response = signed_post(client, body, signature)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert events_stored(app) == 0


def test_a_refused_signature_leaves_a_log_line_for_the_operator(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    body, signature = signed_with_another_secret()
    assert signed_post(client, body, signature).status_code == 400
    assert any("bad or stale signature" in record.getMessage() for record in caplog.records)


def test_the_signature_tolerance_is_a_setting(make_app: Callable[..., Flask]) -> None:
    app = make_app(STRIPE_WEBHOOK_TOLERANCE="60")
    client = app.test_client()
    old = _body(stripe_event("customer.created", {"id": "cus_1", "object": "customer", "metadata": {}}))
    assert signed_post(client, old, sign(old, SECRET, int(time.time()) - 90)).status_code == 400
    recent = _body(stripe_event("customer.created", {"id": "cus_2", "object": "customer", "metadata": {}}))
    assert signed_post(client, recent, sign(recent, SECRET, int(time.time()) - 30)).status_code == 200
    assert events_stored(app) == 1


def test_an_event_type_the_service_does_not_handle_is_stored_as_ignored(app: Flask, client: FlaskClient) -> None:
    event = stripe_event("payout.created", {"id": "po_1", "object": "payout", "amount": 12345})
    response = deliver(client, event, SECRET)
    assert (response.status_code, response.get_json()["outcome"]) == (200, "ignored")
    [stored] = stored_events(app)
    assert (stored.stripe_id, stored.type, stored.outcome, stored.error) == (
        event["id"],
        "payout.created",
        EventOutcome.IGNORED,
        None,
    )
    assert stored.payload == event


def test_an_event_about_a_donation_that_is_not_ours_is_ignored_without_error(app: Flask, client: FlaskClient) -> None:
    # Another integration on the same Stripe account: its checkout names no donation of ours.
    event = stripe_event("checkout.session.completed", checkout_session("not-one-of-ours"))
    response = deliver(client, event, SECRET)
    assert (response.status_code, response.get_json()["outcome"]) == (200, "ignored")
    [stored] = stored_events(app)
    assert (stored.outcome, stored.error, stored.attempts) == (EventOutcome.IGNORED, None, 1)


def test_a_test_mode_event_is_refused_by_a_service_running_with_a_live_key(make_app: Callable[..., Flask]) -> None:
    app = make_app(STRIPE_SECRET_KEY="sk_live_not_a_real_key", STRIPE_API_BASE="", STRIPE_WEBHOOK_SECRET=SECRET)
    response = deliver(app.test_client(), stripe_event("checkout.session.completed", checkout_session("d-1")), SECRET)
    assert response.status_code == 400
    assert events_stored(app) == 0
