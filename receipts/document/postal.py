"""Receipts sent by post: one PDF to print, each receipt behind a letter whose address shows in the window.

The address block is placed for the French window envelope DL (110 x 220 mm,
window 45 x 100 mm, 20 mm from the right edge and 15 mm from the bottom, the
NF Z 10-011 position La Poste's machines read) with an A4 sheet folded in
three: its top third, 99 mm high, may sit anywhere in the envelope's 110 mm, so
the block stays within what the window shows in every position (50 to 84 mm
from the top of the sheet, 100 to 190 mm from its left edge). The lines follow
the standard: at most six, 38 characters each, postal code and city in capitals
on the last line but the country's, the country in capitals when abroad.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from receipts.document.layout import BOLD, REGULAR, register_fonts, wrap
from receipts.document.snapshot import DonorMentions

__all__ = ["WINDOW", "PostedReceipt", "address_lines", "cover_letter", "postal_batch_pdf"]

# (left, top, right, bottom) in mm from the sheet's top-left corner: what the window always shows.
WINDOW = (100.0, 50.0, 190.0, 84.0)
ADDRESS_SIZE = 10.0
ADDRESS_LEAD = 4.6 * mm
MAX_LINE = 38


def _line(text: str) -> str:
    return " ".join(text.split())[:MAX_LINE]


def address_lines(donor: DonorMentions) -> list[str]:
    """The donor's postal address as the envelope shows it (NF Z 10-011): six lines at most, no blank one."""
    lines = []
    if donor.donor_type == "company":
        lines.append(donor.company_name)
        person = f"{donor.first_name} {donor.last_name}".strip()
        if person:
            lines.append(person)
    else:
        lines.append(f"{donor.first_name} {donor.last_name}")
    lines += [donor.address_line1, donor.address_line2]
    lines.append(f"{donor.postal_code} {donor.city}".upper())
    if donor.country != "FR":
        lines.append(donor.country_name.upper())
    kept = [_line(line) for line in lines if line and line.strip()]
    # Never drop the last lines (city, country): a sixth line too many goes from the name's extras.
    while len(kept) > 6:
        kept.pop(1)
    return kept


@dataclass(frozen=True)
class PostedReceipt:
    """One receipt to post: its number, the donor as printed, and its PDF."""

    number: str
    donor: DonorMentions
    pdf: bytes


def cover_letter(foundation_name: str, foundation_address: str, receipt: PostedReceipt) -> bytes:
    """The letter in front of a posted receipt: the foundation as sender, the donor's address in the window."""
    register_fonts()
    rl_config.useA85 = 0
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    _width, height = A4
    canvas.setFont(BOLD, 10)
    canvas.drawString(20 * mm, height - 20 * mm, foundation_name)
    canvas.setFont(REGULAR, 9)
    for index, line in enumerate(wrap(foundation_address.replace(", ", "\n"), 80 * mm, size=9)):
        canvas.drawString(20 * mm, height - 25 * mm - index * 4 * mm, line)
    left, top, _right, _bottom = WINDOW
    canvas.setFont(REGULAR, ADDRESS_SIZE)
    for index, line in enumerate(address_lines(receipt.donor)):
        canvas.drawString((left + 4) * mm, height - (top + 5) * mm - index * ADDRESS_LEAD, line)
    canvas.setFont(REGULAR, 10)
    body = [
        "Madame, Monsieur,",
        "",
        f"Veuillez trouver ci-joint votre reçu fiscal n° {receipt.number}.",
        "Nous vous remercions très sincèrement de votre soutien.",
        "",
        foundation_name,
    ]
    for index, line in enumerate(body):
        canvas.drawString(20 * mm, height - 110 * mm - index * 5.5 * mm, line)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def postal_batch_pdf(foundation_name: str, foundation_address: str, receipts: Iterable[PostedReceipt]) -> bytes:
    """One PDF to print: for each receipt, its letter, then the receipt's own pages."""
    writer = PdfWriter()
    for receipt in receipts:
        for document in (cover_letter(foundation_name, foundation_address, receipt), receipt.pdf):
            for page in PdfReader(io.BytesIO(document)).pages:
                writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
