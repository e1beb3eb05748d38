"""Receipts end to end: a gift paid in the sandbox, its receipt issued, stored, emailed, verified."""

from __future__ import annotations

import re

from sqlalchemy import select

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.models import Donation, Receipt, ReceiptKind, ReceiptStatus
from donations.receipting.pdfs import pdf_of, receipt_store
from tests.support.donors import COMPANY
from tests.support.factories import as_if_last_year
from tests.support.live_gifts import attachment, pay, pdf_text, receipts_of
from tests.support.live_service import Live

CARD_OK = "4242424242424242"


def test_paid_gift_gets_its_receipt_stored_and_emailed(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _port = smtp
    donation = pay(live, give, kind="one_off", amount="150")
    [receipt] = receipts_of(live, donation)
    assert re.fullmatch(r"\d{4}-000001", receipt.number)
    assert (receipt.kind, receipt.article, receipt.amount_cents, receipt.status) == (
        ReceiptKind.PER_GIFT,
        "200",
        15000,
        ReceiptStatus.ISSUED,
    )
    assert receipt.emailed_at is not None

    with live.app.app_context():
        stored = receipt_store().load(receipt.number)
    assert stored is not None
    text = pdf_text(stored)
    for mention in (receipt.number, "***150,00 €***", "cent cinquante euros", "Martin", "12 rue des Lilas", "SPECIMEN"):
        assert mention in text

    [message] = mailbox.wait_for(1)
    assert message["To"] == "camille.martin@example.org"
    assert receipt.number in message["Subject"]
    assert "Merci pour votre don" in message.get_body(("plain",)).get_content()
    assert attachment(message) == stored


def test_ifi_and_company_gifts_get_the_right_form(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    ifi = pay(live, give, kind="ifi", amount="80000")
    company = pay(live, give, kind="one_off", amount="10000", donor=COMPANY)
    [ifi_receipt] = receipts_of(live, ifi)
    [company_receipt] = receipts_of(live, company)
    assert (ifi_receipt.form.value, ifi_receipt.article) == ("11580", "978")
    assert (company_receipt.form.value, company_receipt.article) == ("16216", "238 bis")
    assert int(company_receipt.number[-6:]) == int(ifi_receipt.number[-6:]) + 1
    with live.app.app_context():
        text = pdf_text(pdf_of(db.session.get(Receipt, company_receipt.id)))
    assert "16216" in text and "ACME Industries" in text and "732829320" in text.replace(" ", "")


def test_partial_refund_cancels_the_receipt_and_issues_a_replacement(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="one_off", amount="100")
    live.app.extensions["stripe_client"].v1.refunds.create(
        params={"payment_intent": donation.stripe_payment_intent_id, "amount": 4000}
    )
    live.settle_webhooks()
    old, new = receipts_of(live, donation)
    assert old.status == ReceiptStatus.CANCELLED and old.cancel_reason == "Remboursement"
    assert (new.status, new.amount_cents, new.replaces_id) == (ReceiptStatus.ISSUED, 6000, old.id)
    assert int(new.number[-6:]) == int(old.number[-6:]) + 1
    messages = mailbox.wait_for(2)
    replacement_mail = messages[1]
    assert "annule et remplace le reçu" in replacement_mail.get_body(("plain",)).get_content()
    text = pdf_text(attachment(replacement_mail))
    assert "***60,00 €***" in text and f"annule et remplace le reçu n° {old.number}" in text

    verify = live.get(f"/receipts/verify/{old.number}?c={old.verification_code}")
    assert verify.status_code == 200
    assert "annulé" in verify.text and new.number in verify.text
    assert "Martin" not in verify.text and "camille" not in verify.text


def test_full_refund_cancels_the_receipt_and_tells_the_donor(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="one_off", amount="50")
    live.app.extensions["stripe_client"].v1.refunds.create(params={"payment_intent": donation.stripe_payment_intent_id})
    live.settle_webhooks()
    [receipt] = receipts_of(live, donation)
    assert receipt.status == ReceiptStatus.CANCELLED
    assert receipt.cancel_notified_at is not None
    messages = mailbox.wait_for(2)
    assert "a été annulé" in messages[1]["Subject"]


def test_lost_dispute_cancels_the_receipt(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="70")
    with live.app.app_context():
        charge = (
            db.session.scalars(select(Donation).where(Donation.id == donation.id)).one().payments[0].stripe_charge_id
        )
    dispute = live.control(f"charges/{charge}/dispute")
    live.control(f"disputes/{dispute['dispute']}/close", outcome="lost")
    live.settle_webhooks()
    [receipt] = receipts_of(live, donation)
    assert (receipt.status, receipt.cancel_reason) == (ReceiptStatus.CANCELLED, "Litige perdu")


def test_verification_needs_the_right_code(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="30")
    [receipt] = receipts_of(live, donation)
    good = live.get(f"/receipts/verify/{receipt.number}?c={receipt.verification_code}")
    assert good.status_code == 200 and "30,00" in good.text and "valide" in good.text
    assert live.get(f"/receipts/verify/{receipt.number}?c=wrong").status_code == 404
    assert live.get(f"/receipts/verify/{receipt.number}").status_code == 404
    assert live.get("/receipts/verify/1999-000001?c=x").status_code == 404


def test_a_lost_pdf_is_drawn_again_from_its_snapshot_with_the_same_hash(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="42")
    [receipt] = receipts_of(live, donation)
    with live.app.app_context():
        path = receipt_store().path_for(receipt.number)
        original = path.read_bytes()
        path.unlink()
        assert pdf_of(db.session.get(Receipt, receipt.id)) == original
        assert path.read_bytes() == original


def test_monthly_gifts_wait_for_the_annual_recap(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(live, give, kind="monthly", amount="15")
    for _ in range(2):
        live.control(f"subscriptions/{donation.stripe_subscription_id}/advance")
        live.settle_webhooks()
    assert receipts_of(live, donation) == []
    with live.app.app_context():
        year = db.session.scalars(select(Donation).where(Donation.id == donation.id)).one().payments[0].received_on.year
        # A refund before the recap leaves that payment out.
        payment = db.session.scalars(select(Donation).where(Donation.id == donation.id)).one().payments[-1]
        if payment.received_on.year == year:
            live.app.extensions["stripe_client"].v1.refunds.create(params={"charge": payment.stripe_charge_id})
    live.settle_webhooks()
    runner = live.app.test_cli_runner()
    refused = runner.invoke(args=["receipts", "annual", "--year", str(paris_date(utcnow()).year)])
    assert refused.exit_code == 1 and "has not ended" in refused.output
    with live.app.app_context():
        year = as_if_last_year(db.session)  # January: the year of the first payment is over
    result = runner.invoke(args=["receipts", "annual", "--year", str(year)])
    assert result.exit_code == 0, result.output
    [recap] = receipts_of(live, donation)
    with live.app.app_context():
        payments = db.session.scalars(select(Donation).where(Donation.id == donation.id)).one().payments
        expected = sum(p.kept_cents for p in payments if p.received_on.year == year)
    assert (recap.kind, recap.amount_cents) == (ReceiptKind.ANNUAL, expected)
    text = pdf_text(attachment(mailbox.wait_for(1)[-1]))
    assert "01/01/" in text and "31/12/" in text
    again = runner.invoke(args=["receipts", "annual", "--year", str(year)])
    assert "0 annual receipt(s) issued" in again.output
    assert len(receipts_of(live, donation)) == 1


def test_declaration_counts_issued_receipts_by_article(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    pay(live, give, kind="one_off", amount="100")
    pay(live, give, kind="ifi", amount="1000")
    refunded = pay(live, give, kind="one_off", amount="20")
    live.app.extensions["stripe_client"].v1.refunds.create(params={"payment_intent": refunded.stripe_payment_intent_id})
    live.settle_webhooks()
    [receipt] = receipts_of(live, refunded)
    # Test mode: every receipt is a SPECIMEN, left out of what is declared unless asked for.
    declared = live.app.test_cli_runner().invoke(args=["receipts", "declaration", "--year", receipt.number[:4]])
    assert "2 SPECIMEN receipt(s) excluded" in declared.output and "0 receipt(s)" in declared.output.splitlines()[-1]
    result = live.app.test_cli_runner().invoke(
        args=["receipts", "declaration", "--year", receipt.number[:4], "--include-specimens"]
    )
    assert "SPECIMEN receipts included" in result.output
    lines = {line.split()[1]: line for line in result.output.splitlines() if line.strip().startswith("article")}
    assert "1 receipt(s)" in lines["200"] and "100,00" in lines["200"]
    assert "1 receipt(s)" in lines["978"] and "1\u202f000,00" in lines["978"]
    assert "2 receipt(s)" in result.output.splitlines()[-1]


def test_receipts_are_issued_while_smtp_is_down_and_emailed_when_it_is_back(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, port = smtp
    live.app.config["MAIL_PORT"] = 9  # nothing listens there: every attempt is refused
    donation = pay(live, give, kind="one_off", amount="60")
    [receipt] = receipts_of(live, donation)
    assert receipt.status == ReceiptStatus.ISSUED and receipt.emailed_at is None
    assert mailbox.messages == []

    runner = live.app.test_cli_runner()
    still_down = runner.invoke(args=["receipts", "send-pending"])
    assert still_down.exit_code == 1 and "1 still pending" in still_down.output

    live.app.config["MAIL_PORT"] = port
    back = runner.invoke(args=["receipts", "send-pending"])
    assert back.exit_code == 0 and "1 email(s) sent" in back.output
    [message] = mailbox.wait_for(1)
    assert receipt.number in message["Subject"]
    [receipt] = receipts_of(live, donation)
    assert receipt.emailed_at is not None
