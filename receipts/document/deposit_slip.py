"""The cheque deposit slip (bordereau de remise de chèques) the bank takes with the cheques.

One A4 page (more when the cheques do not fit): the foundation, the date, the
number of cheques and their total, then one line per cheque with its number,
its bank and its amount. Drawn by reportlab like the receipts, deterministically.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from donations.money import format_euros
from receipts.document.layout import BOLD, REGULAR, register_fonts

__all__ = ["Cheque", "draw_deposit_slip"]

ROWS_PER_PAGE = 40


@dataclass(frozen=True)
class Cheque:
    number: str
    bank: str
    drawer: str
    amount_cents: int


def draw_deposit_slip(
    foundation_name: str, slip_number: str, deposited_on: dt.date, cheques: Sequence[Cheque]
) -> bytes:
    """The slip's PDF: header with date, count and total, then every cheque (number, bank, drawer, amount)."""
    register_fonts()
    rl_config.useA85 = 0
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    width, height = A4
    total = sum(c.amount_cents for c in cheques)
    pages = [cheques[i : i + ROWS_PER_PAGE] for i in range(0, len(cheques), ROWS_PER_PAGE)] or [[]]
    for page_number, rows in enumerate(pages, start=1):
        canvas.setFont(BOLD, 14)
        canvas.drawString(20 * mm, height - 20 * mm, "Bordereau de remise de chèques")
        canvas.setFont(REGULAR, 10)
        canvas.drawString(20 * mm, height - 28 * mm, f"Titulaire du compte : {foundation_name}")
        canvas.drawString(20 * mm, height - 34 * mm, f"Remise n° {slip_number} du {deposited_on:%d/%m/%Y}")
        canvas.drawString(20 * mm, height - 40 * mm, f"Nombre de chèques : {len(cheques)}")
        canvas.setFont(BOLD, 10)
        canvas.drawString(20 * mm, height - 46 * mm, f"Montant total : {format_euros(total)}")
        canvas.drawRightString(width - 20 * mm, height - 20 * mm, f"Page {page_number}/{len(pages)}")
        y = height - 58 * mm
        canvas.setFont(BOLD, 9)
        for x, title in ((20, "N°"), (30, "Numéro du chèque"), (70, "Banque"), (120, "Tireur")):
            canvas.drawString(x * mm, y, title)
        canvas.drawRightString(width - 20 * mm, y, "Montant")
        canvas.line(20 * mm, y - 2 * mm, width - 20 * mm, y - 2 * mm)
        canvas.setFont(REGULAR, 9)
        first = (page_number - 1) * ROWS_PER_PAGE
        for index, cheque in enumerate(rows, start=first + 1):
            y -= 5.5 * mm
            canvas.drawString(20 * mm, y, str(index))
            canvas.drawString(30 * mm, y, cheque.number[:22])
            canvas.drawString(70 * mm, y, cheque.bank[:28])
            canvas.drawString(120 * mm, y, cheque.drawer[:30])
            canvas.drawRightString(width - 20 * mm, y, format_euros(cheque.amount_cents))
        if page_number == len(pages):
            y -= 4 * mm
            canvas.line(20 * mm, y, width - 20 * mm, y)
            y -= 5.5 * mm
            canvas.setFont(BOLD, 10)
            canvas.drawString(120 * mm, y, "Total")
            canvas.drawRightString(width - 20 * mm, y, format_euros(total))
            canvas.setFont(REGULAR, 9)
            canvas.drawString(20 * mm, 30 * mm, "Signature du remettant :")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
