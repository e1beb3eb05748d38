"""The figures monitoring reads from the database, each one statement answered from an index.

The service is sized for 200 000 donors and 2 million stored events: every figure
here is a max() or a count() over an indexed column (stripe_event.received_at and
.outcome, receipt.emailed_at and .pdf_problem, the primary key of receipt_sequence), so a
scrape or an alert run reads a few index pages, never a table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from donations.clock import PARIS
from donations.models import (
    AnnualBatchRun,
    Donor,
    EventOutcome,
    Receipt,
    ReceiptSequence,
    ReceiptStatus,
    StripeEvent,
)

Reader = Connection | Session


def last_event_received_at(reader: Reader) -> dt.datetime | None:
    """When the newest stored webhook event was received (the end of ix_stripe_event_received_at)."""
    return reader.execute(select(func.max(StripeEvent.received_at))).scalar()


def failed_events_waiting(reader: Reader) -> int:
    """Events whose application failed and that no retry has applied yet (ix_stripe_event_outcome)."""
    counted = select(func.count()).select_from(StripeEvent).where(StripeEvent.outcome == EventOutcome.FAILED)
    return int(reader.execute(counted).scalar() or 0)


def receipts_issued_by_year(reader: Reader) -> dict[int, int]:
    """Numbers given per year: the yearly sequences (never skipped, so the count of receipts issued)."""
    rows = reader.execute(select(ReceiptSequence.year, ReceiptSequence.last_number)).all()
    return {int(year): int(last) for year, last in rows}


def receipts_emailed_since(reader: Reader, since: dt.datetime) -> int:
    """Receipts emailed from `since` on (a range of ix_receipt_emailed_at)."""
    counted = select(func.count()).select_from(Receipt).where(Receipt.emailed_at >= since)
    return int(reader.execute(counted).scalar() or 0)


def start_of_paris_year(now: dt.datetime) -> dt.datetime:
    return dt.datetime(now.astimezone(PARIS).year, 1, 1, tzinfo=PARIS)


def receipts_awaiting_email(reader: Reader, issued_before: dt.datetime | None = None) -> int:
    """Issued receipts whose email is owed and not sent (issued before `issued_before`, when given).

    The NULL end of ix_receipt_emailed_at narrows it to the receipts not emailed; a donor
    without email gets the receipt by post, so is not counted.
    """
    counted = (
        select(func.count())
        .select_from(Receipt)
        .join(Donor, Donor.id == Receipt.donor_id)
        .where(Receipt.emailed_at.is_(None), Receipt.status == ReceiptStatus.ISSUED, Donor.email != "")
    )
    if issued_before is not None:
        counted = counted.where(Receipt.issued_at < issued_before)
    return int(reader.execute(counted).scalar() or 0)


def pdfs_awaiting_redraw(reader: Reader) -> int:
    """Receipts whose PDF could not be drawn or stored, waiting for a retry (ix_receipt_pdf_problem)."""
    counted = select(func.count()).select_from(Receipt).where(Receipt.pdf_problem.is_not(None))
    return int(reader.execute(counted).scalar() or 0)


def last_annual_batch_run(session: Session) -> AnnualBatchRun | None:
    """The latest run of the January batch (ix_annual_batch_run_started_at)."""
    newest = select(AnnualBatchRun).order_by(AnnualBatchRun.started_at.desc(), AnnualBatchRun.id.desc()).limit(1)
    return session.scalars(newest).first()
