"""The copy of a cancelled receipt: the issued page, set slightly smaller, under an "ANNULÉ" stamp.

A cancelled receipt stays stored exactly as issued (its bytes hash as
recorded, and a signature over them stays valid); what a person downloads is
a copy built here, never stored. The copy is an incremental update of the
issued file: the issued bytes come first, unchanged, and the update after
them shrinks the page's drawing a little, to free a band at the top for the
stamp, and runs "ANNULÉ" down both side margins, so that no mention of the
receipt is covered and the mark cannot be cut off without cutting into the
receipt. Everything is deterministic: the same PDF, date, reason and
replacement give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from reportlab import rl_config
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from receipts.document.layout import BOLD, REGULAR, register_fonts, wrap

__all__ = ["MARK", "Stamp", "mark_cancelled"]

MARK = "ANNULÉ"
RED = (0.72, 0.0, 0.0)
# The band freed at the top of the page, in points, and the margin kept around the stamp.
BAND = 78.0
GAP = 6.0
TITLE_SIZE, LINE_SIZE, LINE_LEAD = 22.0, 8.6, 10.4
SIDE_SIZE = 9.0
MAX_LINES = (
    5  # lines of text the band holds beside the title: a reason of 200 characters (the column's) and the replacement
)


@dataclass(frozen=True)
class Stamp:
    """What the stamp says: the day of cancellation (Paris), its reason, the replacement's number."""

    cancelled_on: dt.date
    reason: str
    replaced_by: str | None = None

    def lines(self, width: float) -> list[str]:
        """The stamp's lines beside its title, wrapped to `width` as the receipt wraps its mentions (a word
        wider than the line is cut); a reason too long for the band is shortened with "…"."""
        day = f"{self.cancelled_on.day:02d}/{self.cancelled_on.month:02d}/{self.cancelled_on.year:04d}"
        words = f"Reçu annulé le {day}. Motif : {' '.join(self.reason.split()) or 'non précisé'}."
        lines = list(wrap(words, width, size=LINE_SIZE))
        tail = f"Remplacé par le reçu n° {self.replaced_by}." if self.replaced_by else None
        room = MAX_LINES - (1 if tail else 0)
        if len(lines) > room:
            lines = lines[: room - 1] + [_shortened(" ".join(lines[room - 1 :]), width)]
        return lines + ([tail] if tail else [])


def _shortened(text: str, width: float) -> str:
    while text and stringWidth(text + " …", REGULAR, LINE_SIZE) > width:
        text = text[:-1]
    return text.rstrip() + " …"


def mark_cancelled(pdf: bytes, cancelled_on: dt.date, reason: str, replaced_by: str | None = None) -> bytes:
    """The downloadable copy of a cancelled receipt's one-page `pdf`, stamped "ANNULÉ".

    The stamp gives the day of cancellation and its reason, and "Remplacé par
    le reçu n° …" when `replaced_by` is given. `pdf` itself is the copy's
    first bytes, unchanged. Deterministic: depends only on the arguments.
    """
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) != 1:
        raise ValueError("a receipt is exactly one page")
    writer = PdfWriter(io.BytesIO(pdf), incremental=True)
    page = writer.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    scale = (height - BAND) / height
    # Shrunk about the bottom centre: the freed space is the band on top and two equal side strips.
    page.add_transformation(Transformation().scale(scale, scale).translate(width * (1 - scale) / 2, 0))
    page.merge_page(_stamp_page(width, height, scale, Stamp(cancelled_on, reason, replaced_by)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _stamp_page(width: float, height: float, scale: float, stamp: Stamp) -> PageObject:
    """The stamp drawn alone on a transparent page of the receipt's size (reportlab, invariant)."""
    register_fonts()
    rl_config.useA85 = 0  # as the receipts are drawn (a global reportlab reads while drawing)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setFillColorRGB(*RED)
    canvas.setStrokeColorRGB(*RED)
    side = width * (1 - scale) / 2  # the width of each freed side strip
    left, right = side + GAP, width - side - GAP
    bottom = height - BAND + GAP
    canvas.setLineWidth(2)
    canvas.rect(left, bottom, right - left, BAND - 2 * GAP, stroke=1, fill=0)
    canvas.setFont(BOLD, TITLE_SIZE)
    title_width = canvas.stringWidth(MARK, BOLD, TITLE_SIZE)
    canvas.drawString(left + 10, bottom + (BAND - 2 * GAP - TITLE_SIZE * 0.73) / 2, MARK)  # centred on its cap height
    text_left = left + 10 + title_width + 14
    canvas.setFont(REGULAR, LINE_SIZE)
    lines = stamp.lines(right - 10 - text_left)
    top = bottom + (BAND - 2 * GAP + (len(lines) - 1) * LINE_LEAD) / 2 - LINE_SIZE * 0.35
    for k, line in enumerate(lines):
        canvas.setFont(BOLD if k == len(lines) - 1 and stamp.replaced_by else REGULAR, LINE_SIZE)
        canvas.drawString(text_left, top - k * LINE_LEAD, line)
    _side_marks(canvas, side, height - BAND)
    canvas.showPage()
    canvas.save()
    return PdfReader(io.BytesIO(buffer.getvalue())).pages[0]


def _side_marks(canvas: Canvas, side: float, length: float) -> None:
    """ "ANNULÉ" again and again down both freed side strips, read bottom to top."""
    canvas.setFont(BOLD, SIDE_SIZE)
    repeated = "   ".join([MARK] * 40)
    width = canvas._pagesize[0]
    for x in (side / 2 + SIDE_SIZE * 0.35, width - side / 2 + SIDE_SIZE * 0.35):
        canvas.saveState()
        canvas.translate(x, GAP)
        canvas.rotate(90)
        text = repeated
        while canvas.stringWidth(text, BOLD, SIDE_SIZE) > length - 2 * GAP:
            text = text[: text.rstrip().rfind("   ")]
        canvas.drawString(0, 0, text)
        canvas.restoreState()
