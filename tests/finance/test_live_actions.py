"""Finance's actions through Stripe, on the live app with the sandbox: refunds and stopping a monthly gift.

The back office asks Stripe; Stripe's webhooks then move the payment, the
donation and the receipts, exactly as for a refund made anywhere else.
"""

from __future__ import annotations

from collections.abc import Callable

import requests
from sqlalchemy import select

from donations.extensions import db
from donations.models import AuditEntry, Donation, DonationStatus, ReceiptStatus
from tests.support.finance_staff import signed_in_live as signed_in
from tests.support.live_gifts import pay, receipts_of
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox
from tests.support.pages import form_fields, text_of


def post_form(live: Live, path: str, **data: str) -> requests.Response:
    page = live.get(path)
    assert page.status_code == 200, page.text
    return live.post(path, data={**form_fields(page.text), **data})


def payment_id_of(live: Live, donation: Donation) -> int:
    with live.app.app_context():
        return db.session.scalars(select(Donation).where(Donation.id == donation.id)).one().payments[0].id


def status_of(live: Live, donation: Donation) -> DonationStatus:
    with live.app.app_context():
        return db.session.scalars(select(Donation.status).where(Donation.id == donation.id)).one()


def test_a_partial_refund_goes_through_stripe_and_the_webhook_replaces_the_receipt(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="100")
    signed_in(live)
    [original] = receipts_of(live, donation)
    path = f"/finance/payments/{payment_id_of(live, donation)}/refund"

    live.control("webhooks/pause")
    form = form_fields(live.get(path).text)
    answer = live.post(path, data={**form, "amount": "40", "confirm": "y"})
    assert answer.status_code == 303
    # Asked, not yet confirmed: the page says so, and the receipt is untouched until Stripe's webhook.
    page = text_of(live.get(f"/finance/donations/{donation.public_id}").text)
    assert "Refund of 40,00 € requested" in page and "waiting for Stripe's confirmation" in page
    assert receipts_of(live, donation)[0].status == ReceiptStatus.ISSUED
    # The same form sent twice (a double click) refunds once: the idempotency key is the form's.
    assert live.post(path, data={**form, "amount": "40", "confirm": "y"}).status_code == 303

    live.control("webhooks/resume")
    live.settle_webhooks()
    old, new = receipts_of(live, donation)
    assert old.id == original.id and (old.status, old.cancel_reason) == (ReceiptStatus.CANCELLED, "Remboursement")
    assert (new.status, new.amount_cents, new.replaces_id) == (ReceiptStatus.ISSUED, 6000, old.id)
    page = text_of(live.get(f"/finance/donations/{donation.public_id}").text)
    assert (
        "waiting for Stripe's confirmation" not in page
        and "40,00 €" in page
        and f"replaced by no. {new.number}" in page
    )
    with live.app.app_context():
        [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "payment.refund")).all()
        assert entry.details["amount_cents"] == 4000 and entry.details["refund"].startswith("re_")
        assert entry.ip_address == "127.0.0.1"
    charges = live.app.extensions["stripe_client"].v1.refunds.list(
        params={"payment_intent": donation.stripe_payment_intent_id}
    )
    assert [refund.amount for refund in charges.data] == [4000]


def test_a_full_refund_cancels_the_receipt_once_stripe_confirms(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="50")
    signed_in(live)
    answer = post_form(live, f"/finance/payments/{payment_id_of(live, donation)}/refund", amount="50,00", confirm="y")
    assert answer.status_code == 303
    live.settle_webhooks()
    [receipt] = receipts_of(live, donation)
    assert receipt.status == ReceiptStatus.CANCELLED
    assert status_of(live, donation) == DonationStatus.REFUNDED
    assert "refunded" in text_of(live.get(f"/finance/donations/{donation.public_id}").text)


def test_stopping_a_monthly_gift_cancels_its_subscription(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="monthly", amount="15")
    assert status_of(live, donation) == DonationStatus.ACTIVE
    signed_in(live)
    page = live.get(f"/finance/donations/{donation.public_id}")
    assert f"/finance/donations/{donation.public_id}/cancel-monthly" in page.text
    live.control("webhooks/pause")
    answer = post_form(live, f"/finance/donations/{donation.public_id}/cancel-monthly", confirm="y")
    assert answer.status_code == 303
    assert "Stop requested" in text_of(live.get(f"/finance/donations/{donation.public_id}").text)
    live.control("webhooks/resume")
    live.settle_webhooks()
    assert status_of(live, donation) == DonationStatus.CANCELLED
    page = text_of(live.get(f"/finance/donations/{donation.public_id}").text)
    assert "Stop requested" not in page and "stopped" in page
    subscription = live.app.extensions["stripe_client"].v1.subscriptions.retrieve(donation.stripe_subscription_id)
    assert subscription.status == "canceled"


def test_resending_a_receipt_really_sends_it_again(live: Live, give: Callable[..., requests.Response], smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox: Mailbox = smtp[0]
    donation = pay(live, give, kind="one_off", amount="30")
    [receipt] = receipts_of(live, donation)
    first = mailbox.wait_for(1)[0]
    signed_in(live)
    assert post_form(live, f"/finance/receipts/{receipt.number}/resend", confirm="y").status_code == 303
    messages = mailbox.wait_for(2)
    assert len(messages) == 2 and messages[1]["Subject"] == first["Subject"]
    [again] = receipts_of(live, donation)
    assert again.emailed_at > receipt.emailed_at
