"""`flask receipts verify-storage`: each stored receipt PDF checked against the hash recorded for it.

For a restore drill and after any trouble with RECEIPTS_DIR. Receipts are read
a page at a time (their id, number and hashes, never the snapshots) and each
file is hashed in blocks, so memory stays flat however many receipts are kept.
A missing or altered file can be drawn again from its receipt's frozen
snapshot (`repair`), which must draw exactly as recorded at issue.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.models import Receipt, ReceiptCopy
from donations.receipting.pdfs import ReceiptUnavailable, pdf_of
from receipts.storage import ReceiptStore

log = logging.getLogger(__name__)

PAGE = 1000
BLOCK = 1024 * 1024


@dataclass(frozen=True)
class StorageProblem:
    receipt_id: int
    number: str
    problem: str  # "missing", "altered" or "unreadable: …"


@dataclass
class StorageCheck:
    checked: int = 0
    matching: int = 0
    not_drawn: int = 0  # issued, PDF not drawn yet (its job is pending or failed: the dashboard shows it)
    problems: int = 0


def file_sha256(path: str) -> str:
    """The sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def verify_storage(
    session: Session,
    store: ReceiptStore,
    on_problem: Callable[[StorageProblem], None],
    year: int | None = None,
    page: int = PAGE,
) -> StorageCheck:
    """Hash every stored receipt PDF (of `year`, or all) and compare it with the hashes recorded:
    the current copy's or any earlier copy's (`receipt_copy`). Each mismatch goes to `on_problem`."""
    check = StorageCheck()
    after = 0
    while True:
        query = select(Receipt.id, Receipt.number, Receipt.pdf_sha256).where(Receipt.id > after)
        if year is not None:
            query = query.where(Receipt.year == year)
        rows = session.execute(query.order_by(Receipt.id).limit(page)).all()
        if not rows:
            return check
        after = rows[-1].id
        recorded: dict[int, set[str]] = defaultdict(set)
        for receipt_id, sha in session.execute(
            select(ReceiptCopy.receipt_id, ReceiptCopy.sha256).where(ReceiptCopy.receipt_id.in_([r.id for r in rows]))
        ):
            recorded[receipt_id].add(sha)
        session.rollback()  # end the read: a long check holds no transaction open
        for receipt_id, number, current in rows:
            if current is None:
                check.not_drawn += 1
                continue
            check.checked += 1
            try:
                found = file_sha256(str(store.path_for(number)))
            except FileNotFoundError:
                problem = "missing"
            except OSError as error:
                problem = f"unreadable: {error.strerror or error}"
            else:
                if found in recorded[receipt_id] | {current}:
                    check.matching += 1
                    continue
                problem = "altered"
            check.problems += 1
            on_problem(StorageProblem(receipt_id, number, problem))


def repair(session: Session, receipt_id: int) -> str | None:
    """Draw the receipt again from its snapshot and store it (checked against the drawing's recorded
    hash, and recorded as a new copy when signed anew); the caller commits. None when repaired, else why not."""
    receipt = session.get(Receipt, receipt_id)
    if receipt is None:
        return "no such receipt"
    try:
        pdf_of(receipt)
    except ReceiptUnavailable as error:
        return str(error)
    return receipt.pdf_problem
