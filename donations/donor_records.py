"""What the service holds about a donor: seeing it, correcting it, erasing it.

Receipts must be kept six years, unchanged (LPF art. L102 B; TAX_RULES.md), and
each receipt already holds a frozen copy of the donor's name and address.
Erasure therefore removes the donor's personal data from the donor records,
and the receipts of the last six years keep their copy, locked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.models import Donation, DonationKind, DonationStatus, Donor, Receipt

RETENTION = dt.timedelta(days=6 * 366)
ERASED = "—"


class ActiveMonthlyGift(Exception):
    """A monthly gift still runs: it must be stopped before the data can be erased."""


def donors_of(session: Session, email: str) -> list[Donor]:
    """Every donor record of this email (a person who gave as several donors, or twice)."""
    return list(
        session.scalars(
            select(Donor).where(func.lower(Donor.email) == email.strip().lower(), Donor.erased_at.is_(None)).order_by(Donor.id)
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
                    {"number": r.number, "amount_cents": r.amount_cents, "status": r.status.value, "issued_at": r.issued_at.isoformat()}
                    for r in session.scalars(select(Receipt).where(Receipt.donor_id == d.id).order_by(Receipt.id))
                ],
            }
            for d in donors
        ],
    }


@dataclass
class ErasureReport:
    erased_records: int = 0
    kept: list[dict[str, Any]] = field(default_factory=list)


def erase(session: Session, email: str, now: dt.datetime) -> ErasureReport:
    """Erase the donor's personal data; receipts of the last six years keep theirs, locked.

    Each receipt holds a frozen copy of the name and address it was issued to;
    those copies are what the law makes the foundation keep, and they are
    listed in the report. Refuses while a monthly gift is running
    (ActiveMonthlyGift). The caller commits.
    """
    donors = donors_of(session, email)
    running = [
        g for d in donors for g in d.donations
        if g.kind == DonationKind.MONTHLY and g.status in (DonationStatus.ACTIVE, DonationStatus.PAUSED, DonationStatus.PROCESSING)
    ]
    if running:
        raise ActiveMonthlyGift(running[0].public_id)
    report = ErasureReport()
    for donor in donors:
        receipts = session.scalars(
            select(Receipt).where(Receipt.donor_id == donor.id, Receipt.issued_at > now - RETENTION).order_by(Receipt.id)
        ).all()
        if receipts:
            donor.locked_at = now
            report.kept.append(
                {
                    "reason": "tax receipts are kept six years (art. L102 B LPF)",
                    "until": (max(r.issued_at for r in receipts) + RETENTION).date().isoformat(),
                    "receipts": [r.number for r in receipts],
                    "kept_on_each_receipt": ["name", "company name, legal form and SIREN", "postal address", "amounts and dates"],
                }
            )
        _anonymise(donor, now)
        report.erased_records += 1
    session.flush()
    return report


def _anonymise(donor: Donor, now: dt.datetime) -> None:
    donor.first_name = ERASED
    donor.last_name = ERASED
    donor.email = f"erased-{donor.public_id}@invalid"
    donor.address_line1 = ERASED
    donor.address_line2 = None
    donor.postal_code = ERASED
    donor.city = ERASED
    donor.stripe_customer_id = None
    if donor.company_name is not None:
        donor.company_name = ERASED
        donor.legal_form = ERASED
    donor.erased_at = now


def update_address(session: Session, email: str, *, line1: str, line2: str, postal_code: str, city: str, country: str) -> int:
    """The address printed on future receipts; receipts already issued keep theirs."""
    donors = donors_of(session, email)
    for donor in donors:
        donor.address_line1 = line1.strip()
        donor.address_line2 = line2.strip() or None
        donor.postal_code = postal_code.strip()
        donor.city = city.strip()
        donor.country = country
    session.flush()
    return len(donors)


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
