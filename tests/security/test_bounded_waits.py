"""Bounded waits: a hung Stripe or mail relay never holds a donor or a Stripe webhook for long.

The stand-ins are loopback servers that accept connections and never answer
(tests/support/stalls.py); the app is the real one, on the real database.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from donations.config import load_config
from donations.extensions import db
from donations.models import Donation, DonationStatus, Receipt
from donations.platform import mail
from donations.platform.jobs import wait_for_inline_jobs
from donations.platform.stripe_api import longest_wait_seconds
from stripe_sandbox import sign
from tests.support.donors import INDIVIDUAL
from tests.support.pages import form_fields
from tests.support.recorded_events import WEBHOOK_SECRET, Recording, restore
from tests.support.stalls import StalledServer


@pytest.fixture
def stalled() -> Iterator[StalledServer]:
    server = StalledServer()
    yield server
    server.close()


def finished_within(seconds: float, work: Callable[[], Any]) -> tuple[bool, float, list[Any]]:
    """Run `work` in a thread; (finished in time, seconds taken, [its result]) without waiting longer."""
    result: list[Any] = []
    started = time.monotonic()
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), time.monotonic() - started, result


def test_default_stripe_settings_keep_a_donor_waiting_about_20_seconds_at_most() -> None:
    config = load_config({})
    assert (config["STRIPE_TIMEOUT"], config["STRIPE_MAX_NETWORK_RETRIES"]) == (6.0, 2)
    assert 15 <= longest_wait_seconds(config) <= 21


def test_a_donor_facing_a_hung_stripe_gets_the_unavailable_page_in_bounded_time_and_the_gift_is_kept(
    make_app: Callable[..., Flask], stalled: StalledServer
) -> None:
    app = make_app(STRIPE_API_BASE=stalled.url, STRIPE_TIMEOUT="1", STRIPE_MAX_NETWORK_RETRIES="1")
    bound = longest_wait_seconds(app.config) + 2  # 1 s, a pause of 0.5 s, 1 s again; then a margin
    client = app.test_client()
    page = client.get("/donate?kind=one_off&amount=50")
    data = {**form_fields(page.text), "kind": "one_off", "amount": "50", **INDIVIDUAL}

    done, _took, [answer] = finished_within(bound, lambda: client.post("/donate", data=data)) or (False, 0, [None])
    assert done, f"the donor still waits after {bound:.1f} s"
    assert answer.status_code == 503
    assert "Vos informations sont conservées" in answer.get_data(as_text=True) or "details are kept" in answer.get_data(
        as_text=True
    )
    assert stalled.connections == 2  # the first attempt and its one retry
    with app.app_context():
        [donation] = db.session.scalars(sa.select(Donation)).all()
        assert (donation.status, donation.donor.email, donation.amount_cents) == (
            DonationStatus.PENDING,
            INDIVIDUAL["email"],
            5000,
        )


def test_smtp_waits_are_bounded_by_the_mail_timeout(make_app: Callable[..., Flask], stalled: StalledServer) -> None:
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(stalled.port), MAIL_TIMEOUT="1")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "dons@example.org", "camille@example.org", "test"
    message.set_content("test")

    def send() -> str:
        with app.app_context():
            try:
                mail.deliver(message)
            except OSError as error:  # socket.timeout, SMTPServerDisconnected...
                return type(error).__name__
            return "sent"

    done, took, result = finished_within(5, send)
    assert done and took < 3, f"deliver waited {took:.1f} s on a relay that never answers"
    assert result != ["sent"]


def test_a_webhook_answers_fast_while_the_mail_relay_hangs_and_the_receipt_email_stays_pending(
    make_app: Callable[..., Flask], recording: Recording, stalled: StalledServer
) -> None:
    app = make_app(
        STRIPE_API_BASE=recording.sandbox.url,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(stalled.port),
        MAIL_TIMEOUT="6",
    )
    restore(app, recording)
    client = app.test_client()

    def post(event: dict[str, Any]) -> Any:
        body = json.dumps(event)
        return client.post(
            "/stripe/webhook",
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": sign(body, WEBHOOK_SECRET)},
        )

    # A SEPA debit that settles: one of its events issues the receipt, whose email then hangs.
    for event in recording.lifecycles["sepa_debit_succeeds"].events:
        done, took, answers = finished_within(10, lambda: post(event))  # noqa: B023  (called at once, in this iteration)
        assert done and took < 5, f"the webhook ({event['type']}) answered after {took:.1f} s"
        assert answers[0].status_code == 200
    with app.app_context():
        [receipt] = db.session.scalars(sa.select(Receipt)).all()
        assert receipt.emailed_at is None  # the relay has not taken it: still owed

    stalled.close()  # the relay goes away; the retries fail at once
    assert wait_for_inline_jobs(app, 30)
    with app.app_context():
        [receipt] = db.session.scalars(sa.select(Receipt)).all()
        assert receipt.emailed_at is None  # left for `flask receipts send-pending`
