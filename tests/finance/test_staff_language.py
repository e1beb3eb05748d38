"""The back office speaks the staff member's language and French typography: event outcomes and
CSV values translated (codes kept beside them), "Don d'Élodie", "annulé : Remboursement", and
the failed-payments count opens their list."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.clock import utcnow
from donations.extensions import db
from donations.models import DonationKind, DonationStatus, EventOutcome, Payment, PaymentStatus, Receipt, StripeEvent
from receipts.issuing import cancel_receipt
from tests.support.pages import text_of as tags_removed


def text_of(page: str) -> str:
    return html.unescape(tags_removed(page)).replace("\u00a0", " ")


def _csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_french_elides_before_a_vowel_and_english_does_not(finance: FlaskClient, paid_gift: Callable[..., Any]) -> None:
    elodie, _, _ = paid_gift(first_name="Élodie", last_name="Durand")
    camille, _, _ = paid_gift(first_name="Camille", last_name="Martin")
    hugo, _, _ = paid_gift(first_name="Hugo", last_name="Bernard")
    assert "Don d'Élodie Durand" in text_of(finance.get(f"/finance/donations/{elodie}").text)
    assert "Don d'Hugo Bernard" in text_of(finance.get(f"/finance/donations/{hugo}").text)
    assert "Don de Camille Martin" in text_of(finance.get(f"/finance/donations/{camille}").text)
    assert "Donation of Élodie Durand" in text_of(finance.get(f"/finance/donations/{elodie}?lang=en").text)


def test_a_cancelled_receipt_reads_annule_colon_reason_in_the_readers_language(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, number, _ = paid_gift()
    with app.app_context():
        cancel_receipt(
            db.session.scalars(select(Receipt).where(Receipt.number == number)).one(), "Remboursement", utcnow()
        )
        db.session.commit()
    assert "annulé : Remboursement" in text_of(finance.get(f"/finance/donations/{public_id}").text)
    assert "cancelled: Refund" in text_of(finance.get(f"/finance/donations/{public_id}?lang=en").text)
    rows = _csv(finance.get("/finance/receipts.csv").data)
    [row] = [r for r in rows if r["number"] == number]
    assert (row["status"], row["cancel_reason"]) == ("cancelled", "Remboursement")  # the codes accountants script
    assert (
        row["cancel_reason_label"] == "Refund" and row["status_label"] == "cancelled"
    )  # the reader's language (English now)
    finance.get("/finance/?lang=fr")
    [row] = [r for r in _csv(finance.get("/finance/receipts.csv").data) if r["number"] == number]
    assert (row["status_label"], row["cancel_reason_label"], row["kind_label"]) == (
        "annulé",
        "Remboursement",
        "par don",
    )


def test_event_outcomes_and_csv_values_read_in_the_staff_language_with_their_codes(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, _, payment_id = paid_gift(first_name="Élodie")
    with app.app_context():
        donation_id = db.session.get(Payment, payment_id).donation_id
        db.session.add(
            StripeEvent(
                stripe_id="evt_label_test",
                type="checkout.session.completed",
                created=utcnow(),
                payload={},
                outcome=EventOutcome.APPLIED,
                attempts=1,
                donation_id=donation_id,
            )
        )
        db.session.commit()
    page = text_of(finance.get(f"/finance/donations/{public_id}").text)
    assert "appliqué ( applied )" in page
    english = text_of(finance.get(f"/finance/donations/{public_id}?lang=en").text)
    assert "applied ( applied )" in english

    rows = _csv(finance.get("/finance/donations.csv").data)  # English since ?lang=en
    [row] = [r for r in rows if r["donation"] == public_id]
    assert (row["kind"], row["status"], row["tax_scheme"], row["donor_type"]) == (
        "one_off",
        "paid",
        "income_tax",
        "individual",
    )
    assert (row["kind_label"], row["status_label"], row["donor_type_label"]) == ("One-off", "received", "Individual")
    finance.get("/finance/?lang=fr")
    [row] = [r for r in _csv(finance.get("/finance/donations.csv").data) if r["donation"] == public_id]
    assert (row["kind"], row["kind_label"], row["status_label"], row["tax_scheme_label"], row["donor_type_label"]) == (
        "one_off",
        "Ponctuel",
        "reçu",
        "Impôt sur le revenu (art. 200)",
        "Particulier",
    )


def test_the_failed_payments_count_opens_their_list(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, _, payment_id = paid_gift(3000, DonationKind.MONTHLY, first_name="Élodie", last_name="Durand")
    paid_gift(first_name="Paul")
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        payment.status = PaymentStatus.FAILED
        payment.donation.status = DonationStatus.ACTIVE
        db.session.commit()
    dashboard = finance.get("/finance/").text
    assert '<a class="status-error" href="/finance/payments/failed">1 paiement échoué en attente</a>' in dashboard
    listing = finance.get("/finance/payments/failed")
    assert listing.status_code == 200
    text = text_of(listing.text)
    assert "Élodie Durand" in text and "30,00 €" in text and "Paul" not in text
    assert f'href="/finance/donations/{public_id}"' in listing.text
