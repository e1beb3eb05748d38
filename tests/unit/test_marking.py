"""The stamped copy of a cancelled receipt, read back with poppler's word boxes.

The copy must say "ANNULÉ" with the day, the reason and the replacement, keep
every word of the issued receipt readable (none covered by the stamp), and
leave the issued bytes untouched at its start.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from pypdf import PdfReader, PdfWriter

from receipts.document.cerfa import draw_receipt
from receipts.document.marking import BAND, mark_cancelled
from receipts.document.snapshot import EDITIONS
from tests.support.cerfa_cases import CASES, SIGNATURE
from tests.support.long_values import ADDRESS_1, COMMUNE, SURNAME, assert_no_overlap, mentions, snapshot_for
from tests.support.pdf_words import Word, page_text, pages_of, split

CANCELLED_ON = dt.date(2026, 5, 7)
LONG_REASON = (
    "Remboursement intégral demandé par la donatrice après un double prélèvement constaté sur son relevé "
    "bancaire du mois de mars, confirmé par la banque et par le service comptable de la fondation ce jour"
)


def issued(case: str = "ir_card_gift", edition: str | None = None) -> bytes:
    snapshot = CASES[case] if edition is None else dataclasses.replace(CASES[case], edition=edition)
    return draw_receipt(snapshot, SIGNATURE)


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_stamp_covers_no_word_of_the_receipt_and_every_word_of_it_is_still_there(case: str, edition: str) -> None:
    original = pages_of(issued(case, edition))
    [page] = pages_of(mark_cancelled(issued(case, edition), CANCELLED_ON, LONG_REASON, "2026-000099"))
    stamp, receipt = split(page)
    assert Counter(w.text for w in receipt) == Counter(w.text for w in original[0].words)
    assert not [(s.text, r.text) for s in stamp for r in receipt if s.overlaps(r, tolerance=0)]
    for word in page.words:
        assert 0 <= word.x0 < word.x1 <= page.width and 0 <= word.y0 < word.y1 <= page.height, word
    number = CASES[case].number
    assert any(w.text == number for w in receipt)  # the number and the amount are the receipt's words, uncovered
    assert any(w.text.startswith("***") for w in receipt)


def test_the_stamp_says_annule_with_the_day_the_reason_and_the_replacement() -> None:
    [page] = pages_of(mark_cancelled(issued(), CANCELLED_ON, "Remboursement", "2026-000099"))
    stamp, _ = split(page)
    top = page_text([w for w in stamp if w.y1 <= BAND])
    [title] = [w for w in stamp if w.y1 <= BAND and w.text == "ANNULÉ"]
    assert title.y1 - title.y0 > 20  # in large type, beside the lines that say why
    assert "Reçu annulé le 07/05/2026. Motif : Remboursement." in top
    assert "Remplacé par le reçu n° 2026-000099." in top
    side = [w for w in stamp if w.y1 > BAND]
    assert len(side) > 20 and {w.text for w in side} == {"ANNULÉ"}  # down both margins
    assert {w.x0 < page.width / 2 for w in side} == {True, False}


def test_a_reason_of_200_characters_prints_in_full_and_a_longer_one_is_shortened_inside_the_band() -> None:
    assert len(LONG_REASON) == 200  # the longest reason a receipt stores
    [page] = pages_of(mark_cancelled(issued(), CANCELLED_ON, LONG_REASON, "2026-000099"))
    top = page_text([w for w in split(page)[0] if w.y1 <= BAND])
    assert f"Motif : {LONG_REASON}." in top and "Remplacé par le reçu n° 2026-000099." in top
    [page] = pages_of(mark_cancelled(issued(), CANCELLED_ON, LONG_REASON * 3))
    stamp = [w for w in split(page)[0] if w.y1 <= BAND]
    lines = [w for w in stamp if w.text != "ANNULÉ"]
    assert "Remplacé" not in page_text(stamp) and max(lines, key=lambda w: (w.y0, w.x0)).text == "…"  # the last word
    assert all(w.y1 <= BAND - 6 for w in stamp)  # inside its frame


def test_a_reason_without_spaces_is_cut_to_stay_inside_the_frame() -> None:
    [page] = pages_of(mark_cancelled(issued(), CANCELLED_ON, "Remboursement" * 15, "2026-000099"))
    side = page.width * BAND / page.height / 2
    stamp = [w for w in split(page)[0] if w.y1 <= BAND]
    assert all(side + 6 < w.x0 and w.x1 < page.width - side - 6 for w in stamp)
    assert "Remplacé par le reçu n° 2026-000099." in page_text(stamp)


def test_the_copy_begins_with_the_issued_bytes_and_is_the_same_each_time() -> None:
    pdf = issued()
    copy = mark_cancelled(pdf, CANCELLED_ON, "Litige perdu", "2026-000099")
    assert copy.startswith(pdf) and len(copy) > len(pdf)
    assert copy == mark_cancelled(pdf, CANCELLED_ON, "Litige perdu", "2026-000099")
    assert copy != mark_cancelled(pdf, CANCELLED_ON + dt.timedelta(days=1), "Litige perdu", "2026-000099")
    reader = PdfReader(io.BytesIO(copy))
    assert len(reader.pages) == 1 and "ANNULÉ" in reader.pages[0].extract_text()


def test_a_file_that_is_not_one_page_is_refused() -> None:
    two_pages = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.add_blank_page(100, 100)
    writer.write(two_pages)
    with pytest.raises(ValueError, match="one page"):
        mark_cancelled(two_pages.getvalue(), CANCELLED_ON, "Erreur")


def _self_signed(tmp_path):  # type: ignore[no-untyped-def]
    """A throwaway key and certificate (PEM files) to sign a receipt with."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fondation (test)")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def test_the_copy_of_a_signed_receipt_keeps_its_signature_valid_over_the_issued_revision(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The stored receipts are signed (PAdES): the stamp is a later revision, so poppler still finds the
    signature of the issued bytes valid, and says the stamp came after it."""
    signers = pytest.importorskip("pyhanko.sign.signers")
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    if shutil.which("pdfsig") is None:
        pytest.skip("poppler's pdfsig is not installed (apt-get install poppler-utils)")
    key_file, cert_file = _self_signed(tmp_path)
    signer = signers.SimpleSigner.load(str(key_file), str(cert_file))

    def sign() -> bytes:
        return signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(issued())),
            signers.PdfSignatureMetadata(field_name="Signature"),
            signer=signer,
        ).getvalue()

    # pyHanko's sign_pdf runs its own asyncio loop: in a thread of its own, whatever loop an earlier test left running.
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed = pool.submit(sign).result(timeout=60)
    copy = mark_cancelled(signed, CANCELLED_ON, "Remboursement", "2026-000099")
    assert copy.startswith(signed)
    (tmp_path / "copy.pdf").write_bytes(copy)
    report = subprocess.run(["pdfsig", str(tmp_path / "copy.pdf")], capture_output=True, text=True, timeout=60).stdout
    assert "Signature is Valid." in report and "Not total document signed" in report
    assert "Remplacé par le reçu n° 2026-000099." in page_text(split(pages_of(copy)[0])[0])


# What "legible" means for the stamp: read back word for word by an independent reader (poppler), in order;
# "ANNULÉ" in type of at least 20 points beside the lines that say why, these and the marks down the margins
# in at least 8 points; no word of the stamp over another of its words; and the stamped receipt itself still
# read whole, no word of it under the stamp nor set smaller than 5 points once shrunk to make room.
TITLE_POINTS, LINE_POINTS, RECEIPT_POINTS = 20.0, 8.0, 5.0


def _assert_stamp_legible(page, reason: str, replaced_by: str) -> tuple[list[Word], list[Word]]:  # type: ignore[no-untyped-def]
    stamp, receipt = split(page)
    band = [w for w in stamp if w.y1 <= BAND]
    title = [w for w in band if w.text == "ANNULÉ"]
    assert len(title) == 1 and title[0].y1 - title[0].y0 >= TITLE_POINTS, title
    assert all(w.y1 - w.y0 >= LINE_POINTS for w in stamp), min(stamp, key=lambda w: w.y1 - w.y0)
    said = page_text(sorted((w for w in band if w not in title), key=lambda w: (round(w.y0), w.x0)))
    assert said == f"Reçu annulé le {CANCELLED_ON:%d/%m/%Y}. Motif : {reason}. Remplacé par le reçu n° {replaced_by}."
    assert_no_overlap(stamp)
    assert not [(s.text, r.text) for s in stamp for r in receipt if s.overlaps(r, tolerance=0)]
    small = [w for w in receipt if w.y1 - w.y0 < RECEIPT_POINTS]
    assert not small, small[:3]
    return stamp, receipt


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("case", ["annual_recap", "company_sepa_gift", "replacement"])
def test_the_stamp_is_legible_and_hides_none_of_what_the_receipt_must_show_in_every_edition(
    case: str, edition: str
) -> None:
    snapshot = CASES[case]
    [page] = pages_of(mark_cancelled(issued(case, edition), CANCELLED_ON, "Remboursement partiel", "2026-000099"))
    _stamp, receipt = _assert_stamp_legible(page, "Remboursement partiel", "2026-000099")
    words = [w.text for w in receipt]
    # The number, the amount, the donor, the date or period: the receipt's words, none under the stamp.
    assert snapshot.number in words and any(w.startswith("***") for w in words)
    assert (snapshot.donor.company_name or snapshot.donor.last_name).split()[0] in words
    day = snapshot.period[1] if snapshot.period else snapshot.paid_on
    assert f"{day:%d/%m/%Y}" in words


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_stamped_receipt_of_long_real_names_keeps_each_name_whole_and_uncovered(edition: str) -> None:
    donor = mentions(last_name=SURNAME, address_line1=ADDRESS_1, city=COMMUNE, postal_code="91700")
    pdf = draw_receipt(snapshot_for(donor, 12, edition), SIGNATURE)
    [page] = pages_of(mark_cancelled(pdf, CANCELLED_ON, LONG_REASON, "2026-000099"))
    [original] = pages_of(pdf)
    _stamp, receipt = _assert_stamp_legible(page, LONG_REASON, "2026-000099")
    assert Counter(w.text for w in receipt) == Counter(w.text for w in original.words)
    assert {SURNAME, COMMUNE} <= {w.text for w in receipt}
    other = mentions(city="Sainte-Geneviève-des-Bois", postal_code="91700")
    [page] = pages_of(
        mark_cancelled(draw_receipt(snapshot_for(other, 0, edition), SIGNATURE), CANCELLED_ON, "Erreur", "2026-000100")
    )
    _stamp, receipt = _assert_stamp_legible(page, "Erreur", "2026-000100")
    assert "Sainte-Geneviève-des-Bois" in [w.text for w in receipt]
