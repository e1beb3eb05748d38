"""Gifts received outside Stripe, as the back office's form takes them, and their receipts read back."""

from __future__ import annotations

import datetime as dt
import io
import re

from pypdf import PdfReader

from donations.clock import paris_date, utcnow

BOXES = ("Remise d'espèces", "Chèque", "Virement, prélèvement, carte bancaire")


def pdf_text(pdf: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def ticked(text: str) -> list[str]:
    """The payment-method boxes a receipt's text shows ticked ("X <label>")."""
    return [box for box in BOXES if re.search(rf"(?:^| )X {re.escape(box)}(?= |$)", text)]


def gift_form(**values: str) -> dict[str, str]:
    today = paris_date(utcnow())
    return {
        "method": "cheque",
        "amount": "150,00",
        "received_on": (today - dt.timedelta(days=2)).isoformat(),
        "reference": "0001234",
        "cheque_bank": "Banque Postale",
        "scheme": "",
        "donor_type": "individual",
        "first_name": "Jeanne",
        "last_name": "Durand",
        "email": "jeanne.durand@example.org",
        "address_line1": "12 rue des Lilas",
        "address_line2": "",
        "postal_code": "69003",
        "city": "Lyon",
        "country": "FR",
        **values,
    }


def day(days_ago: int) -> str:
    return (paris_date(utcnow()) - dt.timedelta(days=days_ago)).isoformat()
