"""The tax receipt PDF: Cerfa n° 11580 (individuals) and n° 16216 (companies).

`draw_receipt(snapshot)` draws one A4 page from the frozen snapshot alone, in
the edition the receipt was issued with (`ReceiptSnapshot.edition`): a receipt
is redrawn, after a lost file, to the very bytes whose sha256 was recorded, so
each edition's drawing is kept unchanged in its own module and new wording
only ever goes into a new edition.

- "2026-11" (`receipts.document.cerfa_2026_11`): every receipt issued before the
  editions existed.
- "2026-12" (`receipts.document.cerfa_2026_12`): the wording of Cerfa 11580*05 (2023)
  and 16216*03, with the "Comment déclarer ?" box.
- "2027-01" (`receipts.document.cerfa_2027_01`): the same page, its "Comment déclarer ?" box naming
  each return's box (2042 box 7UF, 2042-IFI box 9NC, 2069-RCI-SD), from `receipts.filing`.
"""

from __future__ import annotations

from collections.abc import Callable

from receipts.document import cerfa_2026_11, cerfa_2026_12, cerfa_2027_01
from receipts.document.layout import LayoutError
from receipts.document.snapshot import ReceiptSnapshot

__all__ = ["MAX_LISTED_PAYMENTS", "LayoutError", "draw_receipt"]

MAX_LISTED_PAYMENTS = cerfa_2026_11.MAX_LISTED_PAYMENTS

DRAWINGS: dict[str, Callable[[ReceiptSnapshot, bytes | None], bytes]] = {
    "2026-11": cerfa_2026_11.draw_receipt,
    "2026-12": cerfa_2026_12.draw_receipt,
    "2027-01": cerfa_2027_01.draw_receipt,
}


def draw_receipt(snapshot: ReceiptSnapshot, signature_png: bytes | None = None) -> bytes:
    """The one-page A4 PDF of `snapshot`, drawn by its own edition's module (same bytes every time).

    Pass `signature_png` (PNG bytes) exactly when the snapshot records a
    signature's sha256, and that very image. Raises `LayoutError` (a
    ValueError) when the mentions cannot fit one page, ValueError for a
    signature image that is missing, unexpected, another or unreadable.
    """
    return DRAWINGS[snapshot.edition](snapshot, signature_png)
