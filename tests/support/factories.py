"""Builders of donors, donations and settled payments straight in the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import count
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.clock import paris_date
from donations.extensions import db
from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    Donor,
    DonorType,
    Payment,
    PaymentMethod,
    PaymentStatus,
    Receipt,
    TaxScheme,
)
from donations.receipting.pdfs import store_receipt_pdf
from donations.receipting.service import issuing_context as service_issuing_context
from donations.tax import Scheme, TaxRules
from receipts.document.snapshot import FoundationMentions
from receipts.issuing import IssuingContext, issue_for_payment

_serial = count(1)

FOUNDATION = FoundationMentions(
    name="Fondation de test",
    address="1 rue de l'Exemple, 75013 Paris, France",
    siren="123456789",
    rna="",
    object="Recherche sur le cerveau",
    rup_decree_date=dt.date(2006, 9, 13),
    rup_journal_officiel_date=dt.date(2006, 9, 15),
    signatory_name="Claire Martin",
    signatory_title="Présidente",
)


def issuing_context(now: dt.datetime | None = None) -> IssuingContext:
    return IssuingContext(
        foundation=FOUNDATION,
        company_form_version="16216*01",
        now=now or dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC),
        verification_url=lambda number, code: f"https://dons.example.org/receipts/verify/{number}?c={code}",
        country_name=lambda code: "France",
    )


def settled_payment(
    session: Session,
    amount_cents: int = 5000,
    kind: DonationKind = DonationKind.ONE_OFF,
    received_at: dt.datetime | None = None,
    donor: Donor | None = None,
) -> Payment:
    """A donor (or the one given), a paid donation and its succeeded payment."""
    serial = next(_serial)
    rules = TaxRules()
    if donor is None:
        donor = Donor(
            donor_type=DonorType.INDIVIDUAL,
            first_name="Camille",
            last_name=f"Martin {serial}",
            email=f"donor{serial}@example.org",
            address_line1="12 rue des Lilas",
            postal_code="75013",
            city="Paris",
            country="FR",
            locale="fr",
        )
    donation = Donation(
        donor=donor,
        kind=kind,
        tax_scheme=Scheme.INCOME_TAX,
        tax_rate=rules.income_tax_rate,
        tax_rules=rules.as_dict(),
        amount_cents=amount_cents,
        ifi_cents=0,
        status=DonationStatus.ACTIVE if kind == DonationKind.MONTHLY else DonationStatus.PAID,
        identity=donor.identity.to_json(),
    )
    received_at = received_at or dt.datetime(2026, 3, 12, 9, 30, tzinfo=dt.UTC)
    payment = Payment(
        donation=donation,
        amount_cents=amount_cents,
        refunded_cents=0,
        method=PaymentMethod.CARD,
        status=PaymentStatus.SUCCEEDED,
        received_at=received_at,
        received_on=paris_date(received_at),
    )
    session.add(payment)
    session.flush()
    return payment


def make_company_gift(payment: Payment) -> None:
    """The payment's gift becomes a company's (ACME SAS, a valid SIREN), its identity snapshot with it."""
    donor = payment.donation.donor
    donor.donor_type, donor.company_name, donor.legal_form, donor.siren = (
        DonorType.COMPANY,
        "ACME",
        "SAS",
        "732829320",
    )
    payment.donation.tax_scheme = TaxScheme.COMPANY
    payment.donation.identity = donor.identity.to_json()


def as_if_last_year(session: Session) -> int:
    """Move every payment one year back, as if the January batch ran now for the year they were paid in.

    The batch refuses a year not ended; live tests pay today. Answers that year.
    """
    payments = session.scalars(select(Payment).where(Payment.received_at.is_not(None))).all()
    for payment in payments:
        assert payment.received_at is not None
        at = payment.received_at
        payment.received_at = at.replace(
            year=at.year - 1, day=min(at.day, 28) if (at.month, at.day) == (2, 29) else at.day
        )
        payment.received_on = paris_date(payment.received_at)
    session.commit()
    return min(p.received_on.year for p in payments if p.received_on)


@pytest.fixture
def paid_gift(app: Flask) -> Callable[..., tuple[str, str | None, int]]:
    """A callable: a paid gift with its per-gift receipt issued and stored; (donation public id, receipt number, payment id)."""

    def make(
        amount_cents: int = 5000,
        kind: DonationKind = DonationKind.ONE_OFF,
        received_at: dt.datetime | None = None,
        livemode: bool = False,
        **donor: Any,
    ) -> tuple[str, str | None, int]:
        with app.app_context():
            payment = settled_payment(db.session, amount_cents, kind, received_at)
            payment.livemode = payment.donation.livemode = livemode
            payment.stripe_payment_intent_id = f"pi_factory_{payment.id}"
            if kind == DonationKind.IFI:
                payment.donation.tax_scheme = TaxScheme.IFI
            for name, value in donor.items():
                setattr(payment.donation.donor, name, value)
            payment.donation.identity = payment.donation.donor.identity.to_json()
            issued = issue_for_payment(db.session, payment, service_issuing_context())
            db.session.commit()
            if issued is not None:
                store_receipt_pdf(issued.receipt.id)  # drawn and stored after the commit, as the service does
            result = (payment.donation.public_id, issued.receipt.number if issued else None, payment.id)
            db.session.remove()
            return result

    return make


def receipt(app: Flask, number: str) -> Receipt:
    """The receipt as the database has it now (detached)."""
    with app.app_context():
        found = db.session.query(Receipt).filter_by(number=number).one()
        _ = found.replaced_by, found.replaces
        db.session.expunge_all()
        return found


def payment(app: Flask, payment_id: int) -> Payment:
    with app.app_context():
        found = db.session.get(Payment, payment_id)
        db.session.expunge_all()
        return found  # type: ignore[return-value]
