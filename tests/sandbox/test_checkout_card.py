"""One-off gifts by card: what the donor sees and what the service is told."""

from __future__ import annotations

import requests


def _page(url: str, method: str = "get", **kwargs) -> requests.Response:
    http = requests.Session()
    http.trust_env = False
    return getattr(http, method)(url, allow_redirects=False, **kwargs)


def test_card_payment_completes_session_and_sends_events_in_stripe_order(make_session, control, client, receiver):
    session = make_session(amount=5000)
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.url.endswith(f"/checkout/{session.id}") and session.id.startswith("cs_test_")

    answer = control.pay(session.id, card="4242 4242 4242 4242")
    control.wait()

    assert answer["status"] == "succeeded" and answer["session_status"] == "complete"
    assert receiver.types == [
        "customer.created",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "charge.updated",
        "checkout.session.completed",
    ]
    assert receiver.bad_signatures == 0
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent.latest_charge"]})
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.customer.startswith("cus_") and done.customer_details.email == "marie.curie@example.org"
    intent = done.payment_intent
    assert intent.status == "succeeded" and intent.amount_received == 5000
    assert intent.metadata.to_dict() == {"donation_id": "42"} and intent.description == "Don 42"
    charge = intent.latest_charge
    assert charge.payment_method_details.type == "card" and charge.payment_method_details.card.last4 == "4242"
    assert charge.metadata.to_dict() == {"donation_id": "42"}  # copied once from the PaymentIntent
    assert charge.balance_transaction.startswith("txn_") and charge.amount_refunded == 0
    completed = receiver.of_type("checkout.session.completed")[0]
    assert completed.data.object.metadata.donation_id == "42"
    assert completed.data.object.client_reference_id == "don-42"
    assert completed.api_version == "2026-10-28.endive" and completed.livemode is False


def test_declined_card_keeps_session_open_and_reports_payment_failed(make_session, control, client, receiver):
    session = make_session()
    answer = control.pay(session.id, card="4000000000000002")
    control.wait()

    assert answer["declined"] is True and answer["session_status"] == "open"
    assert receiver.types == ["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]
    failed = receiver.of_type("payment_intent.payment_failed")[0].data.object
    assert failed.last_payment_error.code == "card_declined"
    assert failed.last_payment_error.decline_code == "generic_decline"

    retry = control.pay(session.id, card="4242424242424242")
    control.wait()
    assert retry["status"] == "succeeded" and retry["payment_intent"] == answer["payment_intent"]
    assert receiver.types.count("payment_intent.created") == 1


def test_3d_secure_card_needs_authentication_then_completes(make_session, control, receiver):
    session = make_session()
    first = control.pay(session.id, card="4000002500003155")
    assert first["requires_action"] is True and first["session_status"] == "open"

    done = control.pay(session.id, authenticate="complete")
    control.wait()
    assert done["status"] == "succeeded" and done["session_status"] == "complete"
    assert "payment_intent.requires_action" in receiver.types
    charge = receiver.of_type("charge.succeeded")[0].data.object
    assert charge.payment_method_details.card.three_d_secure.result == "authenticated"


def test_failed_3d_secure_reports_failure_and_leaves_session_open(make_session, control, client, receiver):
    session = make_session()
    answer = control.pay(session.id, card="4000002500003155", authenticate="fail")
    control.wait()

    assert answer["status"] == "declined" and answer["session_status"] == "open"
    error = receiver.of_type("payment_intent.payment_failed")[0].data.object.last_payment_error
    assert error.code == "payment_intent_authentication_failure"
    assert "charge.failed" not in receiver.types
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_unknown_or_malformed_card_numbers_are_refused_without_any_event(make_session, control, sandbox):
    session = make_session()
    control.pay(session.id, expect=400, card="1234 5678 9012 3456")
    control.pay(session.id, expect=400, card="4111 1111 1111 1111")  # valid Luhn, but not a test card
    assert sandbox.sandbox.store.events == []


def test_hosted_page_shows_amount_and_both_forms_then_redirects_to_success_url(make_session):
    session = make_session(amount=3400)
    page = _page(session.url)
    assert page.status_code == 200
    html = page.text
    assert "34,00\u00a0€" in html and 'name="iban"' in html and 'for="card_number"' in html
    assert "Faire un don" in html and "https://dons.example.org/donate" in html

    declined = _page(
        session.url,
        "post",
        data={
            "method": "card",
            "card_number": "4000 0000 0000 0002",
            "expiry": "12/34",
            "cvc": "123",
            "name": "Marie Curie",
        },
    )
    assert declined.status_code == 402
    assert "Votre carte a été refusée. / Your card was declined." in declined.text

    invalid = _page(
        session.url, "post", data={"method": "card", "card_number": "4242", "expiry": "12/34", "cvc": "123"}
    )
    assert invalid.status_code == 400 and "invalid" in invalid.text and 'aria-invalid="true"' in invalid.text

    paid = _page(
        session.url,
        "post",
        data={
            "method": "card",
            "card_number": "4242424242424242",
            "expiry": "12/34",
            "cvc": "123",
            "name": "Marie Curie",
        },
    )
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://dons.example.org/donate/thanks/42?session={session.id}"
    again = _page(session.url)
    assert "déjà été effectué" in again.text and "already complete" in again.text


def test_hosted_3d_secure_page_offers_complete_and_fail(make_session):
    session = make_session()
    challenge = _page(
        session.url, "post", data={"method": "card", "card_number": "4000002500003155", "expiry": "12/34", "cvc": "123"}
    )
    assert challenge.status_code == 200 and 'value="complete"' in challenge.text and 'value="fail"' in challenge.text
    done = _page(session.url + "/authenticate", "post", data={"outcome": "complete"})
    assert done.status_code == 303


def test_expired_session_shows_a_clear_message_and_sends_expired_event(make_session, client, control, receiver):
    session = make_session()
    expired = client.v1.checkout.sessions.expire(session.id)
    control.wait()
    assert expired.status == "expired" and receiver.types == ["checkout.session.expired"]
    page = _page(session.url)
    assert page.status_code == 410 and "expiré" in page.text and "expired" in page.text
    control.pay(session.id, expect=409, card="4242424242424242")


def test_sessions_expire_on_their_own_when_the_clock_passes_expires_at(make_session, client, control):
    session = make_session()
    control.post("/clock/advance", seconds=25 * 3600)
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
