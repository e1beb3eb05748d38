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
from donations.models.search_indexes import POSTGRES_ONLY_INDEXES
from donations.tax import Scheme, TaxRules


def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as conn:
        # PostgreSQL-only indexes (an expression, trigrams) are made by the migrations, not declared on the models.
        declared = lambda obj, name, kind, *_: not (kind == "index" and name in POSTGRES_ONLY_INDEXES)  # noqa: E731
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": declared})
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
        identity=donor.identity.to_json(),
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


def test_migration_gives_each_existing_donation_its_donors_identity_and_issued_receipts_stay(app: Flask) -> None:
    """Upgrading a database of before 2026-12-01: each gift takes its donor record's identity as it stood."""
    with app.app_context():
        downgrade(revision="eafe624a7ed4")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO donor (id, public_id, donor_type, first_name, last_name, email, company_name, legal_form, siren,"
                    " address_line1, address_line2, postal_code, city, country, locale, stripe_customer_id, created_at)"
                    " VALUES (1, 'd1', 'company', 'Ada', 'Lovelace', 'ada@example.org', 'ACME', 'SAS', '732829320',"
                    " '1 rue A', NULL, '75001', 'Paris', 'FR', 'fr', 'cus_legacy', '2026-01-01 00:00:00')"
                )
            )
            for gift_id, subscription in ((1, None), (2, "sub_legacy")):
                conn.execute(
                    sa.text(
                        "INSERT INTO donation (id, public_id, donor_id, kind, tax_scheme, tax_rate, tax_rules, amount_cents,"
                        " ifi_cents, currency, status, livemode, stripe_subscription_id, created_at, updated_at)"
                        " VALUES (:id, :public_id, 1, 'one_off', 'company', 0.6, '{}', 5000, 0, 'eur', 'paid', false,"
                        " :subscription, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                    ),
                    {"id": gift_id, "public_id": f"g{gift_id}", "subscription": subscription},
                )
        upgrade()
        gifts = db.session.scalars(sa.select(Donation).order_by(Donation.id)).all()
        assert [g.given_identity.company_name for g in gifts] == ["ACME", "ACME"]
        assert gifts[0].given_identity == db.session.get(Donor, 1).identity  # type: ignore[union-attr]
        # A monthly gift was charged on its donor's customer: its card can still be changed there.
        assert [g.stripe_customer_id for g in gifts] == [None, "cus_legacy"]
