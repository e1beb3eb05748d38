"""Beside the receipt, the donor is told what happens to their gift: a SEPA debit on its way,
a monthly gift started (with the donor area), a debit the bank refused (with a way to retry).
The mails are read back from a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlparse

import requests
from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox

IBAN_OK = "FR1420041010050500013M02606"
IBAN_REFUSED = "FR8420041010050500013M02606"


def _session_of(response: requests.Response) -> str:
    return response.headers["Location"].rsplit("/", 1)[-1]


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"[\u00a0\u202f ]+", " ", message.get_body(("plain",)).get_content())


def test_a_sepa_gift_is_announced_with_its_delay_then_its_receipt_follows(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    answer = live.control(
        f"checkout/{_session_of(give(kind='one_off', amount='120'))}/pay", iban=IBAN_OK, name="Camille Martin"
    )
    live.settle_webhooks()
    [started] = mailbox.wait_for(1)
    assert started["To"] == "camille.martin@example.org"
    assert started["Subject"].startswith("Votre don à ") and started["Subject"].endswith("est en route")
    assert started["From"].addresses[0].display_name and started["From"].addresses[0].addr_spec == "dons@example.org"
    body = _text(started)
    assert "120,00 €" in body and "prélèvement SEPA" in body and "quelques jours ouvrés" in body
    assert "reçu fiscal vous sera envoyé" in body

    live.control(f"payment_intents/{answer['payment_intent']}/settle")
    live.settle_webhooks()
    messages = mailbox.wait_for(2)
    assert [m["Subject"].split(" n°")[0] for m in messages][1] == "Votre reçu fiscal"
    live.wait_for_jobs()
    assert len(mailbox.messages) == 2, "the start notice is sent once, however many events follow"


def test_a_refused_debit_tells_the_donor_with_a_link_that_opens_the_same_gift(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    answer = live.control(
        f"checkout/{_session_of(give(kind='ifi', amount='800'))}/pay", iban=IBAN_REFUSED, name="Camille Martin"
    )
    live.settle_webhooks()
    live.control(f"payment_intents/{answer['payment_intent']}/settle")
    live.settle_webhooks()
    started, failed = mailbox.wait_for(2)
    assert "en route" in started["Subject"]
    assert failed["Subject"].startswith("Votre don à ") and "n'a pas pu être prélevé" in failed["Subject"]
    body = _text(failed)
    assert "800,00 €" in body and "rien n'a été prélevé" in body
    link = re.search(r"http://\S+/donate\?\S+", body)
    assert link, body
    retry = live.get(urlparse(link.group(0))._replace(scheme="", netloc="").geturl())
    assert retry.status_code == 200
    assert 'name="amount" required type="text" value="800"' in retry.text and re.search(
        r'checked id="kind-2" name="kind" required type="radio" value="ifi"', retry.text
    )
    with live.app.app_context():
        donation = db.session.scalars(
            select(Donation).where(Donation.stripe_payment_intent_id == answer["payment_intent"])
        ).one()
        assert donation.failure_notice_at is not None and donation.started_notice_at is not None


def test_a_new_monthly_donor_is_welcomed_with_the_link_to_the_donor_area(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    live.control(f"checkout/{_session_of(give(kind='monthly', amount='15'))}/pay", card="4242424242424242")
    live.settle_webhooks()
    [welcome] = mailbox.wait_for(1)
    assert welcome["Subject"].startswith("Bienvenue")
    body = _text(welcome)
    assert "15,00 €" in body and "janvier" in body
    assert re.search(r"http://127\.0\.0\.1:\d+/my\b", body) or "/my" in body
    live.wait_for_jobs()
    assert len(mailbox.messages) == 1


def test_a_monthly_gift_whose_first_debit_is_refused_gets_one_failure_email_not_two(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    answer = live.control(
        f"checkout/{_session_of(give(kind='monthly', amount='25'))}/pay", iban=IBAN_REFUSED, name="Camille Martin"
    )
    live.settle_webhooks()
    live.control(f"payment_intents/{answer['payment_intent']}/settle")
    live.settle_webhooks()
    mailbox.wait_for(2)
    live.wait_for_jobs()
    subjects = [str(message["Subject"]) for message in mailbox.messages]
    # The welcome, then one email saying the debit failed: the gift's failure notice and the renewal
    # email never both go for the same refused debit.
    assert len(subjects) == 2, subjects
    assert subjects[0].startswith("Bienvenue")
    assert sum("n'a pas pu être prélevé" in subject for subject in subjects) == 1, subjects
