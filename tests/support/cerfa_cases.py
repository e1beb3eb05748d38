"""Receipt snapshots of every kind, drawn by the Cerfa code and read back."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import re
from pathlib import Path

from PIL import Image, ImageDraw
from pypdf import PdfReader

from receipts.document.snapshot import SCHEMA_VERSION, DonorMentions, FoundationMentions, PaymentLine, ReceiptSnapshot

ROOT = Path(__file__).resolve().parents[2]


URL = "https://dons.example.org/receipts/verify/{number}?c=9c41e07b2d5fa836"


def signature_png() -> bytes:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(10, 80), (90, 15), (170, 70), (290, 25)], fill=(0, 0, 90, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SIGNATURE = signature_png()


FOUNDATION = FoundationMentions(
    name="Fondation pour la Recherche sur la Dystonie",
    address="12 rue de l'Exemple, 75013 Paris, France",
    siren="123456789",
    rna="W751234567",
    object="Soutenir la recherche médicale sur la dystonie et informer les patients",
    rup_decree_date=dt.date(2006, 9, 13),
    rup_journal_officiel_date=dt.date(2006, 9, 15),
    signatory_name="Claire Martin",
    signatory_title="Présidente",
    signature_sha256=hashlib.sha256(SIGNATURE).hexdigest(),
)


UNSIGNED = dataclasses.replace(FOUNDATION, signature_sha256="")


MARIE = DonorMentions(
    donor_type="individual",
    first_name="Marie-Hélène",
    last_name="Lefèvre",
    company_name="",
    legal_form="",
    siren="",
    address_line1="3 place de l'Église",
    address_line2="Bâtiment B",
    postal_code="69002",
    city="Lyon",
    country="FR",
    country_name="France",
)


ACME = DonorMentions(
    donor_type="company",
    first_name="",
    last_name="",
    company_name="Ateliers Œuvre & Cie",
    legal_form="SAS",
    siren="552100554",
    address_line1="8 avenue des Forges",
    address_line2="",
    postal_code="59000",
    city="Lille",
    country="FR",
    country_name="France",
)


def receipt(**changes) -> ReceiptSnapshot:
    """An individual's 150 € card gift, ticking box 200, with `changes` applied."""
    base = dict(
        schema=SCHEMA_VERSION,
        number="2026-000042",
        form="11580",
        form_version="11580*05",
        kind="per_gift",
        specimen=False,
        issued_on=dt.date(2026, 3, 12),
        foundation=FOUNDATION,
        donor=MARIE,
        amount_cents=15000,
        articles=("200",),
        form_of_gift="declaration_de_don_manuel",
        nature="numeraire",
        payment_methods=("virement_prelevement_carte",),
        paid_on=dt.date(2026, 3, 12),
        period=None,
        payments=(),
        replaces=None,
        verification_url=URL.format(number="2026-000042"),
    )
    base.update(changes)
    if "number" in changes and "verification_url" not in changes:
        base["verification_url"] = URL.format(number=changes["number"])
    return ReceiptSnapshot(**base)


MONTHLY = tuple(PaymentLine(dt.date(2026, month, 5), 1500) for month in range(1, 13))


CASES = {
    "ir_card_gift": receipt(),
    "ifi_gift": receipt(number="2026-000043", amount_cents=8_000_000, articles=("978",)),
    "company_sepa_gift": receipt(
        number="2026-000044",
        form="16216",
        form_version="16216*01",
        donor=ACME,
        amount_cents=1_000_000,
        articles=("238 bis",),
        paid_on=dt.date(2026, 2, 5),
    ),
    "annual_recap": receipt(
        number="2027-000007",
        kind="annual",
        issued_on=dt.date(2027, 1, 15),
        amount_cents=18000,
        paid_on=None,
        period=(dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        payments=MONTHLY,
    ),
    "replacement": receipt(
        number="2026-000051", issued_on=dt.date(2026, 4, 2), amount_cents=10000, replaces="2026-000042"
    ),
}


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    """The page's text, spaces normalised (money uses U+00A0 and U+202F)."""
    text = read(pdf).pages[0].extract_text()
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def is_ticked(text: str, label: str) -> bool:
    """A ticked box reads "X <label>" (the X is a text glyph inside the square)."""
    return re.search(rf"(?:^| )X {re.escape(label)}(?= |$)", text) is not None
