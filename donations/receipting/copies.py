"""What a person downloads for a receipt: the issued PDF, or for a cancelled receipt its stamped copy.

The stored file is never touched: a cancelled receipt's copy is stamped
"ANNULÉ" (`receipts.document.marking`) from the bytes `downloaded_pdf` returns (the
stored, hash-checked PDF) each time it is downloaded, and is itself never
stored. Finance's download, the donor's download and the ZIP of a period all
go through `receipt_copy`.
"""

from __future__ import annotations

import logging

from donations.clock import paris_date
from donations.models import Receipt, ReceiptStatus
from donations.receipting.pdfs import downloaded_pdf
from receipts.document.marking import mark_cancelled

log = logging.getLogger(__name__)


def is_marked(receipt: Receipt) -> bool:
    """Whether the receipt downloads as a stamped copy (it is cancelled)."""
    return receipt.status == ReceiptStatus.CANCELLED


def receipt_copy(receipt: Receipt) -> bytes | None:
    """The PDF to hand out for `receipt`, or None when it cannot be produced (answer `receipt_unavailable()`).

    An issued receipt is its PDF as issued. A cancelled one is that PDF
    stamped with the day it was cancelled (Paris), the reason and the
    receipt that replaces it, if any; a copy that cannot be stamped is never
    handed out unstamped.
    """
    pdf = downloaded_pdf(receipt)
    if pdf is None or not is_marked(receipt):
        return pdf
    cancelled_at = receipt.cancelled_at or receipt.issued_at  # cancelled_at is set with the status; a guard only
    replacement = receipt.replaced_by.number if receipt.replaced_by is not None else None
    try:
        return mark_cancelled(pdf, paris_date(cancelled_at), receipt.cancel_reason or "", replacement)
    except Exception:  # a PDF pypdf cannot rewrite: a 503 for this one, never an unmarked copy
        log.exception("receipt %s: its cancelled copy cannot be stamped", receipt.number)
        return None
