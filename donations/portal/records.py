"""What the service holds about a donor: seeing it and correcting it (erasing it: `erasure`).

Each receipt holds a frozen copy of the name and address it prints, and each
gift the identity given with it, so correcting a donor record never changes a
receipt already issued.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from donations.models import Donation, DonationKind, DonationStatus, Donor, Receipt

FINISHED = (DonationStatus.CANCELLED, DonationStatus.REFUNDED, DonationStatus.EXPIRED)


def donors_of(session: Session, email: str) -> list[Donor]:
    """Every donor record of this email (a person who gave as several donors, or twice)."""
    return list(
        session.scalars(
            select(Donor)
            .where(func.lower(Donor.email) == email.strip().lower(), Donor.erased_at.is_(None))
            .order_by(Donor.id)
            # Their gifts and payments in two more statements, not one per gift (the portal lists them all).
            .options(selectinload(Donor.donations).selectinload(Donation.payments))
        )
    )


def export(session: Session, email: str) -> dict[str, Any]:
    """Everything held about the donor, as JSON-ready data."""
    donors = donors_of(session, email)
    return {
        "email": email,
        "donors": [
            {
                "type": d.donor_type.value,
                "first_name": d.first_name,
                "last_name": d.last_name,
                "company_name": d.company_name,
                "legal_form": d.legal_form,
                "siren": d.siren,
                "address": [d.address_line1, d.address_line2, d.postal_code, d.city, d.country],
                "language": d.locale,
                "created_at": d.created_at.isoformat(),
                "donations": [
                    {
                        "id": g.public_id,
                        "kind": g.kind.value,
                        "amount_cents": g.amount_cents,
                        "status": g.status.value,
                        "tax_scheme": g.tax_scheme.value,
                        "created_at": g.created_at.isoformat(),
                        "given_as": g.identity,
                        "payments": [
                            {
                                "amount_cents": p.amount_cents,
                                "refunded_cents": p.refunded_cents,
                                "status": p.status.value,
                                "method": p.method.value,
                                "received_on": p.received_on.isoformat() if p.received_on else None,
                            }
                            for p in g.payments
                        ],
                    }
                    for g in d.donations
                ],
                "receipts": [
                    {
                        "number": r.number,
                        "amount_cents": r.amount_cents,
                        "status": r.status.value,
                        "issued_at": r.issued_at.isoformat(),
                    }
                    for r in session.scalars(select(Receipt).where(Receipt.donor_id == d.id).order_by(Receipt.id))
                ],
            }
            for d in donors
        ],
    }


def billing_customer(donors: list[Donor], livemode: bool = False) -> str | None:
    """The Stripe customer whose card or IBAN the donor changes: their newest running monthly gift's.

    Only customers of the service's mode (`livemode`): a test-mode customer is unknown to live Stripe.
    """
    gifts = sorted(
        (g for d in donors for g in d.donations if g.stripe_customer_id and g.livemode == livemode),
        key=lambda g: g.id,
        reverse=True,
    )
    running = [g for g in gifts if g.kind == DonationKind.MONTHLY and g.status not in FINISHED]
    chosen = (running or gifts)[:1]
    if chosen:
        return chosen[0].stripe_customer_id
    return next(
        (d.stripe_customer_id for d in donors if d.stripe_customer_id and d.stripe_customer_livemode is livemode), None
    )


def owned_donation(session: Session, email: str, public_id: str) -> Donation | None:
    """The donation if it belongs to this donor; None for anyone else's (the caller answers 404)."""
    donation = session.scalars(select(Donation).where(Donation.public_id == public_id)).first()
    if donation is None or donation.donor.email.lower() != email.strip().lower():
        return None
    return donation


def owned_receipt(session: Session, email: str, number: str) -> Receipt | None:
    receipt = session.scalars(select(Receipt).where(Receipt.number == number)).first()
    if receipt is None or receipt.donor.email.lower() != email.strip().lower():
        return None
    return receipt


def receipts_of(session: Session, donors: list[Donor]) -> list[Receipt]:
    """The receipts issued to these donor records, newest first."""
    if not donors:
        return []
    return list(
        session.scalars(select(Receipt).where(Receipt.donor_id.in_([d.id for d in donors])).order_by(Receipt.id.desc()))
    )
