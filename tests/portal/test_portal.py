"""The donor portal over HTTP: sign-in by emailed link, gifts and receipts, the monthly gift."""

from __future__ import annotations

import datetime as dt
import json
import re

from sqlalchemy import select, update

from donations.extensions import db
from donations.models import Donation, DonationStatus, Donor, DonorSignIn, Receipt
from tests.support.donor_portal import ask_link, link_in, sign_in
from tests.support.donors import INDIVIDUAL
from tests.support.live_gifts import pay
from tests.support.live_service import Live
from tests.support.pages import form_fields

CARD_OK = "4242424242424242"
OTHER = {**INDIVIDUAL, "first_name": "Paul", "last_name": "Durand", "email": "paul.durand@example.org"}


def test_sign_in_link_is_emailed_works_once_and_the_answer_hides_who_gave(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="50")
    known = ask_link(live, "Camille.Martin@example.org")
    unknown = ask_link(live, "nobody@example.org")
    assert known.status_code == unknown.status_code == 200
    assert re.sub(r"\s+", " ", known.text) == re.sub(r"\s+", " ", unknown.text)
    messages = mailbox.wait_for(2)
    sign_in_mails = [m for m in messages if "connexion" in m["Subject"].lower()]
    assert [m["To"] for m in sign_in_mails] == ["camille.martin@example.org"]

    path = link_in(sign_in_mails[0])
    page = live.get(path)
    assert live.post("/my/sign-in", data=form_fields(page.text)).status_code == 303
    gifts = live.get("/my/gifts")
    assert gifts.status_code == 200 and "50,00" in gifts.text

    live.browser.cookies.clear()
    page = live.get(path)
    assert live.post("/my/sign-in", data=form_fields(page.text)).status_code == 410
    assert live.get("/my/gifts", allow_redirects=False).status_code == 302


def test_sign_in_link_expires(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="50")
    ask_link(live, "camille.martin@example.org")
    path = link_in(mailbox.wait_for(2)[-1])
    with live.app.app_context():
        db.session.execute(update(DonorSignIn).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
        db.session.commit()
    page = live.get(path)
    assert live.post("/my/sign-in", data=form_fields(page.text)).status_code == 410


def test_a_donor_cannot_reach_another_donors_gift_or_receipt(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="50")
    theirs = pay(live, give, kind="monthly", amount="20", donor=OTHER)
    other_one_off = pay(live, give, kind="one_off", amount="35", donor=OTHER)
    with live.app.app_context():
        my_receipt = db.session.scalars(
            select(Receipt).join(Donor).where(Donor.email == "camille.martin@example.org")
        ).one()
        their_receipt = db.session.scalars(select(Receipt).join(Donor).where(Donor.email == OTHER["email"])).one()
    sign_in(live, mailbox, "camille.martin@example.org")
    mine_pdf = live.get(f"/my/receipts/{my_receipt.number}.pdf")
    assert mine_pdf.status_code == 200 and mine_pdf.content.startswith(b"%PDF")
    assert live.get(f"/my/receipts/{their_receipt.number}.pdf").status_code == 404
    assert live.get(f"/my/gifts/{theirs.public_id}").status_code == 404
    assert (
        live.post(f"/my/gifts/{theirs.public_id}/pause", data=form_fields(live.get("/my/gifts").text)).status_code
        == 404
    )
    gifts = live.get("/my/gifts").text
    assert "50,00" in gifts and "35,00" not in gifts and other_one_off.public_id not in gifts


def test_monthly_gift_changes_pauses_resumes_and_stops_through_stripe(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="monthly", amount="15")
    sign_in(live, mailbox, "camille.martin@example.org")
    page = live.get(f"/my/gifts/{donation.public_id}")
    assert page.status_code == 200 and "5,10" in page.text

    changed = live.post(f"/my/gifts/{donation.public_id}", data={**form_fields(page.text), "amount": "30"})
    assert changed.status_code == 303
    live.settle_webhooks()
    after = live.get(f"/my/gifts/{donation.public_id}").text
    assert "10,20" in after  # 30 € a month costs 10,20 € after the reduction

    def status() -> tuple[DonationStatus, int]:
        with live.app.app_context():
            stored = db.session.get(Donation, donation.id)
            return stored.status, stored.amount_cents

    assert status() == (DonationStatus.ACTIVE, 3000)
    live.control(f"subscriptions/{donation.stripe_subscription_id}/advance")
    live.settle_webhooks()
    with live.app.app_context():
        assert [p.amount_cents for p in db.session.get(Donation, donation.id).payments] == [1500, 3000]

    for action, expected in (("pause", DonationStatus.PAUSED), ("resume", DonationStatus.ACTIVE)):
        page = live.get(f"/my/gifts/{donation.public_id}")
        assert live.post(f"/my/gifts/{donation.public_id}/{action}", data=form_fields(page.text)).status_code == 303
        live.settle_webhooks()
        assert status()[0] == expected

    page = live.get(f"/my/gifts/{donation.public_id}")
    unconfirmed = live.post(f"/my/gifts/{donation.public_id}/stop", data=form_fields(page.text))
    live.settle_webhooks()
    assert unconfirmed.status_code == 303 and status()[0] == DonationStatus.ACTIVE
    page = live.get(f"/my/gifts/{donation.public_id}")
    live.post(f"/my/gifts/{donation.public_id}/stop", data={**form_fields(page.text), "confirm": "y"})
    live.settle_webhooks()
    assert status()[0] == DonationStatus.CANCELLED


def test_card_update_goes_through_the_stripe_billing_portal(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="monthly", amount="15")
    sign_in(live, mailbox, "camille.martin@example.org")
    page = live.get("/my/gifts")
    answer = live.post("/my/card", data=form_fields(page.text))
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(live.sandbox.url + "/billing_portal/")


def test_address_change_applies_to_future_receipts_only(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="50")
    sign_in(live, mailbox, "camille.martin@example.org")
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
    bad = live.post("/my/address", data={**data, "postal_code": "6900"})
    assert bad.status_code == 400 and "cinq chiffres" in bad.text
    pay(live, give, kind="one_off", amount="20", address_line1="8 avenue Foch", postal_code="69006", city="Lyon")
    with live.app.app_context():
        first, second = db.session.scalars(select(Receipt).order_by(Receipt.id)).all()
        assert first.snapshot["donor"]["city"] == "Paris"
        assert second.snapshot["donor"]["city"] == "Lyon"


def test_export_and_erasure_keep_only_what_receipts_need(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="one_off", amount="50")
    sign_in(live, mailbox, "camille.martin@example.org")
    exported = live.get("/my/data.json")
    data = json.loads(exported.content)
    assert data["donors"][0]["last_name"] == "Martin"
    assert data["donors"][0]["donations"][0]["id"] == donation.public_id

    page = live.get("/my/erase")
    erased = live.post("/my/erase", data={**form_fields(page.text), "confirm": "y"})
    assert erased.status_code == 200
    with live.app.app_context():
        donor = db.session.get(Donor, donation.donor_id)
        receipt = db.session.scalars(select(Receipt)).one()
        assert (donor.last_name, donor.erased_at is not None, donor.locked_at is not None) == ("—", True, True)
        assert "camille" not in donor.email
        assert receipt.snapshot["donor"]["last_name"] == "Martin"  # kept, as the law requires
    assert receipt.number in erased.text
    assert live.get("/my/gifts", allow_redirects=False).status_code == 302


def test_erasure_waits_until_the_monthly_gift_is_stopped(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="monthly", amount="15")
    sign_in(live, mailbox, "camille.martin@example.org")
    page = live.get("/my/erase")
    refused = live.post("/my/erase", data={**form_fields(page.text), "confirm": "y"})
    assert refused.status_code == 409
    with live.app.app_context():
        assert db.session.scalars(select(Donor)).one().erased_at is None


def test_emails_follow_the_donors_language(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    live.get("/?lang=en")
    pay(live, give, kind="one_off", amount="50")
    ask_link(live, "camille.martin@example.org")
    receipt_mail, link_mail = mailbox.wait_for(2)
    assert receipt_mail["Subject"].startswith("Your tax receipt")
    assert "sign-in link" in link_mail["Subject"].lower()


def test_link_requests_are_rate_limited(live: Live) -> None:
    answers = [ask_link(live, f"someone{i}@example.org").status_code for i in range(7)]
    assert answers[:5] == [200] * 5
    assert 429 in answers[5:]
