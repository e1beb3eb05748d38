"""Art. 222 bis CGI: each year the foundation declares the number of receipts it
issued and the total amount they state. Cancelled receipts are left out; a
replacement counts with its own (smaller) amount; SPECIMEN receipts (test
mode, no money received) are left out unless asked for, and counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.models import Receipt, ReceiptStatus

ARTICLES = ("200", "978", "238 bis")


@dataclass(frozen=True)
class DeclarationLine:
    article: str
    count: int
    amount_cents: int


@dataclass(frozen=True)
class Declaration:
    year: int
    lines: tuple[DeclarationLine, ...]
    with_specimens: bool = False
    # SPECIMEN receipts of the year left out of the lines (0 when they are included).
    specimens_left_out: int = 0

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def declaration_for(session: Session, year: int, include_specimens: bool = False) -> Declaration:
    """The figures of the receipts issued in `year`, split by article of the CGI.

    Only real receipts count (a SPECIMEN states no money received) unless
    `include_specimens`, for a rehearsal in test mode.
    """
    query = (
        select(Receipt.livemode, Receipt.article, func.count(), func.coalesce(func.sum(Receipt.amount_cents), 0))
        .where(Receipt.year == year, Receipt.status == ReceiptStatus.ISSUED)
        .group_by(Receipt.livemode, Receipt.article)
    )
    found: dict[str, tuple[int, int]] = {}
    left_out = 0
    for livemode, article, count, amount in session.execute(query):
        if not livemode and not include_specimens:
            left_out += count
            continue
        before = found.get(article, (0, 0))
        found[article] = (before[0] + count, before[1] + int(amount))
    lines = tuple(DeclarationLine(a, *found.get(a, (0, 0))) for a in ARTICLES)
    return Declaration(year, lines, with_specimens=include_specimens, specimens_left_out=left_out)
