"""What the thank-you page says after a gift: its state as Stripe confirmed it, the receipt
behind a signed link that expires, and, after a one-off gift, the same intent as a monthly gift.

The page's address is the donation's public id, which only the donor's browser was given;
still, its receipt link is offered for a day after the gift and each link lasts
THANKS_RECEIPT_LINK_MINUTES, so an address found later in a browser's history opens nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.giving.widget import NetCost, net_cost
from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    DonorType,
    Payment,
    Receipt,
    ReceiptStatus,
    receipt_payment,
)

# How long after the gift the thank-you page still offers its receipt.
RECEIPT_OFFERED_FOR = dt.timedelta(days=1)
_SALT = "thanks-page-receipt"
# While Stripe has not said the final word, the page asks again by itself.
WAITING = frozenset({DonationStatus.PENDING.value, DonationStatus.PROCESSING.value})


@dataclass(frozen=True)
class MonthlySuggestion:
    """The one-off gift spread over a year: this much a month, and its net cost per month."""

    amount_cents: int
    figures: NetCost
    company: bool


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def issued_receipt(session: Session, donation: Donation) -> Receipt | None:
    """The receipt in force for this gift's payments (the first, for an IFI gift split in two)."""
    return session.scalars(
        select(Receipt)
        .join(receipt_payment, receipt_payment.c.receipt_id == Receipt.id)
        .join(Payment, Payment.id == receipt_payment.c.payment_id)
        .where(Payment.donation_id == donation.id, Receipt.status == ReceiptStatus.ISSUED)
        .order_by(Receipt.id)
    ).first()


def receipt_offered(donation: Donation, now: dt.datetime) -> bool:
    """Whether the page may still link the receipt (a day after the gift)."""
    return now - donation.created_at <= RECEIPT_OFFERED_FOR


def receipt_token(secret: str, donation: Donation, receipt: Receipt) -> str:
    """A signed token naming this gift's receipt; it expires (`receipt_for_token`)."""
    return _serializer(secret).dumps({"d": donation.public_id, "r": receipt.number})


def receipt_for_token(
    session: Session, secret: str, donation: Donation, token: str, max_age_seconds: int
) -> Receipt | None:
    """The receipt a token names, if it is this gift's, still valid and not expired."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or data.get("d") != donation.public_id:
        return None
    receipt = issued_receipt(session, donation)
    return receipt if receipt is not None and receipt.number == data.get("r") else None


def monthly_suggestion(donation: Donation, config: Mapping[str, Any]) -> MonthlySuggestion | None:
    """After a one-off gift: the same sum given over a year, in whole euros a month (at least the minimum)."""
    if donation.kind != DonationKind.ONE_OFF or donation.status != DonationStatus.PAID:
        return None
    monthly = -(-donation.amount_cents // 12 // 100) * 100 or 100
    monthly = max(monthly, int(config["DONATION_MIN_CENTS"]))
    company = donation.donor.donor_type == DonorType.COMPANY
    return MonthlySuggestion(monthly, net_cost(DonationKind.MONTHLY, monthly, config, company=company), company)
