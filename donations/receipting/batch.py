"""The January batch, run by the CLI inline or spread over Celery workers by chunks, or by the
schedule (`run_january_batch`) every day of January.

Each chunk of donors is issued and committed on its own: a batch stopped at
any point (a crash, a killed worker) is simply run again, and issues only what
is missing. Once a chunk is committed its recaps are handed over, by chunks of
`delivery.DELIVERY_CHUNK`, to be drawn, stored and emailed: by the workers in
parallel when a broker is set, in this process otherwise. The recaps a stopped
run issued but did not deliver are handed over again by the next run
(`undelivered`), or sent by `flask receipts send-pending`.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import or_, select, text

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.models import Donor, Receipt, ReceiptKind, ReceiptStatus
from donations.platform.jobs import enqueue
from donations.receipting import batch_runs
from donations.receipting.delivery import DELIVERY_CHUNK, deliver_receipts
from donations.receipting.service import issuing_context
from receipts.annual import check_year_ended, chunks, donors_due, donors_waiting, is_recap_of_year, issue_recaps

log = logging.getLogger(__name__)

CHUNK_SIZE = 500


def issue_annual_chunk(year: int, donor_ids: list[int], email: bool = True, run_id: int | None = None) -> list[int]:
    """Issue and commit the recaps of one chunk of donors, counted on the run `run_id`; then hand them
    over to be drawn and emailed."""
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
        hand_over(receipt_ids)
    return receipt_ids


def hand_over(receipt_ids: list[int]) -> int:
    """Queue the drawing and emailing of these receipts by chunks (run at once without a broker); how many chunks."""
    parts = chunks(receipt_ids, DELIVERY_CHUNK)
    for part in parts:
        enqueue(deliver_receipts, part)
    return len(parts)


def refresh_statistics() -> None:
    """On PostgreSQL, ANALYZE the tables the batch reads before it plans (a second or two at a million
    payments): a batch run right after a bulk import, or before autovacuum has caught up with the year,
    would otherwise be planned on the statistics of near-empty tables, and a join planned on them
    compares every payment of the year with every gift. On its own connection, so that no lock
    outlives it; a table the database user does not own is skipped with a warning, not an error."""
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE payment, donation, donor, receipt, receipt_payment"))


def plan(year: int) -> tuple[list[int], set[int]]:
    """The donors to issue for `year` now, and those waiting for a debit to settle.

    Refuses a year that has not ended in Paris (YearNotEnded).
    """
    check_year_ended(year, paris_date(utcnow()))
    refresh_statistics()
    waiting = donors_waiting(db.session, year)
    due = [donor_id for donor_id in donors_due(db.session, year) if donor_id not in waiting]
    return due, waiting


def undelivered(year: int) -> list[int]:
    """The issued recaps of `year` not drawn yet, or not emailed to a donor who has an address
    (what a run stopped after issuing left): the batch run again hands them over again."""
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
    return [receipt_id for receipt_id, snapshot in rows if is_recap_of_year(snapshot, year)]


def run_inline(
    year: int, due: list[int], email: bool, progress: Callable[[Iterable[list[int]]], Iterable[list[int]]] = iter
) -> int:
    """Issue every chunk in this process (and draw and email it, with `email`), the run recorded;
    how many recaps were issued."""
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


class NotJanuary(ValueError):
    """The scheduled batch runs in January only (Paris time): it recaps the year just ended."""


@dataclass(frozen=True)
class JanuaryRun:
    """What a scheduled January run did: `skipped` says why it did nothing, else the recaps issued."""

    year: int
    issued: int = 0
    waiting: int = 0
    skipped: str = ""


# PostgreSQL advisory locks are keyed by a number: this one, plus the year.
_ADVISORY_KEY = 0x414E4E55414C0000  # "ANNUAL"


@contextmanager
def exclusive_run(year: int) -> Iterator[bool]:
    """Hold the right to run the batch of `year` across processes; yields False when another holds it.

    PostgreSQL: a session advisory lock on a connection of its own (released
    when the run ends or its process dies). SQLite (one machine): an flock on
    a file beside the database.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": _ADVISORY_KEY + year}))
            conn.commit()  # a session lock outlives the transaction; no transaction stays open for the run
            try:
                yield held
            finally:
                if held:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY + year})
                    conn.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield True
        return
    with open(f"{database}.annual-{year}.lock", "a") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def run_january_batch(email: bool = True) -> JanuaryRun:
    """The scheduled January batch: the recaps of the year just ended, issued here chunk by chunk.

    Runs every day of January and is idempotent: outside January it refuses
    (NotJanuary); while another run holds the year it does nothing; once
    every donor has a recap it finds nothing due. The same functions as
    `flask receipts annual` (`plan`, then `run_inline`), so the year is
    refused unless ended in Paris, and no donor ever gets a second recap.
    """
    today = paris_date(utcnow())
    if today.month != 1:
        raise NotJanuary(f"the January batch runs in January (today is {today.isoformat()} in Paris)")
    year = today.year - 1
    with exclusive_run(year) as held:
        if not held:
            return JanuaryRun(year, skipped="another run of this year is in progress")
        due, waiting = plan(year)
        if not due:
            return JanuaryRun(year, waiting=len(waiting), skipped="every donor due has a recap")
        return JanuaryRun(year, issued=run_inline(year, due, email), waiting=len(waiting))
