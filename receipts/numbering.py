"""The yearly, gapless sequence of receipt numbers: 2026-000001, 2026-000002, …

The counter of the year is bumped by one UPDATE (an upsert for the first
receipt of a year) in the transaction that inserts the receipt. The row stays
locked until that transaction ends: concurrent issuers wait their turn, and a
transaction that rolls back gives its number back with everything else, so
numbers are never skipped, doubled or reused.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from donations.models import ReceiptSequence

NUMBER_FORMAT = "{year:04d}-{sequence:06d}"


@dataclass(frozen=True)
class ReceiptNumber:
    year: int
    sequence: int

    @property
    def text(self) -> str:
        return NUMBER_FORMAT.format(year=self.year, sequence=self.sequence)


def next_number(session: Session, year: int) -> ReceiptNumber:
    """Take the next number of `year` inside the caller's transaction."""
    return next_numbers(session, year, 1)[0]


def next_numbers(session: Session, year: int, count: int) -> list[ReceiptNumber]:
    """Take the next `count` numbers of `year` at once (the January batch issues by chunks).

    The caller must issue exactly `count` receipts in the same transaction.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    dialect = session.get_bind().dialect.name
    table = ReceiptSequence.__table__
    if dialect == "postgresql":
        insert = postgresql.insert(table)  # type: ignore[arg-type]
    elif dialect == "sqlite":
        insert = sqlite.insert(table)  # type: ignore[arg-type, assignment]
    else:  # pragma: no cover - the service runs on SQLite or PostgreSQL
        raise RuntimeError(f"no receipt numbering for the {dialect} database")
    statement = (
        insert.values(year=year, last_number=count)
        .on_conflict_do_update(index_elements=[table.c.year], set_={"last_number": table.c.last_number + count})
        .returning(table.c.last_number)
    )
    last = session.execute(statement).scalar_one()
    return [ReceiptNumber(year, sequence) for sequence in range(last - count + 1, last + 1)]
