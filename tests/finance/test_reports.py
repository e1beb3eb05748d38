"""The back office's reports: charts drawn on the server as SVG (titled, described, no script), each with
its table of figures and its CSV, from a year of gifts of every kind and method."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

from flask import Flask
from flask.testing import FlaskClient

from donations.extensions import db
from donations.fulfilment.payouts import PAYMENT_TYPES
from donations.models import (
    DonationKind,
    DonationStatus,
    EventOutcome,
    PaymentMethod,
    Payout,
    PayoutLine,
    StripeEvent,
)
from tests.support.factories import settled_payment
from tests.support.pages import text_of

UTC = dt.UTC
SVG = "{http://www.w3.org/2000/svg}"


def _at(month: int, day: int = 5) -> dt.datetime:
    return dt.datetime(2025, month, day, 10, 0, tzinfo=UTC)


def _a_year(app: Flask) -> None:
    with app.app_context():
        session = db.session
        card = settled_payment(session, 10000, DonationKind.ONE_OFF, _at(1))
        card.fee_cents = 175
        sepa = settled_payment(session, 30000, DonationKind.IFI, _at(1, 20))
        sepa.method, sepa.fee_cents = PaymentMethod.SEPA_DEBIT, 35
        refunded = settled_payment(session, 5000, DonationKind.ONE_OFF, _at(2))
        refunded.refunded_cents = 2000
        # A monthly gift paid January to March, then stopped in April (Stripe said so).
        first = settled_payment(session, 1500, DonationKind.MONTHLY, _at(1))
        first.fee_cents = 48
        for month in (2, 3):
            later = settled_payment(session, 1500, DonationKind.MONTHLY, _at(month), donor=first.donation.donor)
            later.donation = first.donation
        first.donation.status = DonationStatus.CANCELLED
        session.flush()
        session.add(
            StripeEvent(
                stripe_id="evt_stop",
                type="customer.subscription.deleted",
                created=_at(4, 2),
                payload={},
                outcome=EventOutcome.APPLIED,
                donation_id=first.donation.id,
            )
        )
        # Another monthly gift, paid in January and March only: it lapsed in February.
        other = settled_payment(session, 2000, DonationKind.MONTHLY, _at(1))
        again = settled_payment(session, 2000, DonationKind.MONTHLY, _at(3), donor=other.donation.donor)
        again.donation = other.donation
        session.commit()


def test_the_reports_page_draws_each_chart_as_svg_with_its_table(app: Flask, finance: FlaskClient) -> None:
    _a_year(app)
    page = finance.get("/finance/reports?year=2025&lang=fr")
    assert page.status_code == 200
    assert "<script" not in page.text
    svgs = re.findall(r"<svg class=\"chart\".*?</svg>", page.text, flags=re.S)
    assert len(svgs) == 5
    titles = []
    for markup in svgs:
        svg = ET.fromstring(markup)  # well-formed SVG, drawn on the server
        assert svg.get("role") == "img"
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert title is not None and desc is not None and desc.text
        assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        titles.append(title.text)
    assert titles == [
        "Dons par mois, par type · 2025",
        "Dons par mois, par moyen de paiement · 2025",
        "Donateurs mensuels au fil des mois · 2025",
        "Don moyen par mois · 2025",
        "Frais Stripe par mois · 2025",
    ]
    by_kind = ET.fromstring(svgs[0])

    def said(rect: ET.Element) -> str:
        return (rect.findtext(f"{SVG}title") or "").replace("\u00a0", " ").replace("\u202f", " ")

    january = [rect for rect in by_kind.iter(f"{SVG}rect") if "janv." in said(rect)]
    # January: one-off 100 €, monthly 15 € + 20 €, IFI 300 €, stacked in one bar.
    assert sorted(said(rect).split(" · ")[-1] for rect in january) == ["100,00 €", "300,00 €", "35,00 €"]
    heights = {said(rect): float(rect.get("height") or 0) for rect in january}
    assert max(heights.values()) == heights["janv. 2025 · IFI · 300,00 €"]

    shown = text_of(page.text).replace("\u202f", " ").replace("\u00a0", " ")
    # The tables say it in figures: February kept 30 € of a 50 € gift, IFI 300 € by SEPA.
    assert "Chiffres : Dons par mois, par type" in shown
    assert "févr. 2025 30,00 € 15,00 € 0,00 €" in shown
    assert "janv. 2025 135,00 € 300,00 €" in shown  # card, then SEPA debit
    # Monthly donors: January 2 new; February 1 paying and 1 lapsed; April 1 stopped, the other lapsed.
    donors_table = shown[shown.index("Chiffres : Donateurs") :][:420]
    assert (
        "janv. 2025 2 2 0 0" in donors_table
        and "févr. 2025 1 0 1 0" in donors_table
        and "avr. 2025 0 0 1 1" in donors_table
    ), donors_table
    assert "janv. 2025 2,58 € 0,00 € 415,00 €" in shown  # fees, and the money they were taken on
    assert "janv. 2025 108,75 €" in shown  # the average gift: 435 € in 4 payments


def test_each_report_downloads_as_csv_and_the_download_is_audited(app: Flask, finance: FlaskClient) -> None:
    _a_year(app)
    answer = finance.get("/finance/reports/by-method.csv?year=2025&lang=fr")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["Mois", "Carte bancaire", "Prélèvement SEPA"]
    assert rows[1] == ["2025-01", "135,00", "300,00"] and len(rows) == 13
    donors = finance.get("/finance/reports/monthly-donors.csv?year=2025").get_data(as_text=True)
    assert "2025-02;1;0;1;0" in donors
    assert "Report exported (CSV)" in text_of(finance.get("/finance/audit?lang=en").text)
    assert finance.get("/finance/reports/nothing.csv?year=2025").status_code == 404
    assert finance.get("/finance/reports?year=20x5").status_code == 400


def test_the_reports_are_for_staff_only(client: FlaskClient) -> None:
    assert client.get("/finance/reports").status_code == 302
    assert client.get("/finance/reports/fees.csv").status_code == 302


def test_the_fees_charged_apart_count_in_their_paris_month_and_year(app: Flask, finance: FlaskClient) -> None:
    """A dispute's fee booked at 23:30 UTC on New Year's Eve is January's in Paris; a payment's own line is not
    a fee charged apart (its fee is the payment's)."""
    with app.app_context():
        payout = Payout(
            stripe_payout_id="po_fees",
            amount_cents=0,
            status="paid",
            arrival_on=dt.date(2026, 1, 5),
            created_at=_at(12, 31),
        )
        lines = [
            ("adjustment", 1500, dt.datetime(2025, 12, 31, 23, 30, tzinfo=UTC)),
            ("adjustment", 2000, _at(6, 10)),
            ("charge", 175, _at(6, 10)),
            ("stripe_fee", 0, _at(6, 10)),
        ]
        for number, (kind, fee, at) in enumerate(lines):
            payout.lines.append(
                PayoutLine(
                    stripe_balance_transaction_id=f"txn_fees_{number}",
                    type=kind,
                    amount_cents=-fee,
                    fee_cents=fee,
                    net_cents=-fee,
                    booked_at=at,
                )
            )
        db.session.add(payout)
        db.session.commit()
    assert set(PAYMENT_TYPES) == {"charge", "payment"}, "the partial index names them"
    fees = finance.get("/finance/reports/fees.csv?year=2025").get_data(as_text=True)
    assert "2025-06;0,00;20,00;0,00" in fees and "2025-12;0,00;0,00;0,00" in fees
    assert "2026-01;0,00;15,00;0,00" in finance.get("/finance/reports/fees.csv?year=2026").get_data(as_text=True)
