"""What the accounting page and the dashboard's donor counts read instead of the payments and receipts.

`finance_book_day`: the gift accounts of the books on one Paris day, a person's gifts (dons manuels) apart
from a company's (mécénat), in one Stripe mode: what the FEC's DON journal credits them (the gifts
received) and debits them (refunds and lost disputes, dated or not), as donations.finance.ledger
writes the entries. `finance_receipt_year`: what the receipts issued in a year state (the art. 222 bis
total), those of them for earlier years' gifts only, and the money kept of the year's gifts that a
receipt of the same year covers. `finance_period_donors`: how many donors have a row in
`finance_donor_period` for a month or a year. `finance_donation_status`: the donations of each kind in
each status, counted with their amounts.

Kept up to date in the flush that changes a payment, a reversal or a receipt
(donations.models.books_upkeep, donations.models.rollup_upkeep), rebuilt by `flask finance rebuild-rollups`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from donations.models.base import Base
from donations.models.donation import DonationKind, DonationStatus
from donations.models.rollup import Span
from donations.models.types import enum_column


class FinanceBookDay(Base):
    """The gift accounts' credits and debits of one Paris day, for one account, in one Stripe mode."""

    __tablename__ = "finance_book_day"

    day: Mapped[dt.date] = mapped_column(primary_key=True)
    # The mécénat account (a company's gift) rather than dons manuels (a person's).
    company: Mapped[bool] = mapped_column(primary_key=True)
    livemode: Mapped[bool] = mapped_column(primary_key=True)
    credited_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Of `reversed_cents`, the money given back on gifts received in an earlier year.
    earlier_reversed_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class FinanceReceiptYear(Base):
    """The receipts issued in a year (by their mode) and the year's gifts they cover (by the payments' mode)."""

    __tablename__ = "finance_receipt_year"

    year: Mapped[int] = mapped_column(primary_key=True)
    livemode: Mapped[bool] = mapped_column(primary_key=True)
    declared_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Of `declared_cents`, the receipts none of whose payments was received in the year or later.
    earlier_receipts_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Money kept (received less given back) of the year's succeeded payments covered by a receipt issued in the year.
    covered_kept_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class FinancePeriodDonors(Base):
    """How many donors gave in a month or a year: the rows of `finance_donor_period` for it, counted."""

    __tablename__ = "finance_period_donors"

    span: Mapped[Span] = mapped_column(enum_column(Span, 1), primary_key=True)
    starts_on: Mapped[dt.date] = mapped_column(primary_key=True)
    donors: Mapped[int] = mapped_column(default=0)


class FinanceDonationStatus(Base):
    """How many donations of a kind are in a status, and the amount they state (the dashboard's running
    monthly gifts: their count and monthly total, read from one row)."""

    __tablename__ = "finance_donation_status"

    kind: Mapped[DonationKind] = mapped_column(enum_column(DonationKind), primary_key=True)
    status: Mapped[DonationStatus] = mapped_column(enum_column(DonationStatus), primary_key=True)
    donations: Mapped[int] = mapped_column(default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger, default=0)
