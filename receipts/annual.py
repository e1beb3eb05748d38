"""The January batch: one annual recap per monthly donor and calendar year.

Each donor's recap is issued and committed on its own, so a batch stopped
half-way (a crash, a killed worker) keeps what it issued and a new run
carries on where it stopped: payments already covered by an issued recap are
never listed twice, and a run with nothing left to do issues nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from donations.models import (
    Donation,
    DonationKind,
    Donor,
    DonorType,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptKind,
    ReceiptStatus,
    receipt_payment,
)
from receipts.issuing import IssuingContext, Issued, issue_annual


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _monthly_payments_of_year(year: int):  # type: ignore[no-untyped-def]
    start, end = year_bounds(year)
    return (
        select(Payment)
        .join(Donation, Payment.donation_id == Donation.id)
        .where(Donation.kind == DonationKind.MONTHLY, Payment.received_on >= start, Payment.received_on <= end)
    )


def _not_in_an_issued_recap():  # type: ignore[no-untyped-def]
    return ~exists(
        select(receipt_payment.c.payment_id)
        .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
        .where(
            receipt_payment.c.payment_id == Payment.id,
            Receipt.status == ReceiptStatus.ISSUED,
            Receipt.kind == ReceiptKind.ANNUAL,
        )
    )


def donors_due(session: Session, year: int) -> list[int]:
    """Ids of the donors with settled monthly payments of `year` not yet on a recap."""
    query = (
        _monthly_payments_of_year(year)
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.refunded_cents < Payment.amount_cents)
        .where(_not_in_an_issued_recap())
        .with_only_columns(Donation.donor_id)
        .distinct()
        .order_by(Donation.donor_id)
    )
    return list(session.scalars(query))


def donors_waiting(session: Session, year: int) -> set[int]:
    """Donors with a monthly payment of `year` still on its way: their recap waits."""
    query = (
        _monthly_payments_of_year(year)
        .where(Payment.status == PaymentStatus.PROCESSING)
        .with_only_columns(Donation.donor_id)
        .distinct()
    )
    return set(session.scalars(query))


def issue_recap_for_donor(session: Session, donor_id: int, year: int, ctx: IssuingContext) -> Issued | None:
    """The recap of one donor for `year` (the caller commits)."""
    donor = session.get(Donor, donor_id)
    if donor is None:
        return None
    payments = session.scalars(
        _monthly_payments_of_year(year)
        .where(Donation.donor_id == donor_id, Payment.status == PaymentStatus.SUCCEEDED)
        .where(_not_in_an_issued_recap())
        .order_by(Payment.received_on, Payment.id)
    ).all()
    article = "238 bis" if donor.donor_type == DonorType.COMPANY else "200"
    return issue_annual(session, donor, payments, article, year_bounds(year), ctx)


@dataclass
class AnnualSummary:
    issued: list[str] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)
    total_cents: int = 0
