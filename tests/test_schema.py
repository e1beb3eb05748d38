"""The migrations are the only schema path, and they match the models."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask_migrate import downgrade, upgrade

from donations.extensions import db
from donations.models import Donation, DonationKind, Donor, DonorType, Payment, PaymentMethod, PaymentStatus
from donations.tax import Scheme, TaxRules


def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_to_nothing_and_upgrade_again(app: Flask) -> None:
    with app.app_context():
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "receipt" in sa.inspect(db.engine).get_table_names()


def _donor() -> Donor:
    return Donor(
        donor_type=DonorType.INDIVIDUAL,
        first_name="Marie",
        last_name="Curie",
        email="marie@example.org",
        address_line1="1 rue Pierre et Marie Curie",
        postal_code="75005",
        city="Paris",
        country="FR",
    )


def _donation(donor: Donor, amount_cents: int) -> Donation:
    rules = TaxRules()
    return Donation(
        donor=donor,
        kind=DonationKind.ONE_OFF,
        tax_scheme=Scheme.INCOME_TAX,
        tax_rate=rules.income_tax_rate,
        tax_rules=rules.as_dict(),
        amount_cents=amount_cents,
    )


def test_database_refuses_a_donation_that_is_not_positive(db) -> None:  # type: ignore[no-untyped-def]
    db.session.add(_donation(_donor(), 0))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_database_refuses_a_refund_larger_than_the_payment(db) -> None:  # type: ignore[no-untyped-def]
    donation = _donation(_donor(), 1000)
    db.session.add(
        Payment(
            donation=donation,
            amount_cents=1000,
            refunded_cents=1001,
            method=PaymentMethod.CARD,
            status=PaymentStatus.SUCCEEDED,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_database_refuses_a_company_without_siren(db) -> None:  # type: ignore[no-untyped-def]
    donor = _donor()
    donor.donor_type = DonorType.COMPANY
    donor.company_name = "ACME"
    db.session.add(donor)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_donation_keeps_the_rules_in_force_and_moves_only_forward(db) -> None:  # type: ignore[no-untyped-def]
    from donations.models import DonationStatus

    donation = _donation(_donor(), 10000)
    db.session.add(donation)
    db.session.commit()
    stored = db.session.get(Donation, donation.id)
    assert TaxRules.from_dict(stored.tax_rules) == TaxRules()
    assert stored.move_to(DonationStatus.PAID)
    assert not stored.move_to(DonationStatus.PENDING)
    assert stored.status == DonationStatus.PAID
