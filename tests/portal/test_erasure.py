"""Erasure erases: the service's copies, Stripe's customer, the stored events and sign-in links;
what the law makes the foundation keep stays; a daily purge removes what is past its retention."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import requests
from sqlalchemy import func, select, update

from donations.extensions import db
from donations.models import Donation, DonationStatus, Donor, DonorSignIn, Payment, Receipt, StripeEvent
from donations.receipting.service import issuing_context
from receipts.annual import donors_due, issue_recaps
from tests.support.donor_portal import erase as _erase
from tests.support.donor_portal import sign_in
from tests.support.donors import INDIVIDUAL
from tests.support.factories import as_if_last_year
from tests.support.live_gifts import pay
from tests.support.live_service import Live

EMAIL = INDIVIDUAL["email"]


def _stored_text() -> str:
    """Every stored event payload and sign-in row, as text."""
    events = [json.dumps(e.payload) for e in db.session.scalars(select(StripeEvent))]
    sign_ins = [s.email for s in db.session.scalars(select(DonorSignIn))]
    return "\n".join(events + sign_ins).lower()


def test_erasure_deletes_the_stripe_customer_and_scrubs_events_and_sign_in_links(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="one_off", amount="50")
    customer = donation.stripe_customer_id
    assert customer and live.sandbox.sandbox.store.find(customer).get("email") == EMAIL
    sign_in(live, mailbox, EMAIL)
    with live.app.app_context():
        assert EMAIL in _stored_text() and "martin" in _stored_text()

    assert _erase(live).status_code == 200
    live.settle_webhooks()  # Stripe's customer.deleted carries the customer one last time

    assert live.sandbox.sandbox.store.find(customer) == {"id": customer, "object": "customer", "deleted": True}
    with live.app.app_context():
        stored = _stored_text()
        assert EMAIL not in stored and "martin" not in stored and "lilas" not in stored
        assert db.session.scalar(select(func.count()).select_from(StripeEvent)) > 0  # the events stay, scrubbed
        gift = db.session.get(Donation, donation.id)
        assert gift is not None
        assert (gift.given_identity.last_name, gift.stripe_customer_id, gift.amount_cents) == ("—", None, 5000)
        receipt = db.session.scalars(select(Receipt)).one()
        assert receipt.snapshot["donor"]["last_name"] == "Martin"  # six years, as the law requires


def test_erasure_keeps_nothing_when_stripe_cannot_delete_the_customer(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="50")
    sign_in(live, mailbox, EMAIL)
    live.sandbox.stop()  # Stripe unreachable
    answer = _erase(live)
    assert answer.status_code == 503 and "rien n'a encore été effacé" in answer.text.replace("&#39;", "'")
    with live.app.app_context():
        assert db.session.scalars(select(Donor)).one().last_name == "Martin"


def test_a_stopped_monthly_gift_keeps_its_identity_until_its_recap_then_the_purge_erases_it(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="monthly", amount="15")
    with live.app.app_context():
        db.session.execute(update(Donation).values(status=DonationStatus.CANCELLED))
        db.session.commit()
    sign_in(live, mailbox, EMAIL)
    erased = _erase(live)
    assert erased.status_code == 200 and "attend encore son reçu annuel" in erased.text.replace("&#39;", "'")
    with live.app.app_context():
        assert db.session.get(Donation, donation.id).given_identity.last_name == "Martin"  # type: ignore[union-attr]
        year = as_if_last_year(db.session)
        (recap,) = issue_recaps(db.session, year, donors_due(db.session, year), issuing_context())
        db.session.commit()
        assert recap.receipt.snapshot["donor"]["last_name"] == "Martin"

    result = live.app.test_cli_runner().invoke(args=["donations", "purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert "1 gift identit(ies) erased" in result.output
    with live.app.app_context():
        assert db.session.get(Donation, donation.id).given_identity.last_name == "—"  # type: ignore[union-attr]


def test_purge_removes_expired_links_old_event_payloads_and_donors_without_a_gift_for_six_years(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    old = pay(live, give, kind="one_off", amount="50")
    recent = pay(live, give, kind="one_off", amount="20", donor={**INDIVIDUAL, "email": "recent@example.org"})
    sign_in(live, mailbox, "recent@example.org")
    seven_years_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=7 * 366)
    with live.app.app_context():
        db.session.execute(update(Donor).where(Donor.id == old.donor_id).values(created_at=seven_years_ago))
        db.session.execute(update(Donation).where(Donation.id == old.id).values(created_at=seven_years_ago))
        db.session.execute(update(Payment).where(Payment.donation_id == old.id).values(received_at=seven_years_ago))
        db.session.execute(update(Receipt).where(Receipt.donor_id == old.donor_id).values(issued_at=seven_years_ago))
        db.session.execute(update(DonorSignIn).values(expires_at=seven_years_ago))
        db.session.execute(
            update(StripeEvent).where(StripeEvent.donation_id == recent.id).values(received_at=seven_years_ago)
        )
        db.session.commit()

    result = live.app.test_cli_runner().invoke(args=["donations", "purge-personal-data"])
    assert result.exit_code == 0, result.output
    assert "1 inactive donor(s) erased" in result.output
    with live.app.app_context():
        donors = {d.id: d for d in db.session.scalars(select(Donor))}
        assert donors[old.donor_id].erased_at is not None and donors[old.donor_id].last_name == "—"
        assert donors[recent.donor_id].erased_at is None  # gave lately: kept
        assert db.session.scalar(select(func.count()).select_from(DonorSignIn)) == 0
        recent_events = db.session.scalars(select(StripeEvent).where(StripeEvent.donation_id == recent.id)).all()
        assert recent_events and all("recent@example.org" not in json.dumps(e.payload) for e in recent_events)
    again = live.app.test_cli_runner().invoke(args=["donations", "purge-personal-data"])
    assert "0 inactive donor(s) erased" in again.output
