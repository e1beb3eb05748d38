"""Giving end to end: the form, Stripe Checkout in the sandbox, webhooks, the thank-you page."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import requests
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation, DonationKind, DonationStatus, PaymentMethod, PaymentStatus
from tests.support.checkouts import donation_of, session_id
from tests.support.donors import COMPANY, INDIVIDUAL
from tests.support.live_service import Live
from tests.support.pages import form_fields

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
IBAN_OK = "FR1420041010050500013M02606"


def state(live: Live, checkout_url: str) -> tuple[DonationStatus, list[tuple[int, PaymentStatus, PaymentMethod]]]:
    with live.app.app_context():
        donation = db.session.scalars(
            select(Donation).where(Donation.stripe_checkout_session_id == session_id(checkout_url))
        ).one()
        payments = [(p.amount_cents, p.status, p.method) for p in donation.payments]
        return donation.status, payments


def thanks_text(live: Live, checkout_url: str) -> str:
    donation = donation_of(live, checkout_url)
    page = live.get(f"/donate/thanks/{donation.public_id}")
    assert page.status_code == 200
    return html.unescape(re.sub(r"[ \t\r\n]+", " ", page.text))


def test_one_off_card_gift_is_received_and_the_thanks_page_says_so(
    live: Live, give: Callable[..., requests.Response]
) -> None:
    response = give(kind="one_off", amount="50")
    assert response.status_code == 303
    checkout = response.headers["Location"]
    assert checkout.startswith(live.sandbox.url + "/checkout/")
    assert "nous attendons la confirmation" in thanks_text(live, checkout)

    live.control(f"checkout/{session_id(checkout)}/pay", card=CARD_OK)
    live.settle_webhooks()

    assert state(live, checkout) == (DonationStatus.PAID, [(5000, PaymentStatus.SUCCEEDED, PaymentMethod.CARD)])
    text = thanks_text(live, checkout)
    assert "Merci, nous avons bien reçu votre don" in text
    assert "50,00\u00a0€" in text


def test_declined_card_leaves_the_gift_unpaid(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="one_off", amount="30").headers["Location"]
    answer = live.control(f"checkout/{session_id(checkout)}/pay", card=CARD_DECLINED)
    assert answer.get("declined") or answer.get("status") != "complete"
    live.settle_webhooks()
    status, payments = state(live, checkout)
    assert status == DonationStatus.PENDING
    assert payments == []
    assert "Merci, nous avons bien reçu" not in thanks_text(live, checkout)


def test_monthly_gift_with_two_renewals_records_three_payments(
    live: Live, give: Callable[..., requests.Response]
) -> None:
    checkout = give(kind="monthly", amount="15").headers["Location"]
    live.control(f"checkout/{session_id(checkout)}/pay", card=CARD_OK)
    live.settle_webhooks()
    donation = donation_of(live, checkout)
    assert donation.stripe_subscription_id
    for _ in range(2):
        live.control(f"subscriptions/{donation.stripe_subscription_id}/advance")
        live.settle_webhooks()
    status, payments = state(live, checkout)
    assert status == DonationStatus.ACTIVE
    assert payments == [(1500, PaymentStatus.SUCCEEDED, PaymentMethod.CARD)] * 3
    assert "Votre don mensuel de 15,00\u00a0€ est actif." in thanks_text(live, checkout)


def test_ifi_gift_is_recorded_under_ifi_with_its_rules(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="ifi", amount="80000").headers["Location"]
    live.control(f"checkout/{session_id(checkout)}/pay", card=CARD_OK)
    live.settle_webhooks()
    donation = donation_of(live, checkout)
    assert donation.kind == DonationKind.IFI
    assert donation.tax_scheme == "ifi"
    assert donation.ifi_cents == 8_000_000
    assert donation.tax_rules["ifi_reduction_cap_cents"] == 5_000_000
    assert state(live, checkout)[0] == DonationStatus.PAID
    assert "30\u202f000,00\u00a0€" in thanks_text(live, checkout)


def test_company_gift_is_recorded_under_article_238_bis(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="one_off", amount="10000", donor=COMPANY).headers["Location"]
    live.control(f"checkout/{session_id(checkout)}/pay", card=CARD_OK)
    live.settle_webhooks()
    donation = donation_of(live, checkout)
    assert donation.tax_scheme == "company"
    with live.app.app_context():
        stored = db.session.get(Donation, donation.id)
        assert (stored.donor.company_name, stored.donor.siren) == ("ACME Industries", "732829320")
    assert state(live, checkout)[0] == DonationStatus.PAID
    assert "4\u202f000,00\u00a0€" in thanks_text(live, checkout)


def test_sepa_gift_is_processing_until_the_debit_succeeds(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="one_off", amount="100").headers["Location"]
    answer = live.control(f"checkout/{session_id(checkout)}/pay", iban=IBAN_OK, name="Camille Martin")
    live.settle_webhooks()
    assert state(live, checkout) == (
        DonationStatus.PROCESSING,
        [(10000, PaymentStatus.PROCESSING, PaymentMethod.SEPA_DEBIT)],
    )
    assert "Merci, votre paiement est en cours de traitement" in thanks_text(live, checkout)

    live.control(f"payment_intents/{answer['payment_intent']}/settle")
    live.settle_webhooks()
    assert state(live, checkout) == (DonationStatus.PAID, [(10000, PaymentStatus.SUCCEEDED, PaymentMethod.SEPA_DEBIT)])
    assert "Merci, nous avons bien reçu votre don" in thanks_text(live, checkout)


def test_sepa_gift_whose_debit_fails_ends_failed(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="one_off", amount="100").headers["Location"]
    answer = live.control(
        f"checkout/{session_id(checkout)}/pay", iban="FR8420041010050500013M02606", name="Camille Martin"
    )
    live.settle_webhooks()
    live.control(f"payment_intents/{answer['payment_intent']}/settle")
    live.settle_webhooks()
    status, payments = state(live, checkout)
    assert status == DonationStatus.FAILED
    assert [p[1] for p in payments] == [PaymentStatus.FAILED]
    assert "Votre paiement n'a pas abouti" in thanks_text(live, checkout)


def test_double_submit_creates_one_donation_and_one_session(live: Live) -> None:
    page = live.get("/donate?kind=one_off&amount=50")
    data = {**form_fields(page.text), "kind": "one_off", "amount": "50", **INDIVIDUAL}
    first = live.post("/donate", data=data)
    second = live.post("/donate", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    with live.app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Donation)) == 1


def test_tampered_amount_or_kind_is_refused_and_nothing_is_recorded(live: Live) -> None:
    page = live.get("/donate?kind=one_off&amount=50")
    tampered = [
        {"amount": "-50"},
        {"amount": "0,001"},
        {"amount": "99999999"},
        {"amount": "1"},
        {"kind": "gold"},
        {"kind": "ifi", **COMPANY},
        {"net_cost": "0", "amount": "abc"},
    ]
    for overrides in tampered:
        data = {**form_fields(page.text), "kind": "one_off", "amount": "50", **INDIVIDUAL, **overrides}
        response = live.post("/donate", data=data)
        assert response.status_code == 400, overrides
        assert 'class="field-error"' in response.text
    with live.app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Donation)) == 0


def test_browser_sent_tax_figures_are_ignored(live: Live, give: Callable[..., requests.Response]) -> None:
    response = give(kind="one_off", amount="100", net_cost="1", reduction="99", tax_rate="0.99")
    assert response.status_code == 303
    donation = donation_of(live, response.headers["Location"])
    assert (donation.amount_cents, str(donation.tax_rate)) == (10000, "0.6600")


def test_form_without_csrf_token_is_refused(live: Live) -> None:
    response = live.post("/donate", data={"kind": "one_off", "amount": "50", **INDIVIDUAL})
    assert response.status_code == 400
    with live.app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Donation)) == 0


def test_cancel_at_checkout_offers_the_form_again(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="monthly", amount="15").headers["Location"]
    donation = donation_of(live, checkout)
    page = live.get(f"/donate/cancelled/{donation.public_id}")
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "Votre paiement a été annulé" in text
    assert "/donate?kind=monthly&amp;amount=15" in page.text


def test_a_checkout_stripe_expires_expires_the_donation(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="one_off", amount="50").headers["Location"]
    client = live.app.extensions["stripe_client"]
    client.v1.checkout.sessions.expire(session_id(checkout))
    live.settle_webhooks()
    assert state(live, checkout)[0] == DonationStatus.EXPIRED
    assert "Ce don n'a pas été finalisé" in thanks_text(live, checkout)


def test_expire_command_catches_checkouts_whose_event_was_missed(
    live: Live, give: Callable[..., requests.Response]
) -> None:
    import datetime as dt

    from donations.clock import utcnow
    from donations.giving import operations as giving

    live.control("webhooks/pause")
    checkout = give(kind="one_off", amount="50").headers["Location"]
    client = live.app.extensions["stripe_client"]
    client.v1.checkout.sessions.expire(session_id(checkout))
    with live.app.app_context():
        assert giving.expire_abandoned(db.session, client, utcnow()) == 0  # not overdue yet
        assert giving.expire_abandoned(db.session, client, utcnow() + dt.timedelta(days=2)) == 1
        db.session.commit()
    assert state(live, checkout)[0] == DonationStatus.EXPIRED
    live.control("webhooks/resume")
    live.settle_webhooks()
    assert state(live, checkout)[0] == DonationStatus.EXPIRED


def test_unknown_donation_pages_answer_404(live: Live) -> None:
    assert live.get("/donate/thanks/not-a-donation").status_code == 404
    assert live.get("/donate/cancelled/not-a-donation").status_code == 404
