"""Art. 222 bis CGI: each year the foundation declares the number of receipts it
issued and the total amount they state. Cancelled receipts are left out; a
replacement counts with its own (smaller) amount.
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

    @property
    def count(self) -> int:
        return sum(line.count for line in self.lines)

    @property
    def amount_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


def declaration_for(session: Session, year: int, include_specimens: bool = True) -> Declaration:
    """The figures of the receipts issued in `year`, split by article of the CGI."""
    query = (
        select(Receipt.article, func.count(Receipt.id), func.coalesce(func.sum(Receipt.amount_cents), 0))
        .where(Receipt.year == year, Receipt.status == ReceiptStatus.ISSUED)
        .group_by(Receipt.article)
    )
    if not include_specimens:
        query = query.where(Receipt.livemode.is_(True))
    found = {article: (count, int(amount)) for article, count, amount in session.execute(query)}
    return Declaration(year, tuple(DeclarationLine(a, *found.get(a, (0, 0))) for a in ARTICLES))
