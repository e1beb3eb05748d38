"""Receipts issued through the service take the current edition of the forms; a receipt stored before
editions existed is still redrawn, after a lost file, exactly as it was issued."""

from __future__ import annotations

import hashlib
from pathlib import Path

from donations.extensions import db
from donations.models import Receipt
from donations.receipting.pdfs import pdf_of, receipt_store
from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import CURRENT_EDITION, DonorMentions, ReceiptSnapshot
from tests.support.donors import COMPANY
from tests.support.live_gifts import pay, pdf_text, receipts_of
from tests.support.live_service import Live
from tests.support.long_values import ADDRESS_1, COMPANY_NAME, assert_legible, assert_whole_in_field

INDIVIDUAL_TITLE = (
    "Reçu des dons et versements effectués par les particuliers au titre des articles 200 et 978 du "
    "code général des impôts"
)


def test_a_new_receipt_is_stored_with_the_current_edition_and_its_wording(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    [receipt] = receipts_of(live, pay(live, give, kind="one_off", amount="150"))
    assert receipt.snapshot["edition"] == CURRENT_EDITION
    with live.app.app_context():
        text = pdf_text(pdf_of(db.session.get(Receipt, receipt.id)))
    assert " ".join(text.split()).count(INDIVIDUAL_TITLE) == 1
    assert "n° 2042," in text and "7UF" in text and "Comment déclarer ?" in text and "2042-RICI" not in text


def test_a_new_company_receipt_prints_cerfa_16216_03_by_default(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    [receipt] = receipts_of(live, pay(live, give, kind="one_off", amount="10000", donor=COMPANY))
    assert receipt.snapshot["form_version"] == live.app.config["CERFA_COMPANY_VERSION"]
    with live.app.app_context():
        text = " ".join(pdf_text(pdf_of(db.session.get(Receipt, receipt.id))).split())
    assert f"Cerfa n° {receipt.snapshot['form_version']}" in text and "2069-RCI-SD" in text
    assert "des versements pour une valeur totale égale à" in text and "néant" in text


def test_a_receipt_of_the_first_edition_is_redrawn_to_its_recorded_hash(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    [receipt] = receipts_of(live, pay(live, give, kind="one_off", amount="42"))
    with live.app.app_context():
        # As a receipt issued before editions existed was stored: no "edition", drawn by the first edition.
        row = db.session.get(Receipt, receipt.id)
        stored = {k: v for k, v in row.snapshot.items() if k != "edition"}
        image = live.app.config.get("FOUNDATION_SIGNATURE_IMAGE")
        signature = Path(image).read_bytes() if image else None
        first = draw_receipt(ReceiptSnapshot.from_json(stored), signature)
        path = receipt_store().path_for(row.number)
        path.write_bytes(first)
        # ... and before signing: no drawing hash of its own, its stored file's hash is the drawing's.
        row.snapshot, row.pdf_sha256, row.drawing_sha256 = stored, hashlib.sha256(first).hexdigest(), None
        db.session.commit()
        path.unlink()  # the file is lost: it is drawn again from the snapshot, in its own edition
        again = pdf_of(db.session.get(Receipt, receipt.id))
    assert again == first
    assert "Reçu au titre des dons à certains organismes d'intérêt général" in pdf_text(again)


def test_a_receipt_of_the_current_edition_prints_long_real_names_whole_in_their_fields(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    """The stored file (current edition, signed) read back: one page, no overlap, each name inside its field."""
    donor = {
        **COMPANY,
        "company_name": COMPANY_NAME,
        "address_line1": ADDRESS_1,
        "postal_code": "91700",
        "city": "Sainte-Geneviève-des-Bois",
    }
    [receipt] = receipts_of(live, pay(live, give, kind="one_off", amount="10000", donor=donor))
    assert receipt.snapshot["edition"] == CURRENT_EDITION
    with live.app.app_context():
        pdf = pdf_of(db.session.get(Receipt, receipt.id))
    printed = DonorMentions.from_json(receipt.snapshot["donor"])
    page = assert_legible(pdf, printed)
    assert_whole_in_field(page, printed, "Commune", "Sainte-Geneviève-des-Bois")
    assert_whole_in_field(page, printed, "Dénomination", COMPANY_NAME)
    assert_whole_in_field(page, printed, "Adresse", ADDRESS_1)
