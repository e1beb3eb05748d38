"""Upgrading a database whose gifts are already under way sends none of them a start or failure notice."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask_migrate import downgrade, upgrade

from donations.extensions import db
from donations.fulfilment.gift_notices import notices_owed
from donations.models import Donation


def test_gifts_under_way_before_the_upgrade_owe_no_notice_and_a_pending_one_still_does(app: Flask) -> None:
    with app.app_context():
        downgrade(revision="245388ac3b29")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO donor (id, public_id, donor_type, first_name, last_name, email, company_name, legal_form, siren,"
                    " address_line1, address_line2, postal_code, city, country, locale, stripe_customer_id, created_at)"
                    " VALUES (1, 'd1', 'individual', 'Ada', 'Lovelace', 'ada@example.org', '', '', '',"
                    " '1 rue A', NULL, '75001', 'Paris', 'FR', 'fr', NULL, '2026-01-01 00:00:00')"
                )
            )
            for gift_id, kind, status in (
                (1, "monthly", "active"),
                (2, "one_off", "failed"),
                (3, "one_off", "processing"),
                (4, "monthly", "pending"),
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO donation (id, public_id, donor_id, kind, tax_scheme, tax_rate, tax_rules, amount_cents,"
                        " ifi_cents, currency, status, livemode, identity, created_at, updated_at)"
                        " VALUES (:id, :public_id, 1, :kind, 'income_tax', 0.66, '{}', 5000, 0, 'eur', :status, false,"
                        " '{}', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                    ),
                    {"id": gift_id, "public_id": f"g{gift_id}", "kind": kind, "status": status},
                )
        upgrade()
        gifts = db.session.scalars(sa.select(Donation).order_by(Donation.id)).all()
        assert [notices_owed(g) for g in gifts] == [False, False, False, False]
        pending = gifts[3]
        pending.status = pending.status.__class__("active")
        assert notices_owed(pending), "a gift that starts after the upgrade is welcomed"
        db.session.rollback()
