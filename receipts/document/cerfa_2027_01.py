"""The tax receipt PDF of edition "2027-01": the page of edition "2026-12" with the return's box in
its "Comment déclarer ?" box (2042 box 7UF, 2042-IFI box 9NC, 2069-RCI-SD for companies).

Edition "2026-12" is frozen (receipts issued with it are redrawn to the byte): this edition
draws with its layout (`cerfa_2026_12.drawn_with`) and changes only the lines of that box,
written in `wording_2027_01` from `receipts.filing`. Same snapshot and same signature bytes
=> the same PDF bytes.
"""

from __future__ import annotations

from receipts.document.cerfa_2026_12 import drawn_with, gift_year
from receipts.document.snapshot import ReceiptSnapshot
from receipts.document.wording_2027_01 import HOW_TO_DECLARE

__all__ = ["draw_receipt", "how_to_declare"]


def draw_receipt(snapshot: ReceiptSnapshot, signature_png: bytes | None = None) -> bytes:
    """Draw the receipt of `snapshot` in this edition as a one-page A4 PDF and return its bytes.

    Same contract as `receipts.document.cerfa.draw_receipt`.
    """
    return drawn_with(snapshot, signature_png, how_to_declare)


def how_to_declare(s: ReceiptSnapshot) -> tuple[str, ...]:
    """The lines of the "Comment déclarer ?" box for this receipt's article."""
    return tuple(line.format(year=gift_year(s)) for line in HOW_TO_DECLARE[s.articles[0]])
