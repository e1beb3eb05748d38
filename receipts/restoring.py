"""Receipts given back: money recorded as returned to a donor came back to the foundation.

A refund the bank could not make, or a dispute won on appeal, means the
foundation keeps a sum it had stopped counting. The receipt that stands for the
smaller sum (a replacement after a partial refund) is cancelled and replaced by
one for the sum kept now; where nothing stood any more (a full refund), the last
receipt cancelled for the refund is replaced. Numbers are never reused: every
step is a new receipt that names the one it replaces.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.models import Payment, Receipt, ReceiptKind, ReceiptStatus
from donations.models.receipt import receipt_payment
from receipts.issuing import (
    Issued,
    IssuingContext,
    _replacement_annual,
    follow_refund,
    issue_replacement,
    receipts_covering,
)

REASON = "Remboursement annulé"
# The cancellations a failed refund or a won appeal undoes.
UNDONE_REASONS = ("Remboursement", "Litige perdu")


def _cancelled_for_refund(session: Session, payment: Payment) -> list[Receipt]:
    """The receipts of the payment cancelled for a refund or a lost dispute and replaced by none."""
    query = (
        select(Receipt)
        .join(receipt_payment, receipt_payment.c.receipt_id == Receipt.id)
        .where(
            receipt_payment.c.payment_id == payment.id,
            Receipt.status == ReceiptStatus.CANCELLED,
            Receipt.cancel_reason.in_(UNDONE_REASONS),
        )
        .order_by(Receipt.id)
    )
    return [r for r in session.scalars(query) if r.replaced_by is None]


def restore_receipts(session: Session, payment: Payment, ctx: IssuingContext) -> list[Issued]:
    """Receipts for what `payment` keeps now that part of a refund came back; the new receipts issued."""
    if payment.kept_cents <= 0:
        return []
    if receipts_covering(session, payment):
        return follow_refund(session, payment, ctx, REASON)
    issued: list[Issued] = []
    for old in _cancelled_for_refund(session, payment):
        replacement = (
            issue_replacement(session, old, ctx)
            if old.kind == ReceiptKind.PER_GIFT
            else _replacement_annual(session, old, ctx)
        )
        if replacement is not None:
            issued.append(replacement)
    return issued
