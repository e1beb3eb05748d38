"""A monthly gift Stripe stopped after its last failed retry is lapsed, and finance finds it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.finance.dashboard import dashboard
from donations.models import Donation, DonationKind, DonationStatus, Payment, PaymentMethod, PaymentStatus
from tests.support.pages import text_of


def test_finance_finds_lapsed_monthly_gifts_and_counts_their_failed_debit(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, _, _ = paid_gift(kind=DonationKind.MONTHLY)
    with app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).one()
        donation.status = DonationStatus.LAPSED
        db.session.add(
            Payment(
                donation=donation,
                amount_cents=donation.amount_cents,
                refunded_cents=0,
                method=PaymentMethod.CARD,
                status=PaymentStatus.FAILED,
                stripe_invoice_id="in_last_retry_failed",
            )
        )
        db.session.commit()
    page = finance.get("/finance/donations?status=lapsed&lang=fr")
    assert page.status_code == 200
    assert re.findall(r"/finance/donations/([0-9a-f-]{36})", page.text).count(public_id) >= 1
    assert "interrompu (impayé)" in text_of(page.text)
    with app.app_context():  # the first page's "failed payments waiting" counts it: not over, to follow up
        assert dashboard(db.session, paris_date(utcnow()), utcnow()).failed_waiting == 1
    assert "interrompu (impayé)" in text_of(finance.get(f"/finance/donations/{public_id}?lang=fr").text)
