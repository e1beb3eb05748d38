"""Stripe's fees and payouts on the live app with the sandbox: each payment's fee and net from its
balance transaction (also when Stripe books it later), and each payout with the gifts it contains."""

from __future__ import annotations

from collections.abc import Callable

import requests
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation, Payment, Payout, PayoutLine
from tests.support.finance_staff import signed_in_live as signed_in
from tests.support.live_gifts import pay
from tests.support.live_service import Live
from tests.support.pages import text_of


def payment_of(live: Live, donation: Donation) -> Payment:
    with live.app.app_context():
        found = db.session.scalars(select(Payment).where(Payment.donation_id == donation.id)).one()
        db.session.expunge_all()
        return found


def test_a_card_payment_records_stripe_fee_and_net_from_its_balance_transaction(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="100")
    payment = payment_of(live, donation)
    booking = live.app.extensions["stripe_client"].v1.balance_transactions.retrieve(
        payment.stripe_balance_transaction_id
    )
    # Stripe's EEA card price in the sandbox: 1.5 % + 0,25 €.
    assert (booking.fee, booking.net) == (175, 9825)
    assert (payment.fee_cents, payment.net_cents) == (175, 9825)


def test_a_fee_booked_after_the_payment_arrives_with_charge_updated(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    live.control("balance/defer", on="1")
    donation = pay(live, give, kind="one_off", amount="40")
    payment = payment_of(live, donation)
    assert payment.stripe_charge_id and (
        payment.fee_cents,
        payment.net_cents,
        payment.stripe_balance_transaction_id,
    ) == (None, None, None)

    booked = live.control(f"charges/{payment.stripe_charge_id}/book")
    live.settle_webhooks()
    payment = payment_of(live, donation)
    assert (payment.fee_cents, payment.net_cents) == (85, 3915) == (booked["fee"], booked["net"])
    assert payment.stripe_balance_transaction_id == booked["balance_transaction"]


def test_a_payout_is_recorded_with_the_payments_refunds_disputes_and_fees_it_contains(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    kept = pay(live, give, kind="one_off", amount="100")
    refunded = pay(live, give, kind="one_off", amount="50")
    disputed = pay(live, give, kind="one_off", amount="30")
    stripe = live.app.extensions["stripe_client"]
    stripe.v1.refunds.create(params={"payment_intent": refunded.stripe_payment_intent_id, "amount": 2000})
    charge = payment_of(live, disputed).stripe_charge_id
    dispute = live.control(f"charges/{charge}/dispute")
    live.control(f"disputes/{dispute['dispute']}/close", outcome="lost")
    live.settle_webhooks()

    paid = live.control("payouts")
    live.settle_webhooks()
    # 100 € − 1,75 € + 50 € − 1,00 € − 20 € refunded + 30 € − 0,70 € − 30 € disputed − 15 € dispute fee
    assert paid["amount"] == 10000 - 175 + 5000 - 100 - 2000 + 3000 - 70 - 3000 - 1500
    with live.app.app_context():
        payout = db.session.scalars(select(Payout)).one()
        assert (payout.stripe_payout_id, payout.amount_cents, payout.status) == (paid["payout"], paid["amount"], "paid")
        lines = db.session.scalars(select(PayoutLine).order_by(PayoutLine.id)).all()
        assert sum(line.net_cents for line in lines) == payout.amount_cents
        by_type = sorted(
            (line.type, line.amount_cents, line.fee_cents, line.payment.donation.public_id) for line in lines
        )
        assert by_type == sorted(
            [
                ("charge", 10000, 175, kept.public_id),
                ("charge", 5000, 100, refunded.public_id),
                ("charge", 3000, 70, disputed.public_id),
                ("refund", -2000, 0, refunded.public_id),
                ("adjustment", -3000, 1500, disputed.public_id),
            ]
        )
        assert {
            p.donation.public_id for p in db.session.scalars(select(Payment).where(Payment.payout_id == payout.id))
        } == {kept.public_id, refunded.public_id, disputed.public_id}

    # The same event again (Stripe retries) records nothing twice.
    with live.app.app_context():
        from donations.fulfilment.payouts import record_payout

        record_payout(db.session, stripe, paid["payout"])
        db.session.commit()
        assert db.session.query(PayoutLine).count() == 5


def test_staff_see_which_gifts_make_up_each_bank_credit_and_the_fec_empties_the_stripe_balance(
    live: Live, give: Callable[..., requests.Response], smtp, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import time

    from tests.support.fec_reader import balance, entries, read_fec

    first = pay(live, give, kind="one_off", amount="100")
    second = pay(live, give, kind="ifi", amount="600")
    stripe = live.app.extensions["stripe_client"]
    stripe.v1.refunds.create(params={"payment_intent": first.stripe_payment_intent_id, "amount": 1000})
    live.settle_webhooks()
    paid = live.control("payouts", arrival_date=str(int(time.time())))
    live.settle_webhooks()

    signed_in(live)
    listing = text_of(live.get("/finance/payouts?lang=fr").text)
    assert paid["payout"] in listing and "Virements Stripe" in listing
    page = live.get(f"/finance/payouts/{paid['payout']}?lang=fr")
    assert page.status_code == 200
    for donation in (first, second):
        assert f"/finance/donations/{donation.public_id}" in page.text
    shown = text_of(page.text).replace("\u202f", " ").replace("\u00a0", " ")
    assert "Camille Martin" in shown and "Remboursement" in shown and "-10,00 €" in shown
    assert f"Virement de {paid['amount'] // 100},{paid['amount'] % 100:02d} €" in shown
    assert live.get("/finance/payouts/po_unknown").status_code == 404

    output = tmp_path / "fec.txt"
    year = time.localtime().tm_year
    result = live.app.test_cli_runner().invoke(
        args=["accounting", "fec", "--year", str(year), "--output", str(output), "--include-test"]
    )
    assert result.exit_code == 0, result.output
    lines = read_fec(output.read_bytes().decode("utf-8"))
    assert all(
        sum(line.debit_cents for line in e) == sum(line.credit_cents for line in e) for e in entries(lines).values()
    )
    assert balance(lines, "5118") == 0 and balance(lines, "512") == paid["amount"]
    assert balance(lines, "627") == 175 + 925
    assert -balance(lines, "7541") == 10000 - 1000 + 60000


def test_a_donation_page_shows_each_payments_fee_net_and_payout(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    import time

    donation = pay(live, give, kind="one_off", amount="100")
    signed_in(live)
    page = (
        text_of(live.get(f"/finance/donations/{donation.public_id}?lang=fr").text)
        .replace("\u202f", " ")
        .replace("\u00a0", " ")
    )
    assert "Frais Stripe et virements" in page and "1,75 €" in page and "98,25 €" in page and "Pas encore viré" in page
    paid = live.control("payouts", arrival_date=str(int(time.time())))
    live.settle_webhooks()
    html = live.get(f"/finance/donations/{donation.public_id}?lang=fr").text
    assert f'href="/finance/payouts/{paid["payout"]}"' in html and "Crédité le" in html
