"""The January batch, run by the CLI inline or spread over Celery workers by chunks.

Each chunk of donors is issued and committed on its own: a batch stopped at
any point (a crash, a killed worker) is simply run again, and issues only what
is missing. Once a chunk is committed its recaps are handed over, by chunks of
`delivery.DELIVERY_CHUNK`, to be drawn, stored and emailed: by the workers in
parallel when a broker is set, in this process otherwise. The recaps a stopped
run issued but did not deliver are handed over again by the next run
(`undelivered`), or sent by `flask receipts send-pending`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import or_, select

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.models import Donor, Receipt, ReceiptKind, ReceiptStatus
from donations.platform.jobs import enqueue
from donations.receipting.delivery import DELIVERY_CHUNK, deliver_receipts
from donations.receipting.service import issuing_context
from receipts.annual import check_year_ended, chunks, donors_due, donors_waiting, issue_recaps, year_bounds

log = logging.getLogger(__name__)

CHUNK_SIZE = 500


def issue_annual_chunk(year: int, donor_ids: list[int], email: bool = True) -> list[int]:
    """Issue and commit the recaps of one chunk of donors; then hand them over to be drawn and emailed."""
    issued = issue_recaps(db.session, year, donor_ids, issuing_context())
    receipt_ids = [item.receipt.id for item in issued]  # read before the commit expires them
    db.session.commit()
    if email:
        hand_over(receipt_ids)
    return receipt_ids


def hand_over(receipt_ids: list[int]) -> int:
    """Queue the drawing and emailing of these receipts by chunks (run at once without a broker); how many chunks."""
    parts = chunks(receipt_ids, DELIVERY_CHUNK)
    for part in parts:
        enqueue(deliver_receipts, part)
    return len(parts)


def plan(year: int) -> tuple[list[int], set[int]]:
    """The donors to issue for `year` now, and those waiting for a debit to settle.

    Refuses a year that has not ended in Paris (YearNotEnded).
    """
    check_year_ended(year, paris_date(utcnow()))
    waiting = donors_waiting(db.session, year)
    due = [donor_id for donor_id in donors_due(db.session, year) if donor_id not in waiting]
    return due, waiting


def undelivered(year: int) -> list[int]:
    """The issued recaps of `year` not drawn yet, or not emailed to a donor who has an address
    (what a run stopped after issuing left): the batch run again hands them over again."""
    start = year_bounds(year)[0].isoformat()
    rows = db.session.execute(
        select(Receipt.id, Receipt.snapshot)
        .join(Donor, Donor.id == Receipt.donor_id)
        .where(
            Receipt.kind == ReceiptKind.ANNUAL,
            Receipt.status == ReceiptStatus.ISSUED,
            Receipt.year > year,  # a recap of `year` is issued once it has ended
            or_(Receipt.pdf_sha256.is_(None), Receipt.emailed_at.is_(None) & (Donor.email != "")),
        )
        .order_by(Receipt.id)
    ).all()
    return [receipt_id for receipt_id, snapshot in rows if (snapshot.get("period") or [None])[0] == start]


def run_inline(
    year: int, due: list[int], email: bool, progress: Callable[[Iterable[list[int]]], Iterable[list[int]]] = iter
) -> int:
    """Issue every chunk in this process (and draw and email it, with `email`); how many recaps were issued."""
    issued = 0
    for chunk in progress(chunks(due, CHUNK_SIZE)):
        issued += len(issue_annual_chunk(year, chunk, email))
    return issued


def queue_for_workers(year: int, due: list[int], email: bool) -> int:
    """Queue one job per chunk for the Celery workers; answers how many chunks."""
    parts = chunks(due, CHUNK_SIZE)
    for chunk in parts:
        enqueue(issue_annual_chunk, year, chunk, email)
    return len(parts)
