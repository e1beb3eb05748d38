"""An IFI gift above the IFI ceiling may have its excess counted for income tax: the split is
offered with both net costs, stored on the donation, and receipted twice, never the same euro twice."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from donations.extensions import db
from donations.models import Donation, Receipt, ReceiptStatus
from donations.receipting.pdfs import pdf_of
from tests.support.live_gifts import pay, pdf_text, receipts_of
from tests.support.live_service import Live


def _issued(live: Live, donation: Donation) -> list[Receipt]:
    return sorted((r for r in receipts_of(live, donation) if r.status == ReceiptStatus.ISSUED), key=lambda r: r.article)


def test_the_form_offers_the_split_with_both_net_costs_and_the_ifi_year(live: Live) -> None:
    page = html.unescape(re.sub(r"[ \t\r\n]+", " ", live.get("/donate?kind=ifi&amount=80000").text))
    assert 'name="ifi_split"' in page
    assert "66\u202f666,67\u00a0€ au titre de l'IFI, soit 16\u202f666,67\u00a0€" in page
    assert "13\u202f333,33\u00a0€ au titre de l'impôt sur le revenu, soit 4\u202f533,33\u00a0€" in page
    assert "21\u202f200,00\u00a0€ en tout au lieu de 30\u202f000,00\u00a0€" in page
    assert re.search(r"Un don fait aujourd'hui compte pour votre IFI 20\d\d, à déclarer au plus tard le ", page)
    small = html.unescape(live.get("/donate?kind=ifi&amount=1000").text)
    assert "ifi-split-figures" not in small  # nothing to split under the ceiling


def test_a_split_ifi_gift_gets_two_receipts_each_naming_the_other(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="ifi", amount="80000", ifi_split="y")
    assert (donation.amount_cents, donation.ifi_cents) == (8_000_000, 6_666_667)
    ifi, income_tax = sorted(_issued(live, donation), key=lambda r: r.article != "978")
    assert (ifi.article, ifi.amount_cents, income_tax.article, income_tax.amount_cents) == (
        "978",
        6_666_667,
        "200",
        1_333_333,
    )
    assert (ifi.snapshot["split_with"], income_tax.snapshot["split_with"]) == (income_tax.number, ifi.number)
    assert ifi.snapshot["articles"] == ["978"] and income_tax.snapshot["articles"] == ["200"]
    with live.app.app_context():
        text = re.sub(r"\s+", " ", pdf_text(pdf_of(db.session.get(Receipt, ifi.id))))  # type: ignore[arg-type]
    assert f"l'autre part fait l'objet du reçu n° {income_tax.number}" in text

    # A refund of 20 000 € takes the income-tax part first, then from the IFI part: 60 000 € stay, all under IFI.
    live.app.extensions["stripe_client"].v1.refunds.create(
        params={"payment_intent": donation.stripe_payment_intent_id, "amount": 2_000_000}
    )
    live.settle_webhooks()
    (kept,) = _issued(live, donation)
    assert (kept.article, kept.amount_cents, kept.snapshot.get("split_with")) == ("978", 6_000_000, None)
    assert kept.snapshot["replaces"] == ifi.number
    assert {r.number for r in receipts_of(live, donation) if r.status == ReceiptStatus.CANCELLED} == {
        ifi.number,
        income_tax.number,
    }


def test_an_ifi_gift_not_split_or_under_the_ceiling_gets_one_receipt(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    whole = pay(live, give, kind="ifi", amount="80000")
    small = pay(live, give, kind="ifi", amount="1000", ifi_split="y")
    assert [(r.article, r.amount_cents) for r in _issued(live, whole)] == [("978", 8_000_000)]
    assert [(r.article, r.amount_cents) for r in _issued(live, small)] == [("978", 100_000)]
    with live.app.app_context():
        assert db.session.scalars(select(Donation.ifi_cents).order_by(Donation.id)).all() == [8_000_000, 100_000]
