"""The January batch, run by the CLI inline or spread over Celery workers by chunks.

Each chunk of donors is issued and committed on its own: a batch stopped at
any point (a crash, a killed worker) is simply run again, and issues only what
is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.platform.jobs import enqueue
from donations.receipting import batch_runs
from donations.receipting.service import ReceiptEffects, issuing_context
from receipts.annual import check_year_ended, chunks, donors_due, donors_waiting, issue_recaps

log = logging.getLogger(__name__)

CHUNK_SIZE = 500


def issue_annual_chunk(year: int, donor_ids: list[int], email: bool = True, run_id: int | None = None) -> list[int]:
    """Issue and commit the recaps of one chunk of donors, counted on the run `run_id`; queue their emails."""
    try:
        issued = issue_recaps(db.session, year, donor_ids, issuing_context())
        receipt_ids = [item.receipt.id for item in issued]  # read before the commit expires them
        if run_id is not None:
            batch_runs.count_chunk(db.session, run_id, len(receipt_ids))
        db.session.commit()
    except Exception as error:
        if run_id is not None:
            batch_runs.record_failure(db.session, run_id, error)
        raise
    if email:
        effects = ReceiptEffects(issued=list(issued))
        effects.after_commit()
    return receipt_ids


def plan(year: int) -> tuple[list[int], set[int]]:
    """The donors to issue for `year` now, and those waiting for a debit to settle.

    Refuses a year that has not ended in Paris (YearNotEnded).
    """
    check_year_ended(year, paris_date(utcnow()))
    waiting = donors_waiting(db.session, year)
    due = [donor_id for donor_id in donors_due(db.session, year) if donor_id not in waiting]
    return due, waiting


def run_inline(
    year: int, due: list[int], email: bool, progress: Callable[[Iterable[list[int]]], Iterable[list[int]]] = iter
) -> int:
    """Issue every chunk in this process, the run recorded; answers how many recaps were issued."""
    parts = chunks(due, CHUNK_SIZE)
    run_id = batch_runs.start_run(db.session, year, len(parts))
    issued = 0
    try:
        for chunk in progress(parts):
            issued += len(issue_annual_chunk(year, chunk, email, run_id))
    except BaseException as error:  # a crash, or the operator's Ctrl-C: the run did not finish
        if run_id is not None:
            batch_runs.record_failure(db.session, run_id, error)
        raise
    return issued


def queue_for_workers(year: int, due: list[int], email: bool) -> int:
    """Queue one job per chunk for the Celery workers, the run recorded; answers how many chunks."""
    parts = chunks(due, CHUNK_SIZE)
    run_id = batch_runs.start_run(db.session, year, len(parts))
    for chunk in parts:
        enqueue(issue_annual_chunk, year, chunk, email, run_id)
    return len(parts)
