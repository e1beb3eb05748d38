"""An email is not an identity: what a visitor types with someone's email goes on their own gift only."""

from __future__ import annotations

from collections.abc import Callable

import requests
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation, DonationKind, Donor, Receipt
from donations.receipting.service import issuing_context
from receipts.annual import donors_due, issue_recaps
from tests.support.donor_portal import sign_in
from tests.support.donors import INDIVIDUAL
from tests.support.factories import as_if_last_year
from tests.support.live_gifts import pay
from tests.support.live_service import Live
from tests.support.pages import form_fields

# Someone else, typing Camille's email on the public form.
MALLORY = {
    **INDIVIDUAL,
    "first_name": "Mallory",
    "last_name": "Pirate",
    "address_line1": "1 quai du Vol",
    "postal_code": "13002",
    "city": "Marseille",
}


def _camille() -> Donor:
    return db.session.scalars(select(Donor)).one()


def test_a_visitor_typing_a_donors_email_changes_neither_their_record_nor_their_receipts(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="50")
    checkout = give(kind="one_off", amount="20", donor=MALLORY).headers["Location"]
    session_id = checkout.rsplit("/", 1)[-1]
    opened = live.sandbox.sandbox.store.find(session_id)
    # Stripe gets the email only: never Camille's customer, whose saved card and address it would offer.
    assert (opened["customer"], opened["customer_email"]) == (None, INDIVIDUAL["email"])
    live.control(f"checkout/{session_id}/pay", card="4242424242424242")
    live.settle_webhooks()

    with live.app.app_context():
        camille = _camille()
        assert (camille.first_name, camille.last_name, camille.address_line1, camille.city) == (
            "Camille",
            "Martin",
            "12 rue des Lilas",
            "Paris",
        )
        first, second = db.session.scalars(select(Receipt).order_by(Receipt.id)).all()
        assert (first.snapshot["donor"]["last_name"], first.snapshot["donor"]["city"]) == ("Martin", "Paris")
        assert (second.snapshot["donor"]["last_name"], second.snapshot["donor"]["city"]) == ("Pirate", "Marseille")
        gifts = db.session.scalars(select(Donation).order_by(Donation.id)).all()
        assert [g.given_identity.last_name for g in gifts] == ["Martin", "Pirate"]
        # Each checkout made its own Stripe customer; the donor record took none of them.
        assert gifts[0].stripe_customer_id and gifts[1].stripe_customer_id
        assert gifts[0].stripe_customer_id != gifts[1].stripe_customer_id
        assert camille.stripe_customer_id is None
    # Each receipt's email greets the person its receipt names.
    greetings = sorted(m.get_body(("plain",)).get_content().splitlines()[0] for m in mailbox.wait_for(2))
    assert greetings == ["Bonjour Camille Martin,", "Bonjour Mallory Pirate,"]


def test_a_monthly_gift_given_under_another_name_gets_its_own_annual_recap(
    live: Live, give: Callable[..., requests.Response]
) -> None:
    pay(live, give, kind="monthly", amount="15")
    pay(live, give, kind="monthly", amount="20", donor=MALLORY)
    with live.app.app_context():
        year = as_if_last_year(db.session)
        issued = issue_recaps(db.session, year, donors_due(db.session, year), issuing_context())
        db.session.commit()
        printed = sorted((r.receipt.snapshot["donor"]["last_name"], r.receipt.amount_cents) for r in issued)
        assert printed == [("Martin", 1500), ("Pirate", 2000)]
        assert len({r.receipt.donor_id for r in issued}) == 1  # one email, one record, two identities


def test_portal_address_change_moves_the_running_monthly_gift_but_not_one_given_under_another_name(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="monthly", amount="15")
    pay(live, give, kind="monthly", amount="20", donor=MALLORY)
    sign_in(live, mailbox, INDIVIDUAL["email"])
    page = live.get("/my/address")
    data = {
        **form_fields(page.text),
        "address_line1": "8 avenue Foch",
        "address_line2": "",
        "postal_code": "69006",
        "city": "Lyon",
        "country": "FR",
    }
    assert live.post("/my/address", data=data).status_code == 303
    with live.app.app_context():
        assert _camille().city == "Lyon"
        cities = {g.given_identity.last_name: g.given_identity.city for g in db.session.scalars(select(Donation))}
        assert cities == {"Martin": "Lyon", "Pirate": "Marseille"}


def test_a_repeated_submit_with_another_identity_is_refused(live: Live) -> None:
    page = live.get("/donate?kind=one_off&amount=50")
    data = {**form_fields(page.text), "kind": "one_off", "amount": "50", **INDIVIDUAL}
    assert live.post("/donate", data=data).status_code == 303
    again = live.post("/donate", data={**data, "last_name": "Pirate"})
    assert again.status_code == 409
    with live.app.app_context():
        assert [g.given_identity.last_name for g in db.session.scalars(select(Donation))] == ["Martin"]
        assert db.session.scalars(select(Donation)).one().kind == DonationKind.ONE_OFF
