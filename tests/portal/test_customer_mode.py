"""Test and live never mix: a Stripe customer id is used only in the mode it was made in."""

from __future__ import annotations

from donations.models import Donation, DonationKind, DonationStatus, Donor
from donations.portal.records import billing_customer


def donor_with(*gifts: tuple[str, bool], customer: tuple[str, bool | None] | None = None) -> Donor:
    donor = Donor(email="camille@example.org", first_name="Camille", last_name="Martin")
    if customer:
        donor.stripe_customer_id, donor.stripe_customer_livemode = customer
    for number, (customer_id, live) in enumerate(gifts, start=1):
        gift = Donation(
            kind=DonationKind.MONTHLY, status=DonationStatus.ACTIVE, livemode=live, stripe_customer_id=customer_id
        )
        gift.id = number
        donor.donations.append(gift)
    return donor


def test_a_test_mode_customer_is_never_used_by_the_live_service() -> None:
    donor = donor_with(("cus_test_gift", False))
    assert billing_customer([donor], livemode=False) == "cus_test_gift"
    assert billing_customer([donor], livemode=True) is None


def test_each_mode_finds_its_own_customer() -> None:
    donor = donor_with(("cus_live_gift", True), ("cus_test_gift", False))
    assert billing_customer([donor], livemode=True) == "cus_live_gift"
    assert billing_customer([donor], livemode=False) == "cus_test_gift"


def test_a_donor_customer_of_unknown_mode_is_not_reused() -> None:
    assert billing_customer([donor_with(customer=("cus_old", None))], livemode=False) is None
    assert billing_customer([donor_with(customer=("cus_old", None))], livemode=True) is None
    assert billing_customer([donor_with(customer=("cus_live", True))], livemode=True) == "cus_live"
    assert billing_customer([donor_with(customer=("cus_live", True))], livemode=False) is None


def test_the_portal_never_sends_a_gift_of_the_other_mode_to_stripe(live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    """A monthly gift recorded in live mode, seen by this test-mode service: no billing portal, no management."""
    from sqlalchemy import update

    from donations.extensions import db
    from tests.support.donor_portal import sign_in
    from tests.support.live_gifts import pay
    from tests.support.pages import form_fields

    mailbox, _ = smtp
    gift = pay(live, give, kind="monthly", amount="15")
    sign_in(live, mailbox, "camille.martin@example.org")
    assert live.get(f"/my/gifts/{gift.public_id}").status_code == 200
    with live.app.app_context():
        db.session.execute(update(Donation).where(Donation.id == gift.id).values(livemode=True))
        db.session.commit()
    assert live.get(f"/my/gifts/{gift.public_id}").status_code == 404
    page = live.get("/my/gifts")
    assert live.post("/my/card", data=form_fields(page.text)).status_code == 404
