"""Covering the fees and giving in someone's name, end to end: the form, the sandbox's checkout,
the webhooks, the receipt read back from its PDF, and the notice read from a real SMTP server."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests

from donations.giving.tributes import send_tribute_notice
from donations.models import PaymentMethod
from tests.support.checkouts import donation_of, donations_count, session_id
from tests.support.checkouts import page_text as text_of
from tests.support.checkouts import pay_checkout as pay
from tests.support.donors import INDIVIDUAL
from tests.support.live_gifts import attachment, pdf_text
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox, smtp_settings
from tests.support.pages import form_fields

NBSP = re.compile(r"[\u00a0\u202f]")


def checkout_session(live: Live, checkout_url: str) -> dict[str, Any]:
    return live.app.extensions["stripe_client"].v1.checkout.sessions.retrieve(session_id(checkout_url)).to_dict()


@pytest.fixture
def live_settings(smtp: tuple[Mailbox, int]) -> dict[str, object]:
    """The live service mails the local SMTP server (the receipt and the tribute's notice are read there)."""
    return smtp_settings(smtp)


def test_the_form_shows_the_fees_added_before_paying(live: Live) -> None:
    page = text_of(live.get("/donate?kind=one_off&amount=50&cover_fees=y").text)
    assert "Frais estimés ajoutés : 1,02 € par carte, 0,35 € par prélèvement SEPA." in page
    assert (
        "Vous donnez 51,02 € au total : 50,00 € plus 1,02 € pour les frais de paiement. Votre reçu fiscal porte 51,02 €."
        in page
    )
    landing = text_of(live.get("/").text)
    assert "1,78 € ajoutés pour les frais de paiement par carte : 101,78 € au total (estimation)." in landing


def test_a_fee_covered_card_gift_charges_the_gift_and_its_fees_and_its_receipt_states_the_whole_sum(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _port = smtp
    checkout = give(kind="one_off", amount="50", cover_fees="y", fees_method="card").headers["Location"]
    session = checkout_session(live, checkout)
    assert session["amount_total"] == 5102
    assert session["payment_method_types"] == ["card"]  # the estimate was made for a card

    pay(live, checkout)
    donation = donation_of(live, checkout)
    assert (donation.amount_cents, donation.fees_covered_cents, donation.fees_method) == (5102, 102, PaymentMethod.CARD)
    [message] = mailbox.wait_for(1)
    receipt = pdf_text(attachment(message))
    assert "***51,02 €***" in receipt
    assert "cinquante et un euros et deux centimes" in receipt


def test_sepa_fees_are_estimated_for_sepa_and_the_checkout_offers_only_sepa(
    live: Live, give: Callable[..., requests.Response]
) -> None:
    checkout = give(kind="one_off", amount="50", cover_fees="y", fees_method="sepa_debit").headers["Location"]
    session = checkout_session(live, checkout)
    assert (session["amount_total"], session["payment_method_types"]) == (5035, ["sepa_debit"])


def test_without_the_box_nothing_is_added(live: Live, give: Callable[..., requests.Response]) -> None:
    checkout = give(kind="one_off", amount="50", fees_method="sepa_debit").headers["Location"]
    session = checkout_session(live, checkout)
    assert (session["amount_total"], session["payment_method_types"]) == (5000, ["card", "sepa_debit"])
    assert donation_of(live, checkout).fees_covered_cents == 0


def test_the_tribute_notice_leaves_once_the_gift_is_paid_in_the_donors_language_without_the_amount(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _port = smtp
    live.get("/?lang=en")  # the donor reads the site in English
    checkout = give(
        kind="one_off",
        amount="80",
        tribute_kind="in_memory_of",
        tribute_name="Jeanne Dupont",
        tribute_notify_email="Famille.Dupont@example.org",
        tribute_message="With all our love,\nfrom Camille",
    ).headers["Location"]
    live.wait_for_jobs()
    assert mailbox.messages == []  # never before the gift is paid

    pay(live, checkout)
    messages = mailbox.wait_for(2)
    [notice] = [m for m in messages if m["To"] == "famille.dupont@example.org"]
    assert notice["Subject"] == "A gift in memory of Jeanne Dupont"
    body = notice.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Camille Martin has made a gift to" in body and "in memory of Jeanne Dupont" in body
    assert "With all our love,\nfrom Camille" in body
    assert "80" not in body  # the donor did not ask to show the amount
    donation = donation_of(live, checkout)
    assert donation.tribute_notified_at is not None

    with live.app.app_context():  # a second run (a repeated event, a retried job) sends nothing more
        send_tribute_notice(donation.id)
    live.wait_for_jobs()
    assert len([m for m in mailbox.messages if m["To"] == "famille.dupont@example.org"]) == 1


def test_the_notice_names_the_amount_when_the_donor_asks_and_is_in_french_by_default(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _port = smtp
    checkout = give(
        kind="one_off",
        amount="80",
        tribute_kind="in_honour_of",
        tribute_name="Paul Martin",
        tribute_notify_email="paul@example.org",
        tribute_show_amount="y",
    ).headers["Location"]
    pay(live, checkout)
    [notice] = [m for m in mailbox.wait_for(2) if m["To"] == "paul@example.org"]
    assert notice["Subject"] == "Un don en l’honneur de Paul Martin"
    body = NBSP.sub(" ", notice.get_body(("plain",)).get_content())
    assert "Camille Martin a fait un don à" in body and "Le don : 80,00 €." in body


def test_a_tribute_without_an_address_is_kept_and_no_one_is_emailed(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _port = smtp
    checkout = give(kind="one_off", amount="40", tribute_kind="in_memory_of", tribute_name="Lucie Bernard").headers[
        "Location"
    ]
    pay(live, checkout)
    assert [m["To"] for m in mailbox.wait_for(1)] == [INDIVIDUAL["email"]]
    donation = donation_of(live, checkout)
    assert (donation.tribute_kind.value, donation.tribute_name, donation.tribute_notify_email) == (
        "in_memory_of",
        "Lucie Bernard",
        None,
    )


def test_tribute_mistakes_are_refused_with_a_message_and_nothing_is_recorded(live: Live) -> None:
    cases = {
        "Veuillez saisir le nom de la personne pour qui le don est fait.": {
            "tribute_kind": "in_memory_of",
            "tribute_name": " ",
        },
        "Choisissez d’abord « en mémoire de » ou « en l’honneur de », ou laissez cette adresse vide.": {
            "tribute_notify_email": "a@example.org"
        },
        "Le message est envoyé à l’adresse ci-dessus": {
            "tribute_kind": "in_honour_of",
            "tribute_name": "Paul",
            "tribute_message": "Bravo",
        },
        "Veuillez choisir « en mémoire de », « en l’honneur de » ou « non ».": {"tribute_kind": "for_ever"},
        "Veuillez saisir une adresse e-mail valide": {
            "tribute_kind": "in_honour_of",
            "tribute_name": "Paul",
            "tribute_notify_email": "pas-une-adresse",
        },
        "500 caractères au plus.": {
            "tribute_kind": "in_honour_of",
            "tribute_name": "Paul",
            "tribute_notify_email": "p@example.org",
            "tribute_message": "x" * 501,
        },
        "Veuillez choisir la carte ou le prélèvement SEPA.": {"cover_fees": "y", "fees_method": "cheque"},
    }
    for message, fields in cases.items():
        page = live.get("/donate?kind=one_off&amount=50")
        answer = live.post(
            "/donate", data={**form_fields(page.text), "kind": "one_off", "amount": "50", **INDIVIDUAL, **fields}
        )
        assert answer.status_code == 400, fields
        assert message in html.unescape(answer.text), fields
    assert donations_count(live) == 0


def test_a_notice_held_up_by_a_mail_outage_leaves_with_send_pending(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    checkout = give(
        kind="one_off",
        amount="60",
        tribute_kind="in_memory_of",
        tribute_name="Jeanne Dupont",
        tribute_notify_email="famille@example.org",
    ).headers["Location"]
    live.app.config["MAIL_PORT"] = 9  # the relay is down while the gift is paid
    pay(live, checkout)
    assert mailbox.messages == []
    assert donation_of(live, checkout).tribute_notified_at is None  # still owed, not lost

    live.app.config["MAIL_PORT"] = port
    result = live.app.test_cli_runner().invoke(args=["receipts", "send-pending"])
    assert "2 email(s) sent, 0 still pending." in result.output, result.output
    assert sorted(m["To"] for m in mailbox.wait_for(2)) == [INDIVIDUAL["email"], "famille@example.org"]
    assert donation_of(live, checkout).tribute_notified_at is not None
