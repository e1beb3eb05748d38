"""The thank-you page tells the truth as it changes: no refresh tag, a state its script polls,
the receipt behind a signed, expiring link once paid, "sent" once it was emailed, no email
address, and after a one-off gift the same support offered as a monthly gift."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import requests
from pypdf import PdfReader
from sqlalchemy import select

from donations.extensions import db
from donations.giving import thanks_page
from donations.models import Donation
from tests.support.donors import COMPANY
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox

NBSP = "\u00a0"


def _flat(text: str) -> str:
    return re.sub(r"[\u00a0\u202f ]+", " ", text)


def _checkout(live: Live, give: Callable[..., requests.Response], **form: str) -> tuple[str, str]:
    checkout = give(**form).headers["Location"]
    session_id = checkout.rsplit("/", 1)[-1]
    with live.app.app_context():
        public_id = db.session.scalars(
            select(Donation.public_id).where(Donation.stripe_checkout_session_id == session_id)
        ).one()
    return session_id, public_id


def test_the_page_waits_without_a_refresh_tag_then_shows_the_receipt_once_paid(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    session_id, public_id = _checkout(live, give, kind="one_off", amount="120")

    waiting = live.get(f"/donate/thanks/{public_id}")
    assert waiting.status_code == 200
    assert "http-equiv" not in waiting.text and "refresh" not in waiting.text.lower().replace("js/thanks.js", "")
    assert (
        "data-waiting" in waiting.text
        and 'aria-live="polite"' in waiting.text
        and "/static/js/thanks.js" in waiting.text
    )
    state = live.get(f"/donate/thanks/{public_id}/state").json()
    assert state["status"] == "pending" and state["waiting"] is True
    assert "Stripe n'a pas encore confirmé" in state["html"]

    live.control(f"checkout/{session_id}/pay", card="4242424242424242")
    live.settle_webhooks()
    mailbox.wait_for(1)
    live.wait_for_jobs()
    state = live.get(f"/donate/thanks/{public_id}/state").json()
    assert state["status"] == "paid" and state["waiting"] is False
    page = live.get(f"/donate/thanks/{public_id}").text
    assert "data-waiting" not in page
    assert "camille.martin@example.org" not in page and "camille.martin@example.org" not in state["html"]
    number = re.search(r"Votre reçu fiscal n° (\S+) vous a été envoyé par e-mail", _flat(page))
    assert number, "once emailed, the page says the receipt was sent"
    link = re.search(r'id="receipt-link" href="([^"]+)"', page).group(1)
    pdf = live.get(link)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert number.group(1) in _flat(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text())

    # Make it monthly: 120 € once is 10 € a month, 3,40 € after the 66 % reduction; one click opens the form.
    suggestion = _flat(re.search(r'<div class="suggestion" id="make-it-monthly">(.*?)</div>', page, re.S).group(1))
    assert "10,00 € par mois" in suggestion and "3,40 € par mois" in suggestion
    href = re.search(r'href="(/donate\?[^"]+)"', suggestion).group(1).replace("&amp;", "&")
    form = live.get(href).text
    assert 'name="amount" required type="text" value="10"' in form
    assert re.search(r'checked id="kind-1" name="kind" required type="radio" value="monthly"', form)
    assert "/my" in page  # the donor area


def test_a_receipt_link_opens_only_its_own_gift_and_only_while_it_lasts(
    live: Live, give: Callable[..., requests.Response], smtp: tuple[Mailbox, int]
) -> None:
    first_session, first = _checkout(live, give, kind="one_off", amount="60")
    second_session, second = _checkout(live, give, kind="one_off", amount="70", donor=COMPANY)
    for session_id in (first_session, second_session):
        live.control(f"checkout/{session_id}/pay", card="4242424242424242")
    live.settle_webhooks()
    link = re.search(r'id="receipt-link" href="([^"]+)"', live.get(f"/donate/thanks/{first}").text).group(1)
    token = link.rsplit("/", 1)[-1]

    assert live.get(f"/donate/thanks/{second}/receipt/{token}").status_code == 410
    assert live.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")).status_code == 410
    assert live.get(link).status_code == 200
    with live.app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == first)).one()
        secret = live.app.config["SECRET_KEY"]
        assert thanks_page.receipt_for_token(db.session, secret, donation, token, 3600) is not None
        assert thanks_page.receipt_for_token(db.session, secret, donation, token, -1) is None
    refused = live.get(f"/donate/thanks/{first}/receipt/{token}x")
    assert refused.status_code == 410 and "expiré" in refused.text

    # A company's gift: the monthly suggestion keeps the company's reduction (60 %).
    page = _flat(live.get(f"/donate/thanks/{second}").text)
    assert "6,00 € par mois" in page and "2,40 € par mois" in page and "donor_type=company" in page
