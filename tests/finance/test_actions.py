"""Finance's actions on receipts over HTTP: confirmed, audited, and seen at once on the donation's page."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from donations.extensions import db
from donations.models import AuditEntry, DonationKind, Receipt, ReceiptStatus
from donations.receipting.pdfs import receipt_store
from tests.support.factories import receipt
from tests.support.pages import confirm, text_of


def audit_trail(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        ).all()
        db.session.expunge_all()
        return list(entries)


def test_resending_a_receipt_queues_its_email_and_records_when_it_really_left(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, number, _ = paid_gift()
    before = dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC)
    with app.app_context():
        db.session.scalars(select(Receipt).where(Receipt.number == number)).one().emailed_at = before
        db.session.commit()
    path = f"/finance/receipts/{number}/resend"
    assert "It was last emailed on" in finance.get(f"{path}?lang=en").text
    assert confirm(finance, path).status_code == 400  # not confirmed
    assert receipt(app, number).emailed_at == before
    answer = confirm(finance, path, confirm="y")
    assert answer.status_code == 303 and answer.headers["Location"] == f"/finance/donations/{public_id}"
    # Without a mail server the message is logged, which the job counts as sent: the date moves on.
    assert receipt(app, number).emailed_at > before
    page = finance.get(answer.headers["Location"] + "?lang=en")
    assert f"The email of receipt no. {number} is queued for sending." in text_of(page.text)
    [entry] = audit_trail(app, "receipt.resend")
    assert (entry.target_id, entry.details) == (number, {"previously_emailed_at": before.isoformat()})


def test_cancelling_a_receipt_with_a_reason_keeps_it_and_tells_the_donor(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, number, _ = paid_gift(8000)
    path = f"/finance/receipts/{number}/cancel"
    assert confirm(finance, path, reason="", confirm="y").status_code == 400
    assert confirm(finance, path, reason="Don en double").status_code == 400  # not confirmed
    assert receipt(app, number).status == ReceiptStatus.ISSUED
    answer = confirm(finance, path, reason="Don en double", confirm="y")
    assert answer.status_code == 303
    cancelled = receipt(app, number)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.replaced_by) == (
        ReceiptStatus.CANCELLED,
        "Don en double",
        None,
    )
    assert cancelled.cancel_notified_at is not None
    page = text_of(finance.get(f"/finance/donations/{public_id}?lang=en").text)
    # The confirmation was written in the language of the request that cancelled (French).
    assert f"Le reçu n° {number} est annulé." in page and "cancelled: Don en double" in page
    assert f'/finance/receipts/{number}/cancel"' not in finance.get(f"/finance/donations/{public_id}").text
    [entry] = audit_trail(app, "receipt.cancel")
    assert entry.details == {"reason": "Don en double", "kept_cents": 0, "replacement": None}
    assert confirm(finance, path, reason="Encore", confirm="y").status_code == 409


def test_cancelling_with_an_amount_kept_issues_a_replacement_for_it(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    public_id, number, _ = paid_gift(10000)
    path = f"/finance/receipts/{number}/cancel"
    assert confirm(finance, path, reason="Montant erroné", kept_amount="100", confirm="y").status_code == 409
    assert confirm(finance, path, reason="Montant erroné", kept_amount="abc", confirm="y").status_code == 400
    answer = confirm(finance, path, reason="Montant erroné", kept_amount="75,50", confirm="y")
    assert answer.status_code == 303
    old = receipt(app, number)
    assert old.status == ReceiptStatus.CANCELLED and old.replaced_by is not None
    new = receipt(app, old.replaced_by.number)
    assert (new.status, new.amount_cents, new.replaces_id, new.kind.value) == (
        ReceiptStatus.ISSUED,
        7550,
        old.id,
        "per_gift",
    )
    assert int(new.number[-6:]) == int(number[-6:]) + 1
    with app.app_context():
        stored = receipt_store().load(new.number)
    assert stored is not None
    text = re.sub(r"[\u00a0\u202f ]+", " ", PdfReader(io.BytesIO(stored)).pages[0].extract_text())
    assert "***75,50 €***" in text and f"annule et remplace le reçu n° {number}" in text
    assert finance.get(f"/finance/receipts/{new.number}.pdf").data == stored
    page = text_of(finance.get(f"/finance/donations/{public_id}?lang=en").text)
    assert f"replaced by no. {new.number}" in page and f"replaces no. {number}" in page
    assert audit_trail(app, "receipt.cancel")[0].details == {
        "reason": "Montant erroné",
        "kept_cents": 7550,
        "replacement": new.number,
    }


def test_a_refund_beyond_what_is_kept_is_refused_before_reaching_stripe(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _public_id, number, payment_id = paid_gift(3000)
    path = f"/finance/payments/{payment_id}/refund"
    page = finance.get(f"{path}?lang=en")
    assert 'value="30"' in page.text and "30,00 € not yet refunded" in text_of(page.text)
    assert confirm(finance, path, amount="30,01", confirm="y").status_code == 409
    assert confirm(finance, path, amount="0", confirm="y").status_code == 400
    assert confirm(finance, path, amount="10").status_code == 400  # not confirmed
    assert audit_trail(app, "payment.refund") == []
    assert receipt(app, number).status == ReceiptStatus.ISSUED


def test_only_a_running_monthly_gift_can_be_stopped(finance: FlaskClient, paid_gift: Callable[..., Any]) -> None:
    one_off, _, _ = paid_gift()
    answer = confirm(finance, f"/finance/donations/{one_off}/cancel-monthly", confirm="y")
    assert answer.status_code == 409
    monthly, _, _ = paid_gift(2000, DonationKind.MONTHLY)
    assert (
        "Stop this monthly gift" not in finance.get(f"/finance/donations/{monthly}?lang=en").text
    )  # no Stripe subscription
