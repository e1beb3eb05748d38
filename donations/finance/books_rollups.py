"""The accounting rollups recomputed from the payments, reversals and receipts, and the accounting page's
figures read back from them.

The page shows what the FEC's gift accounts say and how they agree with the art. 222 bis total
(donations.finance.fec.books_and_receipts reads the same figures off the whole FEC, for the file's own
check): here they come from `finance_book_day`, `finance_receipt_year` and `finance_day`, a few hundred
rows a year, however long the history. The donors counted per month and year (`finance_period_donors`)
are recounted from `finance_donor_period` after it is rebuilt.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, case, delete, exists, extract, func, insert, or_, select
from sqlalchemy.orm import Session

from donations.finance.fec import BooksAndReceipts
from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    FinanceBookDay,
    FinanceDay,
    FinanceDonationStatus,
    FinanceDonorPeriod,
    FinancePeriodDonors,
    FinanceReceiptYear,
    Payment,
    PaymentReversal,
    PaymentStatus,
    Receipt,
    ReceiptStatus,
    Span,
    TaxScheme,
    receipt_payment,
)
from donations.models.books_upkeep import (
    BOOK_COUNTERS,
    BOOK_KEY,
    YEAR_COUNTERS,
    YEAR_KEY,
    Contributions,
    payment_contributions,
)
from donations.models.rollup_upkeep import month_start, year_start


def _company() -> ColumnElement[bool]:
    """The ledger's rule (donations.models.books_upkeep.is_company_gift) in SQL."""
    return or_(Donation.tax_scheme == TaxScheme.COMPANY, Donation.identity["donor_type"].as_string() == "company")


def _insert_rows(session: Session, table: Table, key: tuple[str, ...], counters: tuple[str, ...], rows: Any) -> int:
    values = [
        {**dict(zip(key, k, strict=True)), **{c: int(row[c]) for c in counters}}
        for k, row in rows.items()
        if any(row[c] for c in counters)
    ]
    if values:
        session.execute(insert(table), values)
    return len(values)


def _book_days(session: Session, since: dt.date | None) -> dict[tuple[Any, ...], Counter[str]]:
    books: dict[tuple[Any, ...], Counter[str]] = {}
    company = _company()
    credits = (
        select(Payment.received_on, company, Payment.livemode, func.sum(Payment.amount_cents))
        .join(Donation, Donation.id == Payment.donation_id)
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on.is_not(None))
        .group_by(Payment.received_on, company, Payment.livemode)
    )
    if since:
        credits = credits.where(Payment.received_on >= since)
    for day, is_company, live, cents in session.execute(credits):
        books.setdefault((day, bool(is_company), bool(live)), Counter())["credited_cents"] += int(cents)
    earlier = extract("year", Payment.received_on) < extract("year", PaymentReversal.booked_on)
    dated = (
        select(
            PaymentReversal.booked_on,
            company,
            Payment.livemode,
            func.sum(PaymentReversal.amount_cents),
            func.sum(case((earlier, PaymentReversal.amount_cents), else_=0)),
        )
        .join(Payment, Payment.id == PaymentReversal.payment_id)
        .join(Donation, Donation.id == Payment.donation_id)
        .group_by(PaymentReversal.booked_on, company, Payment.livemode)
    )
    if since:
        dated = dated.where(PaymentReversal.booked_on >= since)
    for day, is_company, live, cents, earlier_cents in session.execute(dated):
        row = books.setdefault((day, bool(is_company), bool(live)), Counter())
        row.update(reversed_cents=int(cents), earlier_reversed_cents=int(earlier_cents or 0))
    # What remains of a refunded amount with no dated reversal for it (few): the upkeep's own rule dates it.
    recorded = (
        select(func.coalesce(func.sum(PaymentReversal.amount_cents), 0))
        .where(PaymentReversal.payment_id == Payment.id)
        .scalar_subquery()
    )
    undated = select(Payment.id).where(
        Payment.status == PaymentStatus.SUCCEEDED, Payment.refunded_cents > 0, Payment.refunded_cents > recorded
    )
    rests: Contributions = ({}, {})
    payment_contributions(session.connection(), session.scalars(undated).all(), rests, frozenset({"undated"}))
    for key, row in rests[0].items():
        if since is None or key[0] >= since:
            books.setdefault(key, Counter()).update(row)
    return books


def _receipt_years(session: Session, since: dt.date | None) -> dict[tuple[Any, ...], Counter[str]]:
    years: dict[tuple[Any, ...], Counter[str]] = {}
    later_payment = exists().where(
        receipt_payment.c.receipt_id == Receipt.id,
        Payment.id == receipt_payment.c.payment_id,
        extract("year", Payment.received_on) >= Receipt.year,
    )
    issued = (
        select(
            Receipt.year,
            Receipt.livemode,
            func.sum(Receipt.amount_cents),
            func.sum(case((~later_payment, Receipt.amount_cents), else_=0)),
        )
        .where(Receipt.status == ReceiptStatus.ISSUED)
        .group_by(Receipt.year, Receipt.livemode)
    )
    if since:
        issued = issued.where(Receipt.year >= since.year)
    for year, live, declared, earlier in session.execute(issued):
        years.setdefault((year, bool(live)), Counter()).update(
            declared_cents=int(declared or 0), earlier_receipts_cents=int(earlier or 0)
        )
    payment_year = extract("year", Payment.received_on)
    covered_in_year = exists().where(
        receipt_payment.c.payment_id == Payment.id,
        Receipt.id == receipt_payment.c.receipt_id,
        and_(Receipt.status == ReceiptStatus.ISSUED, Receipt.year == payment_year),
    )
    covered = (
        select(payment_year, Payment.livemode, func.sum(Payment.amount_cents - Payment.refunded_cents))
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.received_on.is_not(None), covered_in_year)
        .group_by(payment_year, Payment.livemode)
    )
    if since:
        covered = covered.where(Payment.received_on >= year_start(since))
    for year, live, kept in session.execute(covered):
        years.setdefault((int(year), bool(live)), Counter())["covered_kept_cents"] += int(kept or 0)
    return years


def rebuild_books(session: Session, since: dt.date | None = None) -> int:
    """Recompute the accounting rollups (all, or the days from `since` and the years from its year)."""
    day_table, year_table = cast(Table, FinanceBookDay.__table__), cast(Table, FinanceReceiptYear.__table__)
    books, years = _book_days(session, since), _receipt_years(session, since)
    session.execute(delete(day_table).where(day_table.c.day >= since) if since else delete(day_table))
    session.execute(delete(year_table).where(year_table.c.year >= since.year) if since else delete(year_table))
    rows = _insert_rows(session, day_table, BOOK_KEY, BOOK_COUNTERS, books)
    return rows + _insert_rows(session, year_table, YEAR_KEY, YEAR_COUNTERS, years)


def rebuild_period_donors(session: Session, since: dt.date | None = None) -> None:
    """Recount the donors of each month and year from `finance_donor_period` (from `since`'s month and year)."""
    table = cast(Table, FinancePeriodDonors.__table__)
    for span, first in ((Span.MONTH, month_start), (Span.YEAR, year_start)):
        start = first(since) if since else None
        wanted = [FinanceDonorPeriod.span == span] + ([FinanceDonorPeriod.starts_on >= start] if start else [])
        session.execute(
            delete(table).where(table.c.span == span.value, *([table.c.starts_on >= start] if start else []))
        )
        session.execute(
            insert(table).from_select(
                ["span", "starts_on", "donors"],
                select(FinanceDonorPeriod.span, FinanceDonorPeriod.starts_on, func.count())
                .where(*wanted)
                .group_by(FinanceDonorPeriod.span, FinanceDonorPeriod.starts_on),
            )
        )


def rebuild_donation_statuses(session: Session) -> None:
    """Recount the donations of each kind in each status, with their amounts."""
    table = cast(Table, FinanceDonationStatus.__table__)
    session.execute(delete(table))
    session.execute(
        insert(table).from_select(
            ["kind", "status", "donations", "amount_cents"],
            select(
                Donation.kind, Donation.status, func.count(), func.coalesce(func.sum(Donation.amount_cents), 0)
            ).group_by(Donation.kind, Donation.status),
        )
    )


def running_monthly(session: Session) -> tuple[int, int]:
    """How many monthly gifts run, and the amount they bring each month: one counter row."""
    row = session.execute(
        select(FinanceDonationStatus.donations, FinanceDonationStatus.amount_cents).where(
            FinanceDonationStatus.kind == DonationKind.MONTHLY, FinanceDonationStatus.status == DonationStatus.ACTIVE
        )
    ).first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def period_donors(session: Session, month: dt.date, year: dt.date) -> tuple[int, int]:
    """How many donors gave in the month starting `month` and the year starting `year`: two counter rows."""
    counted = lambda span, starts: (  # noqa: E731
        select(FinancePeriodDonors.donors)
        .where(FinancePeriodDonors.span == span, FinancePeriodDonors.starts_on == starts)
        .scalar_subquery()
    )
    month_count, year_count = session.execute(select(counted(Span.MONTH, month), counted(Span.YEAR, year))).one()
    return month_count or 0, year_count or 0


@dataclass(frozen=True)
class GiftAccount:
    """One gift account's movements in a year: what the FEC credits and debits it."""

    company: bool
    credited_cents: int
    reversed_cents: int

    @property
    def net_cents(self) -> int:
        return self.credited_cents - self.reversed_cents


def books_of_year(
    session: Session, year: int, include_test: bool = False
) -> tuple[BooksAndReceipts, tuple[GiftAccount, GiftAccount]]:
    """The year's gift accounts against the art. 222 bis total, and each account (dons manuels, mécénat)."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    modes = [True, False] if include_test else [True]
    by_account = {
        bool(company): (int(credited or 0), int(reversed_ or 0), int(earlier or 0))
        for company, credited, reversed_, earlier in session.execute(
            select(
                FinanceBookDay.company,
                func.sum(FinanceBookDay.credited_cents),
                func.sum(FinanceBookDay.reversed_cents),
                func.sum(FinanceBookDay.earlier_reversed_cents),
            )
            .where(FinanceBookDay.day >= first, FinanceBookDay.day <= last, FinanceBookDay.livemode.in_(modes))
            .group_by(FinanceBookDay.company)
        )
    }
    kept = select(func.coalesce(func.sum(FinanceDay.amount_cents - FinanceDay.refunded_cents), 0)).where(
        FinanceDay.day >= first, FinanceDay.day <= last, FinanceDay.livemode.in_(modes)
    )
    of_year = (FinanceReceiptYear.year == year, FinanceReceiptYear.livemode.in_(modes))
    receipts = [
        select(func.coalesce(func.sum(getattr(FinanceReceiptYear, c)), 0)).where(*of_year).scalar_subquery()
        for c in YEAR_COUNTERS
    ]
    kept_cents, declared, earlier_receipts, covered = session.execute(select(kept.scalar_subquery(), *receipts)).one()
    accounts = tuple(GiftAccount(company, *by_account.get(company, (0, 0, 0))[:2]) for company in (False, True))
    check = BooksAndReceipts(
        year,
        sum(a.credited_cents for a in accounts),
        sum(a.reversed_cents for a in accounts),
        int(declared),
        int(kept_cents or 0) - int(covered),
        int(earlier_receipts),
        sum(v[2] for v in by_account.values()),
    )
    return check, (accounts[0], accounts[1])
