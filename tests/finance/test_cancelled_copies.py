"""A cancelled receipt says so wherever it is downloaded: finance, the donor's portal, the ZIP of a period.

The real app on the real database: receipts issued and stored as the service
does, cancelled through the back office's form, downloaded through the routes
and read back with poppler's word boxes. The stored PDF never changes.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Callable
from typing import Any

from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfWriter
from sqlalchemy import select

from donations.clock import paris_date
from donations.extensions import db
from donations.models import Receipt, ReceiptStatus
from donations.receipting.pdfs import receipt_store
from receipts.document.marking import BAND
from receipts.storage import sha256_of
from tests.support.cerfa_cases import text_of as pdf_text
from tests.support.donor_portal import signed_in
from tests.support.exports import index_of
from tests.support.factories import receipt
from tests.support.pages import confirm, text_of
from tests.support.pdf_words import page_text, pages_of, split


def stored(app: Flask, number: str) -> bytes:
    with app.app_context():
        pdf = receipt_store().load(number)
    assert pdf is not None
    return pdf


def stamp_text(pdf: bytes) -> str:
    """What the stamp's band says ("" on a receipt as issued), after checking no receipt word lies under it."""
    [page] = pages_of(pdf)
    stamp, rest = split(page)
    assert not [(s.text, r.text) for s in stamp for r in rest if s.overlaps(r, tolerance=0)]
    return page_text([w for w in stamp if w.y1 <= BAND])


def cancelled_with_replacement(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> tuple[str, str, bytes]:
    """A 120 € receipt cancelled by finance, 100 € kept: (its number, its replacement's, its stored PDF)."""
    _, number, _ = paid_gift(12000)
    issued = stored(app, number)
    confirm(finance, f"/finance/receipts/{number}/cancel", reason="Montant erroné", kept_amount="100", confirm="y")
    replacement = receipt(app, number).replaced_by
    assert replacement is not None
    return number, replacement.number, issued


def test_finance_downloads_a_cancelled_receipt_stamped_with_its_day_reason_and_replacement_and_the_stored_pdf_stays(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    number, replacement, issued = cancelled_with_replacement(app, finance, paid_gift)
    cancelled = receipt(app, number)
    answer = finance.get(f"/finance/receipts/{number}.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    copy = answer.data
    day = paris_date(cancelled.cancelled_at).strftime("%d/%m/%Y")  # type: ignore[arg-type]
    stamp = stamp_text(copy)
    assert "ANNULÉ" in stamp and f"Reçu annulé le {day}. Motif : Montant erroné." in stamp
    assert f"Remplacé par le reçu n° {replacement}." in stamp
    # Every word of the receipt as issued is still on the page, the number and amount among them.
    [page] = pages_of(copy)
    receipt_words = Counter(w.text for w in split(page)[1])
    assert receipt_words == Counter(w.text for w in pages_of(issued)[0].words)
    assert receipt_words[number] >= 1 and receipt_words["***120,00"] == 1
    # The stored file is untouched and still hashes as recorded at issue; the copy starts with it.
    assert stored(app, number) == issued and sha256_of(issued) == cancelled.pdf_sha256
    assert copy.startswith(issued) and copy == finance.get(f"/finance/receipts/{number}.pdf").data


def test_an_issued_receipt_downloads_exactly_as_stored_without_a_stamp(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    replacement_of, replacement, _ = cancelled_with_replacement(app, finance, paid_gift)
    _, plain, _ = paid_gift(5000)
    for number in (plain, replacement):
        pdf = finance.get(f"/finance/receipts/{number}.pdf").data
        assert pdf == stored(app, number)
        assert not {"ANNULÉ", "annulé"} & {w.text for w in pages_of(pdf)[0].words}
    assert "ANNULÉ" in stamp_text(finance.get(f"/finance/receipts/{replacement_of}.pdf").data)


def test_a_receipt_cancelled_without_replacement_says_so_and_names_no_replacement(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _, number, _ = paid_gift(5000)
    confirm(finance, f"/finance/receipts/{number}/cancel", reason="Don en double", confirm="y")
    stamp = stamp_text(finance.get(f"/finance/receipts/{number}.pdf").data)
    assert "Motif : Don en double." in stamp and "Remplacé" not in stamp


def test_the_zip_of_a_period_holds_the_stamped_copy_of_a_cancelled_receipt_and_its_index_says_so(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    number, replacement, issued = cancelled_with_replacement(app, finance, paid_gift)
    year = number[:4]
    archive = zipfile.ZipFile(
        io.BytesIO(finance.get(f"/finance/receipts.zip?date_from={year}-01-01&date_to={year}-12-31").data)
    )
    assert archive.read(f"{number}.pdf") == finance.get(f"/finance/receipts/{number}.pdf").data != issued
    assert f"Remplacé par le reçu n° {replacement}." in stamp_text(archive.read(f"{number}.pdf"))
    assert archive.read(f"{replacement}.pdf") == stored(app, replacement)
    assert {row["file"]: (row["status"], row["copy"]) for row in index_of(archive)} == {
        f"{number}.pdf": ("cancelled", "stamped_cancelled"),
        f"{replacement}.pdf": ("issued", "as_issued"),
    }
    assert stored(app, number) == issued


def test_the_donor_downloads_the_stamped_copy_from_the_portal_in_either_language(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    number, replacement, issued = cancelled_with_replacement(app, finance, paid_gift)
    with app.app_context():
        email = db.session.scalars(select(Receipt).where(Receipt.number == number)).one().donor.email
    donor = signed_in(app, email)
    gifts = {lang: text_of(donor.get(f"/my/gifts?lang={lang}").get_data(as_text=True)) for lang in ("fr", "en")}
    assert f"Reçu n° {number} (annulé : sa copie porte la mention « ANNULÉ »)" in gifts["fr"]
    assert f"Receipt no. {number} (cancelled: its copy is marked as cancelled)" in gifts["en"]
    answer = donor.get(f"/my/receipts/{number}.pdf")
    assert answer.status_code == 200
    assert answer.data == finance.get(f"/finance/receipts/{number}.pdf").data and answer.data.startswith(issued)
    assert f"Remplacé par le reçu n° {replacement}." in stamp_text(answer.data)
    assert donor.get(f"/my/receipts/{replacement}.pdf").data == stored(app, replacement)


def test_the_verification_page_of_a_cancelled_receipt_gives_the_day_and_the_replacement_in_both_languages(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    number, replacement, _ = cancelled_with_replacement(app, finance, paid_gift)
    cancelled = receipt(app, number)
    day = paris_date(cancelled.cancelled_at)  # type: ignore[arg-type]
    link = f"/receipts/verify/{number}?c={cancelled.verification_code}"
    french = text_of(app.test_client().get(f"{link}&lang=fr").get_data(as_text=True))
    assert f"Ce reçu a été annulé le {format_date(day, 'long', locale='fr')}." in french
    assert f"Il a été remplacé par le reçu n° {replacement}." in french
    assert "Il n'ouvre droit à aucune réduction d'impôt ; ses copies portent la mention « ANNULÉ »." in french
    english = text_of(app.test_client().get(f"{link}&lang=en").get_data(as_text=True))
    assert f"This receipt was cancelled on {format_date(day, 'long', locale='en')}." in english
    assert f"It was replaced by receipt no. {replacement}." in english
    assert "It gives no right to a tax reduction; its copies are marked “ANNULÉ”." in english
    valid = text_of(
        app.test_client()
        .get(f"/receipts/verify/{replacement}?c={receipt(app, replacement).verification_code}&lang=en")
        .get_data(as_text=True)
    )
    assert "is valid" in valid and "ANNULÉ" not in valid


def test_a_cancelled_receipt_whose_copy_cannot_be_stamped_answers_503_and_never_the_unstamped_pdf(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    _, number, _ = paid_gift(5000)
    confirm(finance, f"/finance/receipts/{number}/cancel", reason="Don en double", confirm="y")
    # A stored file of two pages, recorded as such (a receipt is one page: the stamp refuses it).
    two_pages = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_blank_page(595, 842)
    writer.write(two_pages)
    with app.app_context():
        receipt_store().save(number, two_pages.getvalue())
        db.session.scalars(select(Receipt).where(Receipt.number == number)).one().pdf_sha256 = sha256_of(
            two_pages.getvalue()
        )
        db.session.commit()
    answer = finance.get(f"/finance/receipts/{number}.pdf?lang=en")
    assert answer.status_code == 503 and answer.mimetype == "text/html"
    assert "This receipt cannot be produced at the moment." in text_of(answer.get_data(as_text=True))
    assert stored(app, number) == two_pages.getvalue()


def test_every_mention_the_rules_ask_of_a_cancelled_receipt_and_its_replacement_wherever_it_is_downloaded(
    app: Flask, finance: FlaskClient, paid_gift: Callable[..., Any]
) -> None:
    """TAX_RULES.md, "Refunds and disputes": a cancelled receipt is marked cancelled, never deleted, its
    number never reused; a partial refund's replacement has a new number, states the amount kept and is
    linked to the one it replaces. Issue #14 (5): each copy handed out (finance, the donor, the ZIP of the
    period) says "ANNULÉ" with the day and the reason, and "Remplacé par le reçu n° …"; the issued PDF
    stays stored unchanged, hashing as recorded."""
    number, replacement, issued = cancelled_with_replacement(app, finance, paid_gift)
    cancelled, new = receipt(app, number), receipt(app, replacement)
    assert cancelled.status == ReceiptStatus.CANCELLED and new.status == ReceiptStatus.ISSUED
    assert new.number != number and new.replaces is not None and new.replaces.number == number
    day = paris_date(cancelled.cancelled_at).strftime("%d/%m/%Y")  # type: ignore[arg-type]
    mentions = ["ANNULÉ", f"Reçu annulé le {day}. Motif : Montant erroné.", f"Remplacé par le reçu n° {replacement}."]
    year = number[:4]
    archive = zipfile.ZipFile(
        io.BytesIO(finance.get(f"/finance/receipts.zip?date_from={year}-01-01&date_to={year}-12-31").data)
    )
    with app.app_context():
        email = db.session.scalars(select(Receipt).where(Receipt.number == number)).one().donor.email
    copies = {
        "finance": finance.get(f"/finance/receipts/{number}.pdf").data,
        "donor": signed_in(app, email).get(f"/my/receipts/{number}.pdf").data,
        "zip": archive.read(f"{number}.pdf"),
    }
    for where, copy in copies.items():
        stamp = stamp_text(copy)
        assert [m for m in mentions if m not in stamp] == [], where
        assert copy.startswith(issued), where  # the receipt as issued, unchanged, under the stamp
        assert number in {w.text for w in split(pages_of(copy)[0])[1]}, where  # its number still printed
    # The replacement: its own number, the amount kept in figures and words, the receipt it replaces.
    text = pdf_text(stored(app, replacement))
    assert f"Ce reçu annule et remplace le reçu n° {number}" in text
    assert "***100,00 €*** Somme en toutes lettres : cent euros" in text and "ANNULÉ" not in text
    # The stored original: unchanged, its hash the one recorded at issue.
    assert stored(app, number) == issued and sha256_of(issued) == cancelled.pdf_sha256
