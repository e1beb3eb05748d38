"""The forms accept exactly what the receipt can print: refusals name the characters, and the
longest accepted values come back legibly on the PDF of the paid gift."""

from __future__ import annotations

import html

from donations.extensions import db
from donations.models import Receipt
from donations.receipting.pdfs import pdf_of
from receipts.document.snapshot import DonorMentions
from tests.support.donor_portal import sign_in
from tests.support.live_gifts import pay, receipts_of
from tests.support.live_service import Live
from tests.support.long_values import COMMUNE, SURNAME, assert_legible
from tests.support.pages import form_fields


def refusal(answer) -> str:  # type: ignore[no-untyped-def]
    assert answer.status_code == 400, answer.status_code
    return html.unescape(answer.text)


def test_letters_the_receipt_font_lacks_are_refused_with_a_message_naming_them(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    text = refusal(give(first_name="Ｃａｍｉｌｌｅ", last_name="Martin"))
    assert "Le reçu fiscal ne peut pas imprimer ces caractères : « Ｃ », « ａ », « ｍ », « ｉ », « ｌ », « ｅ »" in text
    assert "par exemple par des lettres latines" in text
    # Right-to-left letters would print reversed and unjoined; invisible characters print nothing.
    assert "« م »" in refusal(give(last_name="مارتن"))
    assert "U+200D" in refusal(give(city="Par\u200dis"))
    assert "« 漢 »" in refusal(give(address_line1="12 rue 漢字"))


def test_a_value_wider_than_the_receipt_can_hold_is_refused(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    text = refusal(give(last_name="‱" * 100))  # 100 characters, each nearly twice as wide as a W
    assert "Trop long pour être imprimé sur le reçu fiscal : merci de raccourcir." in text


def test_the_longest_accepted_values_are_paid_and_print_legibly_on_the_receipt(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    long_values = {
        "first_name": "W" * 100,
        "last_name": SURNAME,
        "address_line1": ("W " * 100)[:199] + "W",
        "address_line2": "M" * 200,
        "city": COMMUNE,
        "postal_code": "75013",
    }
    donation = pay(live, give, kind="one_off", amount="75", **long_values)
    [receipt] = receipts_of(live, donation)
    with live.app.app_context():
        found = db.session.get(Receipt, receipt.id)
        pdf = pdf_of(found)
        donor = DonorMentions.from_json(found.snapshot["donor"])
    assert {name: getattr(donor, name) for name in long_values} == long_values
    assert_legible(pdf, donor)


def test_the_portal_address_form_refuses_what_the_receipt_cannot_print(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    pay(live, give, kind="one_off", amount="20")
    sign_in(live, mailbox, "camille.martin@example.org")
    page = live.get("/my/address")
    fields = {
        **form_fields(page.text),
        "address_line1": "1 ｒｕｅ",
        "postal_code": "75013",
        "city": "Paris",
        "country": "FR",
    }
    assert "« ｒ », « ｕ », « ｅ »" in refusal(live.post("/my/address", data=fields))
    fine = live.post("/my/address", data={**fields, "address_line1": "1 rue de la Paix"})
    assert fine.status_code == 303
