"""Pages with personal data are kept by no cache, and the thank-you page shows no email address."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from donations.extensions import db
from tests.support.donors import INDIVIDUAL
from tests.support.factories import settled_payment
from tests.support.pages import form_fields


def test_the_thank_you_page_shows_no_email_address_and_no_cache_keeps_it(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        donation = settled_payment(db.session).donation
        db.session.commit()
        public_id, email = donation.public_id, donation.donor.email
    page = client.get(f"/donate/thanks/{public_id}?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Thank you, we have received your gift" in text
    assert email not in text and "@" not in text.split("<footer", 1)[0]
    assert page.headers["Cache-Control"] == "no-store"


def test_a_donation_form_sent_back_with_what_was_typed_is_kept_by_no_cache(client: FlaskClient) -> None:
    page = client.get("/donate?kind=one_off&amount=50")
    assert "no-store" not in page.headers.get("Cache-Control", "")  # the empty form may be cached
    refused = client.post(
        "/donate", data={**form_fields(page.get_data(as_text=True)), **INDIVIDUAL, "kind": "one_off", "amount": "1"}
    )
    assert refused.status_code == 400 and INDIVIDUAL["address_line1"] in refused.get_data(as_text=True)
    assert refused.headers["Cache-Control"] == "no-store"
