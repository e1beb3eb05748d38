"""checkout.session.expired: a pending gift expires (in one statement), any other is left as it is."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask

from donations.extensions import db
from donations.models import Donation, DonationStatus, EventOutcome, StripeEvent
from tests.support.bulk import make_monthly_donors
from tests.support.recorded_events import WEBHOOK_SECRET
from tests.support.stripe_objects import checkout_session, stripe_event
from tests.support.webhook_delivery import deliver, snapshot


def _expired(public_id: str) -> dict[str, Any]:
    session = {**checkout_session(public_id), "payment_status": "unpaid", "status": "expired", "payment_intent": None}
    return stripe_event("checkout.session.expired", session)


def _gifts(make_app: Callable[..., Flask], *statuses: str) -> tuple[Flask, list[str]]:
    """The app, and one gift in each of `statuses` (their public ids)."""
    app = make_app(STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    with app.app_context():
        make_monthly_donors(db.engine, len(statuses), payments_each=0)
        gifts = db.session.scalars(sa.select(Donation).order_by(Donation.id)).all()
        for gift, status in zip(gifts, statuses, strict=True):
            gift.status = DonationStatus(status)
        db.session.commit()
        return app, [gift.public_id for gift in gifts]


def _gift(app: Flask, public_id: str) -> Donation:
    with app.app_context():
        found = db.session.scalars(sa.select(Donation).where(Donation.public_id == public_id)).one()
        db.session.expunge(found)
        return found


def _stored(app: Flask, event: dict[str, Any]) -> StripeEvent:
    with app.app_context():
        found = db.session.scalars(sa.select(StripeEvent).where(StripeEvent.stripe_id == event["id"])).one()
        db.session.expunge(found)
        return found


def test_an_expired_checkout_expires_its_pending_gift_once(make_app: Callable[..., Flask]) -> None:
    app, (pending, other) = _gifts(make_app, "pending", "pending")
    before = _gift(app, pending)
    client = app.test_client()
    event = _expired(pending)

    answer = deliver(client, event)

    assert answer.status_code == 200 and answer.get_json()["outcome"] == "applied"
    after = _gift(app, pending)
    assert after.status == DonationStatus.EXPIRED
    assert after.updated_at > before.updated_at
    assert _gift(app, other).status == DonationStatus.PENDING
    stored = _stored(app, event)
    assert (stored.outcome, stored.donation_id, stored.attempts) == (EventOutcome.APPLIED, before.id, 1)

    unchanged = snapshot(app)
    repeat = deliver(client, event)
    assert repeat.status_code == 200 and repeat.get_json()["outcome"] == "duplicate"
    assert snapshot(app) == unchanged


def test_an_expired_checkout_leaves_a_gift_that_was_paid_as_it_is(make_app: Callable[..., Flask]) -> None:
    app, (paid, processing) = _gifts(make_app, "paid", "processing")
    for public_id, status in ((paid, DonationStatus.PAID), (processing, DonationStatus.PROCESSING)):
        event = _expired(public_id)
        answer = deliver(app.test_client(), event)
        assert answer.status_code == 200 and answer.get_json()["outcome"] == "applied"
        assert _gift(app, public_id).status == status
        stored = _stored(app, event)
        assert (stored.outcome, stored.donation_id) == (EventOutcome.APPLIED, _gift(app, public_id).id)


def test_an_expired_checkout_of_no_gift_of_ours_is_recorded_and_ignored(make_app: Callable[..., Flask]) -> None:
    app, (pending,) = _gifts(make_app, "pending")
    event = _expired(str(uuid.uuid4()))

    answer = deliver(app.test_client(), event)

    assert answer.status_code == 200 and answer.get_json()["outcome"] == "ignored"
    stored = _stored(app, event)
    assert (stored.outcome, stored.donation_id) == (EventOutcome.IGNORED, None)
    assert _gift(app, pending).status == DonationStatus.PENDING
