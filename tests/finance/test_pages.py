"""What finance reads: the dashboard, the donations list and its filters, a donation's page, the audit log."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.clock import utcnow
from donations.extensions import db
from donations.models import Donation, DonationKind, DonationStatus, EventOutcome, Payment, PaymentStatus, StripeEvent
from tests.support.pages import text_of

NOW = utcnow()


def donation_ids(page: str) -> list[str]:
    return re.findall(r'href="/finance/donations/([0-9a-f-]{36})"', page)


def test_dashboard_shows_the_month_and_the_year_and_the_webhooks(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    paid_gift(5000, received_at=NOW)
    paid_gift(1500, DonationKind.MONTHLY, received_at=NOW)
    paid_gift(100000, DonationKind.IFI, received_at=NOW)
    last_year = NOW.replace(year=NOW.year - 1)
    paid_gift(7000, received_at=last_year)
    with app.app_context():
        db.session.add(
            StripeEvent(
                stripe_id="evt_failed_1",
                type="invoice.paid",
                created=NOW,
                payload={},
                outcome=EventOutcome.FAILED,
                error="boom",
            )
        )
        failing = db.session.scalars(select(Donation).where(Donation.kind == DonationKind.MONTHLY)).one()
        db.session.add(
            Payment(
                donation=failing,
                amount_cents=1500,
                method="card",
                status=PaymentStatus.FAILED,
                stripe_invoice_id="in_failed",
            )
        )
        db.session.commit()
    page = finance.get("/finance/?lang=en")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Total 1 065,00 €" in text  # 50 + 15 + 1 000 this month
    assert "One-off 50,00 € Monthly 15,00 € IFI 1 000,00 €" in text
    assert "Donors 3" in text
    assert "1 active monthly gift" in text and "15,00 € a month in all" in text
    assert "1 failed payment waiting" in text
    assert "1 failed event waiting for a retry" in text and "evt_failed_1" in text
    assert page.text.count('class="chart-bar"') == 12
    assert "Content-Security-Policy" in page.headers and "style=" not in page.text


def test_donations_are_filtered_searched_and_sorted(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    small, small_receipt, small_payment = paid_gift(2000, last_name="Lefebvre", email="lefebvre@example.org")
    big, _, _ = paid_gift(90000, DonationKind.IFI, last_name="Dubois")
    monthly, _, _ = paid_gift(1000, DonationKind.MONTHLY, last_name="Moreau")
    with app.app_context():
        db.session.get(Payment, small_payment).stripe_charge_id = "ch_findme123"
        old = db.session.scalars(select(Donation).where(Donation.public_id == big)).one()
        old.created_at = dt.datetime(2025, 1, 15, 12, tzinfo=dt.UTC)
        db.session.commit()

    def found(**args: str) -> list[str]:
        page = finance.get("/finance/donations", query_string=args)
        assert page.status_code == 200, page.text
        return donation_ids(page.text)

    assert set(found()) == {small, big, monthly}
    assert found(q="lefeb") == [small]
    assert found(q="LEFEBVRE@example.org") == [small]
    assert found(q="Camille Moreau") == [monthly]
    assert found(q=small_receipt) == [small]
    assert found(q="ch_findme123") == [small]
    assert found(q="ch_findme") == []  # identifiers match exactly
    assert found(kind="ifi") == [big]
    assert found(scheme="ifi") == [big]
    assert found(status="active") == [monthly]
    assert set(found(amount_min="15", amount_max="900,00")) == {small, big}
    assert found(date_to="2025-12-31") == [big]
    assert big not in found(date_from="2026-01-01")
    assert found(sort="amount", order="asc") == [monthly, small, big]
    assert found(sort="amount", order="desc") == [big, small, monthly]
    assert found(sort="donor", order="asc") == [big, small, monthly]
    assert finance.get("/finance/donations?sort=password_hash").status_code == 400
    assert finance.get("/finance/donations?amount_min=abc").status_code == 400
    assert finance.get("/finance/donations?date_from=2026-02-01&date_to=2026-01-01").status_code == 400


def test_the_donations_list_is_paginated(app: Flask, finance: FlaskClient) -> None:
    from tests.support.factories import settled_payment

    with app.app_context():
        for _ in range(55):
            settled_payment(db.session, 1000)
        db.session.commit()
    first = finance.get("/finance/donations?lang=en")
    next_page = re.search(r'href="(/finance/donations\?after=[^"]+)" rel="next"', first.text)
    assert next_page is not None and "55 donations found" in text_of(first.text)
    second = finance.get(html.unescape(next_page.group(1)))
    assert len(donation_ids(first.text)) == 50 and len(donation_ids(second.text)) == 5
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text
    assert not set(donation_ids(first.text)) & set(donation_ids(second.text))


def test_a_donation_page_shows_donor_payments_events_receipts_and_actions(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, number, payment_id = paid_gift(4200, first_name="Élise", email="elise@example.org")
    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).one()
        db.session.add(
            StripeEvent(
                stripe_id="evt_123",
                type="checkout.session.completed",
                created=NOW,
                payload={},
                outcome=EventOutcome.APPLIED,
                donation_id=donation.id,
            )
        )
        db.session.add(
            StripeEvent(
                stripe_id="evt_other", type="invoice.paid", created=NOW, payload={}, outcome=EventOutcome.APPLIED
            )
        )
        db.session.commit()
    page = finance.get(f"/finance/donations/{public_id}?lang=en")
    assert page.status_code == 200
    text = text_of(page.text)
    for expected in (
        "Élise",
        "elise@example.org",
        "42,00 €",
        number,
        "evt_123",
        "checkout.session.completed",
        "received",
    ):
        assert expected in text
    assert "evt_other" not in text
    for action in (
        f"/finance/receipts/{number}.pdf",
        f"/finance/receipts/{number}/resend",
        f"/finance/receipts/{number}/cancel",
        f"/finance/payments/{payment_id}/refund",
    ):
        assert f'href="{action}"' in page.text
    assert finance.get("/finance/donations/not-a-donation").status_code == 404


def test_pages_are_in_french_by_default_and_in_english_on_request(finance: FlaskClient) -> None:
    assert '<html lang="fr">' in finance.get("/finance/donations", headers={"Accept-Language": "fr"}).text
    assert '<html lang="en">' in finance.get("/finance/donations?lang=en").text


def test_the_audit_log_lists_who_did_what_and_has_no_way_to_change_it(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _public_id, number, _ = paid_gift()
    assert finance.get(f"/finance/receipts/{number}.pdf").status_code == 200
    page = finance.get("/finance/audit?lang=en")
    text = text_of(page.text)
    assert (
        "Receipt downloaded" in text
        and f"receipt {number}" in text
        and "compta@fondation.example" in text
        and "127.0.0.1" in text
    )
    assert "Signed in" in text
    only = text_of(finance.get("/finance/audit?action=receipt.download&lang=en").text)
    assert "1 entry" in only
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert finance.open("/finance/audit", method=method).status_code in (400, 405)
    assert not [
        rule for rule in app.url_map.iter_rules() if "audit" in rule.rule and rule.methods - {"GET", "HEAD", "OPTIONS"}
    ]


def test_the_status_filter_finds_refunded_gifts(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, _, _ = paid_gift()
    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).one()
        donation.status = DonationStatus.REFUNDED
        db.session.commit()
    assert donation_ids(finance.get("/finance/donations?status=refunded").text) == [public_id]


def test_a_gift_given_under_another_name_is_found_by_that_name_and_shown_as_given(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, _number, _payment_id = paid_gift(4200, last_name="Martin")
    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).one()
        donation.identity = {**donation.identity, "last_name": "Pirate", "city": "Marseille"}
        db.session.commit()
    found = finance.get("/finance/donations?q=Pirate&lang=en")
    assert public_id in found.text
    page = text_of(finance.get(f"/finance/donations/{public_id}?lang=en").text)
    assert "Donation of Camille Pirate" in page and "Marseille" in page
    assert "Donor record" in page and "its receipts print the identity above" in page
