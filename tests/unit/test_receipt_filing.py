"""The "Comment déclarer ?" box names each return's box from `receipts.filing` (the one place the
numbers live), read back from the PDF; the editions already issued keep their bytes.

Edition "2026-12" printed "2042-RICI, case 7UF" and "2042-IFI, rubrique des dons": it stays so
for the receipts issued with it (redrawn to their recorded hash); edition "2027-01" prints the
boxes checked for the 2027 returns.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest

from receipts.document.cerfa import draw_receipt
from receipts.document.snapshot import CURRENT_EDITION, PaymentLine, ReceiptSnapshot
from receipts.filing import BY_EDITION, CURRENT
from tests.support.cerfa_cases import ACME, CASES, SIGNATURE, receipt, text_of


def issued_with(edition: str, snapshot: ReceiptSnapshot) -> ReceiptSnapshot:
    version = "16216*03" if snapshot.form == "16216" else snapshot.form_version
    return dataclasses.replace(snapshot, edition=edition, form_version=version)


def box_of(pdf: bytes) -> str:
    text = text_of(pdf)
    return text[text.index("Comment déclarer ?") : text.index("Date d'émission du reçu")]


def test_the_current_edition_prints_the_current_filing_numbers() -> None:
    assert CURRENT_EDITION in BY_EDITION and BY_EDITION[CURRENT_EDITION] == CURRENT
    # The numbers checked for the 2027 returns (receipts/filing.py says where from).
    assert (CURRENT["200"].form, CURRENT["200"].box) == ("2042", "7UF")
    assert (CURRENT["978"].form, CURRENT["978"].box) == ("2042-IFI", "9NC")
    assert (CURRENT["238 bis"].form, CURRENT["238 bis"].box) == ("2069-RCI-SD", None)


@pytest.mark.parametrize(
    ("case", "article"),
    [("ir_card_gift", "200"), ("annual_recap", "200"), ("ifi_gift", "978"), ("company_sepa_gift", "238 bis")],
)
def test_each_receipt_names_its_return_and_box_as_receipts_filing_says(case: str, article: str) -> None:
    filing = CURRENT[article]
    box = box_of(draw_receipt(issued_with(CURRENT_EDITION, CASES[case]), SIGNATURE))
    assert f"n° {filing.form}" in box and filing.box_label in box
    if filing.box:
        assert f"case {filing.box} ({filing.box_label})" in box
    assert f"au moins {filing.keep_years} ans" in box
    others = {f.box for a, f in CURRENT.items() if a != article and f.box} | {"2042-RICI"}
    assert not [other for other in others if other in box]


def test_a_receipt_of_edition_2026_12_keeps_the_wording_it_was_issued_with() -> None:
    box = box_of(draw_receipt(issued_with("2026-12", CASES["ifi_gift"]), SIGNATURE))
    assert "déclaration n° 2042-IFI, rubrique des dons" in box and "9NC" not in box
    box = box_of(draw_receipt(issued_with("2026-12", CASES["ir_card_gift"]), SIGNATURE))
    assert "déclaration complémentaire n° 2042-RICI, case 7UF" in box


# The bytes of each edition, frozen: a receipt issued with an edition is redrawn, after a lost file,
# to its recorded hash. A change here means a drawing changed: put new wording in a new edition.
FROZEN = {
    ("2026-12", "annual_recap"): "66fa302f14ecebceb12f65eb5f62d40638532b14b858db340bdb3c6e8ca5c6df",
    ("2026-12", "company_sepa_gift"): "39d4e673b78835b5c8802fdb030601d1d76f1fc06e360fca72a100e92e9e3fa2",
    ("2026-12", "ifi_gift"): "386d04615a88b371aa07a6d7f357a1526bd81f9d8823d13ceca0536341d9bc1b",
    ("2026-12", "ir_card_gift"): "786717031d47d6193bd259fecdf2e5c026e9be3f5bb8928cb7a7f5e05c8c71a7",
    ("2026-12", "replacement"): "559e8afffa049e6bbea25ce41a79eabbc218883d95781bb9cb09ab72f3c7e3b3",
    ("2027-01", "annual_recap"): "312d7af38cb87fb170f12e4cab59acb76cafc8af31d7995c2f63d76421ccc4ed",
    ("2027-01", "company_sepa_gift"): "a554ca541f333b80630ed16c7472f623df2bbc649419b7f13e58459c01e9c56b",
    ("2027-01", "ifi_gift"): "f9082faa448a51740a9f57714ef5bbbd46df4509e0eda91795edf75d86579c99",
    ("2027-01", "ir_card_gift"): "7827fd3872ec5b73901940f85129e5212a2ddc55f683464d36f5dafaab98a3a6",
    ("2027-01", "replacement"): "16fc068861d9113c9d9eb8b47c0cb5e5806f808408d16da3d4f8aa5bb9483390",
}


@pytest.mark.parametrize(("edition", "case"), sorted(FROZEN))
def test_an_editions_drawing_never_changes(edition: str, case: str) -> None:
    pdf = draw_receipt(issued_with(edition, CASES[case]), SIGNATURE)
    assert hashlib.sha256(pdf).hexdigest() == FROZEN[(edition, case)]


def test_a_company_recap_of_one_payment_says_1_versement_and_keeps_its_amount_in_figures_and_words() -> None:
    one = issued_with(
        CURRENT_EDITION,
        receipt(
            number="2027-000010",
            form="16216",
            form_version="16216*03",
            donor=ACME,
            articles=("238 bis",),
            kind="annual",
            issued_on=dt.date(2027, 1, 15),
            amount_cents=100_000,
            paid_on=None,
            period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
            payments=(PaymentLine(dt.date(2026, 6, 5), 100_000),),
        ),
    )
    text = text_of(draw_receipt(one, SIGNATURE))
    assert "du 01/01/2026 au 31/12/2026 (1 versement, date et montant ci-dessous)" in text
    assert "1 versements" not in text
    assert "***1 000,00 €*** Somme en toutes lettres : mille euros" in text
