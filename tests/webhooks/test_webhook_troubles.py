"""Events that matter after the gift: failed renewals, authentication, failed refunds, appeals.

The live app, the sandbox sending its webhooks, and a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from donations.extensions import db
from donations.models import Donation, Receipt, StripeEvent
from tests.support.giving import Giving, all_events
from tests.support.live_service import WEBHOOK_SECRET as E2E_SECRET
from tests.support.live_service import Live
from tests.support.webhook_delivery import deliver, gift_state


@pytest.fixture
def live_settings(smtp: tuple[Any, int]) -> dict[str, object]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp[1])}


def receipts(live: Live) -> list[tuple[int, str, bool]]:
    with live.app.app_context():
        rows = db.session.scalars(sa.select(Receipt).order_by(Receipt.id)).all()
        return [(r.amount_cents, r.status.value, r.replaces_id is not None) for r in rows]


def body(message: Any) -> str:
    return message.get_body(("plain",)).get_content()


def test_a_failed_renewal_asks_the_donor_to_update_the_card_and_the_last_retry_lapses_the_gift(
    live: Live, giving: Giving, smtp: Any
) -> None:
    mailbox, _ = smtp
    gift = giving.give("monthly", "20")
    subscription = giving.pay_card(gift)["subscription"]
    giving.advance(subscription, fail=True)
    live.settle_webhooks()
    assert gift_state(live.app, gift.public_id)[0] == "active"
    first = mailbox.wait_for(1)[-1]
    assert first["Subject"] == "Votre don mensuel n'a pas pu être prélevé"
    assert f"{live.app.config['PUBLIC_BASE_URL'].rstrip('/')}/my" in body(first) and "20,00" in body(first)

    giving.control(f"subscriptions/{subscription}/advance", fail="1", final="1")
    live.settle_webhooks()
    assert gift_state(live.app, gift.public_id)[0] == "lapsed"
    last = mailbox.wait_for(2)[-1]
    assert "plusieurs tentatives" in body(last)
    with live.app.app_context():
        assert (
            db.session.scalars(sa.select(Donation.status).where(Donation.public_id == gift.public_id)).one().value
            == "lapsed"
        )


def test_an_authentication_asked_by_the_bank_sends_the_invoice_page(live: Live, giving: Giving, smtp: Any) -> None:
    mailbox, _ = smtp
    gift = giving.give("monthly", "25")
    subscription = giving.pay_card(gift)["subscription"]
    answer = giving.control(f"subscriptions/{subscription}/advance", action="1")
    live.settle_webhooks()
    message = mailbox.wait_for(1)[-1]
    assert message["Subject"] == "Merci de confirmer votre don mensuel auprès de votre banque"
    assert f"/invoices/{answer['invoice']}" in body(message)


def test_a_failed_partial_refund_restores_the_receipt_for_the_whole_gift(live: Live, giving: Giving) -> None:
    gift = giving.give("one_off", "50")
    intent = giving.pay_card(gift)["payment_intent"]
    live.settle_webhooks()  # the receipt is issued before anything is given back
    refund = giving.stripe.v1.refunds.create(params={"charge": giving.charge_of(intent), "amount": 1000})
    live.settle_webhooks()
    assert receipts(live) == [(5000, "cancelled", False), (4000, "issued", True)]

    giving.control(f"refunds/{refund.id}/fail")
    live.settle_webhooks()
    assert gift_state(live.app, gift.public_id)[2][0][:3] == (5000, 0, "succeeded")
    assert receipts(live) == [(5000, "cancelled", False), (4000, "cancelled", True), (5000, "issued", True)]


def test_a_failed_full_refund_gives_the_gift_back_its_receipt(live: Live, giving: Giving) -> None:
    gift = giving.give("one_off", "30")
    intent = giving.pay_card(gift)["payment_intent"]
    live.settle_webhooks()  # the receipt is issued before anything is given back
    refund = giving.stripe.v1.refunds.create(params={"charge": giving.charge_of(intent)})
    live.settle_webhooks()
    assert gift_state(live.app, gift.public_id)[0] == "refunded" and receipts(live) == [(3000, "cancelled", False)]

    giving.control(f"refunds/{refund.id}/fail")
    live.settle_webhooks()
    assert gift_state(live.app, gift.public_id)[0] == "paid"
    assert receipts(live) == [(3000, "cancelled", False), (3000, "issued", True)]


def test_a_dispute_won_on_appeal_restores_the_receipt(live: Live, giving: Giving) -> None:
    gift = giving.give("one_off", "80")
    intent = giving.pay_card(gift)["payment_intent"]
    live.settle_webhooks()  # the receipt is issued before anything is given back
    dispute = giving.control(f"charges/{giving.charge_of(intent)}/dispute")["dispute"]
    giving.control(f"disputes/{dispute}/close", outcome="lost")
    live.settle_webhooks()
    assert receipts(live) == [(8000, "cancelled", False)]

    giving.control(f"disputes/{dispute}/close", outcome="appeal")
    live.settle_webhooks()
    status, _, paid = gift_state(live.app, gift.public_id)
    assert (status, paid[0][1], paid[0][6]) == ("refunded", 8000, "appeal_under_review")

    giving.control(f"disputes/{dispute}/close", outcome="won")
    live.settle_webhooks()
    status, _, paid = gift_state(live.app, gift.public_id)
    assert (status, paid[0][1], paid[0][6]) == ("paid", 0, "won")
    assert receipts(live) == [(8000, "cancelled", False), (8000, "issued", True)]


def test_a_subscription_paused_by_stripe_and_resumed_moves_the_gift(live: Live, giving: Giving) -> None:
    gift = giving.give("monthly", "12")
    subscription = giving.pay_card(gift)["subscription"]
    live.settle_webhooks()
    giving.control(f"subscriptions/{subscription}/paused")
    live.settle_webhooks()
    assert gift_state(live.app, gift.public_id)[0] == "paused"
    giving.control(f"subscriptions/{subscription}/resumed")
    live.settle_webhooks()
    assert gift_state(live.app, gift.public_id)[0] == "active"
    with live.app.app_context():
        types = {e.type for e in db.session.scalars(sa.select(StripeEvent)) if e.outcome.value == "applied"}
    assert {"customer.subscription.paused", "customer.subscription.resumed"} <= types


def test_a_refund_that_failed_before_its_charge_refunded_arrived_gives_nothing_back(live: Live, giving: Giving) -> None:
    gift = giving.give("one_off", "50")
    intent = giving.pay_card(gift)["payment_intent"]
    live.settle_webhooks()
    known = {event["id"] for event in all_events(giving.stripe)}
    live.control("webhooks/pause")  # the next events reach us only in the order chosen here
    refund = giving.stripe.v1.refunds.create(params={"charge": giving.charge_of(intent), "amount": 1000})
    giving.control(f"refunds/{refund.id}/fail")
    late = [event for event in all_events(giving.stripe) if event["id"] not in known]
    assert [e["type"] for e in late] == [
        "refund.created",
        "charge.refunded",
        "refund.failed",
        "refund.updated",
        "charge.refund.updated",
    ]
    client = live.app.test_client()
    for event in late[2:] + late[:2]:  # the failure first, the stale charge.refunded (1 000 refunded) last
        assert deliver(client, event, E2E_SECRET).status_code == 200
    assert gift_state(live.app, gift.public_id)[2][0][:3] == (5000, 0, "succeeded")
    assert receipts(live) == [(5000, "issued", False)]
