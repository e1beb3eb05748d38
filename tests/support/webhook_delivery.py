"""Stripe events posted to the real app as Stripe posts them (signed), and what the database then holds."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from donations.extensions import db
from donations.models import Donation, StripeEvent
from donations.platform.jobs import wait_for_inline_jobs
from stripe_sandbox import sign
from tests.support.recorded_events import WEBHOOK_SECRET


def signed_post(client: FlaskClient, body: str | bytes, signature: str | None) -> TestResponse:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    answer = client.post("/stripe/webhook", data=body, headers=headers)
    # The emails an event asks for are sent after the answer: the test reads the state once they are.
    assert wait_for_inline_jobs(client.application)
    return answer


def deliver(client: FlaskClient, event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> TestResponse:
    """Post an event as Stripe does: a JSON body signed with the endpoint's secret."""
    body = json.dumps(event, indent=2)
    return signed_post(client, body, sign(body, secret))


def stored_events(app: Flask) -> list[StripeEvent]:
    with app.app_context():
        events = db.session.scalars(sa.select(StripeEvent).order_by(StripeEvent.id)).all()
        db.session.expunge_all()
        return list(events)


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a repeat that changes nothing leaves this equal."""
    with app.app_context(), db.engine.connect() as conn:
        tables = db.metadata.sorted_tables
        return {t.name: sorted((tuple(row) for row in conn.execute(sa.select(t))), key=repr) for t in tables}


def gift_state(app: Flask, public_id: str) -> tuple[Any, ...]:
    """A donation's status and amount, and its payments (amount, refunded, status, method, when, dispute)."""
    with app.app_context():
        donation = db.session.scalars(sa.select(Donation).where(Donation.public_id == public_id)).one()
        paid = [
            (
                p.amount_cents,
                p.refunded_cents,
                p.status.value,
                p.method.value,
                p.received_at,
                p.disputed,
                p.dispute_status,
            )
            for p in donation.payments
        ]
        return donation.status.value, donation.amount_cents, sorted(paid, key=repr)
