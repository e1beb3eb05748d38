"""Issued receipts drawn, stored and emailed by chunks: the January batch's second half.

The batch issues each chunk of recaps in one transaction (numbers, snapshots)
and then hands the receipts to `deliver_receipts`, DELIVERY_CHUNK at a time:
a job of the Celery workers when a broker is set (the chunks then drawn in
parallel, one per worker), run in the batch's own process otherwise. A chunk
sends all its emails over one SMTP connection (`Mailer`), opened again when the
server drops it.

Each receipt is drawn, stored, emailed and committed on its own, its row
locked meanwhile on PostgreSQL (FOR UPDATE SKIP LOCKED), so that a chunk
delivered twice at once (a job redelivered, the batch run again) never mails a
donor twice. A receipt whose PDF or email fails stays pending (no `emailed_at`)
without holding back the others; the job then raises so that it is retried, and
`flask receipts send-pending` or the batch run again pick up what is still left.

A payment's receipt, once issued by a webhook, goes the same way by one job
of its own (`deliver_issued_receipt`): drawn, stored and emailed together.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from donations.extensions import db
from donations.models import Receipt, ReceiptStatus
from donations.platform.mail import Mailer
from donations.receipting.emails import mark_emailed, receipt_email
from donations.receipting.pdfs import pdf_or_report, store_receipt_pdf

log = logging.getLogger(__name__)

DELIVERY_CHUNK = 100


class ReceiptsPending(RuntimeError):
    """Some receipts of a chunk could not be drawn or emailed: they stay pending, the job is retried."""


def deliver_receipts(receipt_ids: list[int]) -> None:
    """Draw, store and email these receipts over one SMTP connection; raises when some stay pending."""
    delivered, pending = deliver_each(receipt_ids)
    log.info("%d receipt(s) delivered, %d pending, of a chunk of %d", delivered, pending, len(receipt_ids))
    if pending:
        raise ReceiptsPending(f"{pending} receipt(s) of {len(receipt_ids)} still pending")


def deliver_issued_receipt(receipt_id: int) -> None:
    """The job queued once a payment's receipt is issued: one job that draws, stores and emails it.

    Raises (so that it is retried) while the receipt is not drawn or emailed,
    or its PDF, drawn and recorded, could not be stored (the email leaves
    anyway; storing is tried again, as `store_receipt_pdf` does).
    """
    deliver_receipts([receipt_id])
    if db.session.scalar(select(Receipt.pdf_problem).where(Receipt.id == receipt_id)) is not None:
        store_receipt_pdf(receipt_id)  # raises ReceiptNotStored while it still cannot be stored


def deliver_each(receipt_ids: Sequence[int], mailer: Mailer | None = None) -> tuple[int, int]:
    """Deliver each receipt in turn, on `mailer` (else a connection of the chunk's own); (delivered, pending)."""
    delivered = pending = 0
    with Mailer() if mailer is None else nullcontext(mailer) as connection:
        for receipt_id in receipt_ids:
            try:
                delivered += deliver_one(receipt_id, connection)
            except Exception:
                db.session.rollback()
                log.warning("receipt %s: still to be drawn or emailed", receipt_id, exc_info=True)
                pending += 1
    return delivered, pending


def deliver_one(receipt_id: int, mailer: Mailer) -> bool:
    """Draw and store one issued receipt, then email it when its donor has an address; False when
    there was nothing to do (cancelled, done already, or being delivered by another worker)."""
    receipt = db.session.scalars(
        select(Receipt)
        .options(joinedload(Receipt.donor, innerjoin=True))
        .where(Receipt.id == receipt_id, Receipt.status == ReceiptStatus.ISSUED)
        .with_for_update(skip_locked=True, of=Receipt)
    ).first()
    if receipt is None:
        db.session.rollback()
        return False
    to_email = receipt.emailed_at is None and bool(receipt.donor.email)
    if not to_email and receipt.pdf_sha256 is not None:
        db.session.rollback()
        return False
    pdf = pdf_or_report(receipt)  # drawn, hashed and stored; ReceiptUnavailable (reported) when it cannot be
    if to_email:
        mail = receipt_email(receipt, pdf)
        try:
            mailer.send(mail)
        except Exception:
            db.session.commit()  # the PDF stays recorded; the email stays pending
            raise
        mark_emailed(receipt)
    db.session.commit()
    return True
