"""Gifts paid at the live sandbox as a donor pays them, and the receipts they end with."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import requests
from pypdf import PdfReader
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation, Payment, Receipt, receipt_payment
from tests.support.giving import CARD_OK
from tests.support.live_service import Live


def pay(live: Live, give: Callable[..., requests.Response], **form: object) -> Donation:
    checkout = give(**form).headers["Location"]
    session_id = checkout.rsplit("/", 1)[-1]
    live.control(f"checkout/{session_id}/pay", card=CARD_OK)
    live.settle_webhooks()
    with live.app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.stripe_checkout_session_id == session_id)).one()
        db.session.expunge_all()
        return donation


def receipts_of(live: Live, donation: Donation) -> list[Receipt]:
    live.wait_for_jobs()  # their emails leave after the answers that issued them
    with live.app.app_context():
        covering = (
            select(receipt_payment.c.receipt_id)
            .join(Payment, Payment.id == receipt_payment.c.payment_id)
            .where(Payment.donation_id == donation.id)
        )
        receipts = db.session.scalars(select(Receipt).where(Receipt.id.in_(covering)).order_by(Receipt.id)).all()
        for receipt in receipts:
            _ = receipt.payments, receipt.replaces
        db.session.expunge_all()
        return list(receipts)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return re.sub(r"[\u00a0\u202f ]+", " ", reader.pages[0].extract_text())


def attachment(message) -> bytes:  # type: ignore[no-untyped-def]
    parts = [part for part in message.iter_attachments() if part.get_content_type() == "application/pdf"]
    assert len(parts) == 1
    return parts[0].get_content()
