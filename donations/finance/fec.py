"""The FEC (fichier des écritures comptables, art. A47 A-1 LPF) of a year, and how the books
agree with the art. 222 bis totals of the receipts issued.

Tab-separated, one line per entry line, the 18 columns in the order of the
law, dates YYYYMMDD, amounts with a decimal comma, entries numbered in date
order. UTF-8, lines ended by CRLF as the administration's test tool reads best.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.finance.ledger import JOURNALS, Chart, Entry, entries_of_year, reversals
from donations.models import Payment, PaymentStatus, Receipt, ReceiptStatus, receipt_payment
from receipts.declaration import declaration_for

COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)


def fec_amount(cents: int) -> str:
    """12345 → "123,45": the FEC's decimal comma, no thousands separator."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"


def fec_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def _clean(text: str) -> str:
    # A tab or a line break inside a field would break the file's columns.
    return " ".join(text.replace("\t", " ").split())


def fec_lines(entries: Iterable[Entry], chart: Chart) -> Iterator[str]:
    """The header, then one line per entry line, entries numbered from 1 in their order."""
    yield "\t".join(COLUMNS)
    for number, entry in enumerate(entries, start=1):
        for line in entry.lines:
            yield "\t".join(
                (
                    entry.journal,
                    JOURNALS[entry.journal],
                    str(number),
                    fec_date(entry.day),
                    line.account,
                    _clean(chart.label(line.account)),
                    "",
                    "",
                    _clean(entry.piece_ref),
                    fec_date(entry.day),
                    _clean(entry.label),
                    fec_amount(line.debit_cents),
                    fec_amount(line.credit_cents),
                    "",
                    "",
                    fec_date(entry.day),
                    "",
                    "",
                )
            )


def fec_file_name(siren: str, year: int) -> str:
    """The name the administration expects: SIREN, "FEC", the closing date."""
    return f"{''.join(ch for ch in siren if ch.isdigit()) or '000000000'}FEC{year}1231.txt"


def fec_text(session: Session, chart: Chart, year: int, include_test: bool = False) -> str:
    """The whole FEC of `year`."""
    return "\r\n".join(fec_lines(entries_of_year(session, chart, year, include_test), chart)) + "\r\n"


@dataclass(frozen=True)
class BooksAndReceipts:
    """Gifts in the books of a year against the art. 222 bis total of the receipts issued in it."""

    year: int
    revenue_cents: int  # credits to the gift accounts
    reversals_cents: int  # debits to them: refunds and lost disputes
    declared_cents: int  # the art. 222 bis total
    # Gifts of the year on no receipt of the year: monthly gifts, receipted by next January's recap.
    receipted_later_cents: int
    # Receipts issued in the year for gifts of earlier years (January's recaps, replacements).
    earlier_receipts_cents: int
    # Money given back in the year on gifts of earlier years (their receipts were of earlier years).
    earlier_reversals_cents: int

    @property
    def net_cents(self) -> int:
        return self.revenue_cents - self.reversals_cents

    @property
    def unexplained_cents(self) -> int:
        """What the timing differences above do not explain: 0 when the books and the receipts agree."""
        return (
            self.net_cents
            - self.receipted_later_cents
            + self.earlier_receipts_cents
            + self.earlier_reversals_cents
            - self.declared_cents
        )


def books_and_receipts(session: Session, chart: Chart, year: int, include_test: bool = False) -> BooksAndReceipts:
    """Compare the year's gift accounts with the receipts issued in the year, timing differences named."""
    gift_accounts = {chart.individual_gifts, chart.company_gifts}
    revenue = reversed_cents = 0
    for entry in entries_of_year(session, chart, year, include_test):
        for line in entry.lines:
            if line.account in gift_accounts:
                revenue += line.credit_cents
                reversed_cents += line.debit_cents
    declared = declaration_for(session, year, include_specimens=include_test).amount_cents
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    covered_in_year = (
        select(receipt_payment.c.payment_id)
        .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
        .where(Receipt.status == ReceiptStatus.ISSUED, Receipt.year == year)
    )
    later = select(func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0)).where(
        Payment.status == PaymentStatus.SUCCEEDED,
        Payment.received_on >= first,
        Payment.received_on <= last,
        Payment.id.not_in(covered_in_year),
    )
    of_this_year = (
        select(receipt_payment.c.receipt_id)
        .join(Payment, Payment.id == receipt_payment.c.payment_id)
        .where(Payment.received_on >= first)
    )
    earlier = select(func.coalesce(func.sum(Receipt.amount_cents), 0)).where(
        Receipt.year == year, Receipt.status == ReceiptStatus.ISSUED, Receipt.id.not_in(of_this_year)
    )
    if not include_test:
        later = later.where(Payment.livemode.is_(True))
        earlier = earlier.where(Receipt.livemode.is_(True))
    earlier_reversals = sum(
        cents
        for payment, _kind, _day, cents in reversals(session, first, last, include_test)
        if payment.received_on is not None and payment.received_on < first
    )
    return BooksAndReceipts(
        year,
        revenue,
        reversed_cents,
        declared,
        int(session.scalar(later) or 0),
        int(session.scalar(earlier) or 0),
        earlier_reversals,
    )
