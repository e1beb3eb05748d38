"""A donor whose first try lost Stripe's answer sends the form again: the same Checkout Session.

The sandbox carries out the first Checkout Session request (and every one of the
client's own retries) but hangs up before answering, as a dropped connection
does. The donor is told the payment service is unavailable and sends the form
again later: under the donation's idempotency key, Stripe accepts only the very
same request, and answers with the session it made the first time.
"""

from __future__ import annotations

import requests
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation, DonationStatus
from tests.support.donors import INDIVIDUAL
from tests.support.live_service import Live
from tests.support.pages import form_fields

CHECKOUT_PATH = "/v1/checkout/sessions"


def _filled_form(live: Live, path: str = "/donate?kind=one_off&amount=80") -> dict[str, str]:
    page = live.get(path)
    assert page.status_code == 200
    return {**form_fields(page.text), "kind": "one_off", "amount": "80", **INDIVIDUAL}


def _sessions_in_stripe(live: Live) -> list[dict]:
    return live.sandbox.sandbox.store.all("checkout.session")


def _lose_every_attempt(live: Live) -> None:
    # The service's client tries 1 + STRIPE_MAX_NETWORK_RETRIES (2) times: every answer is lost.
    lost = requests.post(
        f"{live.sandbox.url}/_sandbox/faults/lose-answers", data={"path": CHECKOUT_PATH, "count": "3"}, timeout=10
    )
    assert lost.status_code == 200, lost.text


def test_a_retry_after_the_answer_was_lost_gets_the_same_session_without_error(live: Live) -> None:
    form = _filled_form(live)
    _lose_every_attempt(live)

    first = live.post("/donate", data=form)
    assert first.status_code == 503
    assert "Le service de paiement est momentanément injoignable" in first.text
    made = _sessions_in_stripe(live)
    assert len(made) == 1  # Stripe made it; only the answer was lost

    again = live.post("/donate", data=form)

    assert again.status_code == 303, again.text
    assert again.headers["Location"] == made[0]["url"]
    assert len(_sessions_in_stripe(live)) == 1
    with live.app.app_context():
        donation = db.session.scalars(select(Donation)).one()
        assert donation.stripe_checkout_session_id == made[0]["id"]
        assert donation.status == DonationStatus.PENDING
        # The lifetime is Stripe's own (24 h from the session's creation), read back from the session.
        assert int(donation.checkout_expires_at.timestamp()) == made[0]["expires_at"]
        assert made[0]["expires_at"] - made[0]["created"] == 24 * 3600

    paid = requests.post(
        f"{live.sandbox.url}/_sandbox/checkout/{made[0]['id']}/pay", data={"card": "4242424242424242"}, timeout=10
    )
    assert paid.status_code == 200 and paid.json()["status"] == "succeeded"
    live.settle_webhooks()
    with live.app.app_context():
        assert db.session.scalars(select(Donation)).one().status == DonationStatus.PAID


def test_a_retry_in_another_language_sends_the_same_request(live: Live) -> None:
    form = _filled_form(live, "/donate?kind=one_off&amount=80&lang=fr")
    _lose_every_attempt(live)
    assert live.post("/donate", data=form).status_code == 503

    live.get("/donate?lang=en")  # the donor switches language before sending the form again
    again = live.post("/donate", data=form)

    assert again.status_code == 303, again.text
    sessions = _sessions_in_stripe(live)
    assert len(sessions) == 1 and again.headers["Location"] == sessions[0]["url"]


def test_the_sandbox_carries_out_a_request_whose_answer_it_loses(live: Live) -> None:
    _lose_every_attempt(live)
    response = live.post("/donate", data=_filled_form(live))
    assert response.status_code == 503
    assert live.sandbox.sandbox.lost_answers[("POST", CHECKOUT_PATH)] == 0
    refused = requests.post(f"{live.sandbox.url}/_sandbox/faults/lose-answers", data={"path": "checkout"}, timeout=10)
    assert refused.status_code == 400 and "path" in refused.json()["error"]["message"]
