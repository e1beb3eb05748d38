"""CSV exports as French spreadsheets open them: UTF-8 with a BOM, `;` between fields, decimal commas.

Column names and coded values (`one_off`, `issued`, …) are the same in every
language: accountants script these files. The same values follow, at the end of
each row, in the staff member's language (`…_label` columns) for people to read. Rows are produced as the database
yields them, so an export of any size streams in bounded memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from donations.clock import paris_date
from donations.finance.labels import label
from donations.finance.search import DonationFilter, donations_select, receipts_select, resolved
from donations.finance.wording import reason_label
from donations.models import Donation, Donor, DonorIdentity, DonorType, Payment, PaymentStatus, Receipt, receipt_payment
from receipts.declaration import Declaration

BOM = "\ufeff"
# Rows written between two chunks sent to the client.
ROWS_PER_CHUNK = 200
BATCH = 500

DONATION_COLUMNS = (
    "donation",
    "created_on",
    "kind",
    "tax_scheme",
    "status",
    "amount",
    "received",
    "refunded",
    "donor_type",
    "first_name",
    "last_name",
    "company_name",
    "siren",
    "email",
    "postal_code",
    "city",
    "country",
    "stripe_checkout_session",
    "stripe_payment_intent",
    "stripe_subscription",
    "kind_label",
    "tax_scheme_label",
    "status_label",
    "donor_type_label",
)
RECEIPT_COLUMNS = (
    "number",
    "year",
    "issued_on",
    "status",
    "kind",
    "form",
    "article",
    "amount",
    "donor",
    "email",
    "postal_code",
    "city",
    "country",
    "replaces",
    "cancelled_on",
    "cancel_reason",
    "emailed_on",
    "specimen",
    "payments",
    "status_label",
    "kind_label",
    "cancel_reason_label",
)


def decimal_comma(cents: int | None) -> str:
    """Cents as a French spreadsheet reads a number: 1234,50 (no grouping, no currency sign)."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{euros},{rest:02d}"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value: str | None) -> str:
    """Text typed by donors or staff, made inert for spreadsheets: a leading = + - @ would start a formula."""
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _day(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    return (paris_date(value) if isinstance(value, dt.datetime) else value).isoformat()


def _donor_type(value: str) -> DonorType | str:
    try:
        return DonorType(value)
    except ValueError:
        return value


def _code(value: Any) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def stream_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The CSV file in chunks: the BOM and header first, then a chunk every few rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow(row)
        if count % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _streamed(session: Session, query: Select[Any]) -> Iterator[Any]:
    # yield_per: PostgreSQL reads through a server-side cursor, SQLite row by row; never the whole result at once.
    yield from session.execute(query.execution_options(yield_per=BATCH))


def donation_rows(session: Session, f: DonationFilter) -> Iterator[list[str]]:
    """One row per donation matching the filter, with what was received and refunded on it."""
    # Summed per exported row, on the payments' donation index: a month's export reads that month's
    # payments, not a sum over the whole history joined afterwards.
    settled = (Payment.donation_id == Donation.id, Payment.status == PaymentStatus.SUCCEEDED)
    received = select(func.sum(Payment.amount_cents)).where(*settled).correlate(Donation).scalar_subquery()
    refunded = select(func.sum(Payment.refunded_cents)).where(*settled).correlate(Donation).scalar_subquery()
    query = donations_select(
        resolved(session, f),
        Donation.public_id,
        Donation.created_at,
        Donation.kind,
        Donation.tax_scheme,
        Donation.status,
        Donation.amount_cents,
        received,
        refunded,
        Donation.identity,
        Donor.email,
        Donation.stripe_checkout_session_id,
        Donation.stripe_payment_intent_id,
        Donation.stripe_subscription_id,
    )
    for row in _streamed(session, query):
        (
            public_id,
            created_at,
            kind,
            scheme,
            status,
            amount,
            received,
            refunded,
            identity,
            email,
            session_id,
            intent_id,
            subscription_id,
        ) = row
        # The identity given with the gift: what its receipts print.
        given = DonorIdentity.from_json(identity)
        yield [
            public_id,
            _day(created_at),
            _code(kind),
            _code(scheme),
            _code(status),
            decimal_comma(amount),
            decimal_comma(received or 0),
            decimal_comma(refunded or 0),
            given.donor_type,
            inert(given.first_name),
            inert(given.last_name),
            inert(given.company_name),
            inert(given.siren),
            inert(email),
            inert(given.postal_code),
            inert(given.city),
            given.country,
            session_id or "",
            intent_id or "",
            subscription_id or "",
            label(kind),
            label(scheme),
            label(status),
            label(_donor_type(given.donor_type)),
        ]


def receipt_columns() -> tuple[Any, ...]:
    """The columns a receipt row is made of (see `receipt_row`); the query must join Donor."""
    return (
        Receipt.number,
        Receipt.year,
        Receipt.issued_at,
        Receipt.status,
        Receipt.kind,
        Receipt.form,
        Receipt.article,
        Receipt.amount_cents,
        Receipt.snapshot["donor"],
        Donor.email,
        Receipt.replaces_id,
        Receipt.cancelled_at,
        Receipt.cancel_reason,
        Receipt.emailed_at,
        Receipt.livemode,
    )


def payments_traced(session: Session, numbers: Sequence[str]) -> dict[str, str]:
    """For each receipt number, the payments it covers (art. L14 A LPF: every receipt traces back to its
    payments): date received, method, amount and Stripe ids, "|" between payments."""
    found: dict[str, list[str]] = {number: [] for number in numbers}
    rows = session.execute(
        select(
            Receipt.number,
            Payment.received_on,
            Payment.method,
            Payment.amount_cents,
            Payment.stripe_payment_intent_id,
            Payment.stripe_charge_id,
            Payment.stripe_invoice_id,
        )
        .join(receipt_payment, receipt_payment.c.receipt_id == Receipt.id)
        .join(Payment, Payment.id == receipt_payment.c.payment_id)
        .where(Receipt.number.in_(list(numbers)))
        .order_by(Receipt.number, Payment.received_on, Payment.id)
    )
    for number, received_on, method, amount, intent, charge, invoice in rows:
        ids = " ".join(i for i in (intent, charge, invoice) if i)
        found[number].append(f"{_day(received_on)} {_code(method)} {decimal_comma(amount)} {ids}".strip())
    return {number: " | ".join(lines) for number, lines in found.items()}


def receipt_row(row: Sequence[Any], replaced_number: str | None, payments: str = "") -> list[str]:
    """A receipt's CSV row from the columns of `receipt_columns()`."""
    (
        number,
        year,
        issued_at,
        status,
        kind,
        form,
        article,
        amount,
        printed,
        email,
        _replaces_id,
        cancelled_at,
        reason,
        emailed_at,
        livemode,
    ) = row
    # The donor as the receipt names them (its frozen snapshot), not as their record reads today.
    donor = (
        printed["company_name"]
        if printed["donor_type"] == "company" and printed["company_name"]
        else (f"{printed['first_name']} {printed['last_name']}".strip())
    )
    postal_code, city, country = printed["postal_code"], printed["city"], printed["country"]
    return [
        number,
        str(year),
        _day(issued_at),
        _code(status),
        _code(kind),
        _code(form),
        article,
        decimal_comma(amount),
        inert(donor),
        inert(email),
        inert(postal_code),
        inert(city),
        country,
        replaced_number or "",
        _day(cancelled_at),
        inert(reason),
        _day(emailed_at),
        "" if livemode else "yes",
        payments,
        label(status),
        label(kind),
        inert(reason_label(reason)),
    ]


def rows_of_receipts(session: Session, query: Select[Any]) -> Iterator[list[str]]:
    """Receipt rows of a query selecting `receipt_columns()` (its last column: the replaced receipt's number)."""
    batch: list[Any] = []
    for row in _streamed(session, query):
        batch.append(row)
        if len(batch) == BATCH:
            yield from _traced_rows(session, batch)
            batch = []
    yield from _traced_rows(session, batch)


def _traced_rows(session: Session, rows: list[Any]) -> Iterator[list[str]]:
    traced = payments_traced(session, [row[0] for row in rows]) if rows else {}
    for row in rows:
        yield receipt_row(row[:-1], row[-1], traced[row[0]])


def with_replaced_number(query: Select[Any]) -> Select[Any]:
    """Add the number of the receipt each one replaces (an outer self-join)."""
    replaced = aliased(Receipt)
    return query.add_columns(replaced.number).outerjoin(replaced, replaced.id == Receipt.replaces_id)


def receipt_rows(session: Session, f: DonationFilter) -> Iterator[list[str]]:
    """One row per receipt covering a payment of a donation matching the filter."""
    return rows_of_receipts(session, with_replaced_number(receipts_select(resolved(session, f), *receipt_columns())))


def declaration_rows(declaration: Declaration) -> list[list[str]]:
    """The art. 222 bis figures of a year: one row per article of the CGI, then the total."""
    rows = [
        [str(declaration.year), line.article, str(line.count), decimal_comma(line.amount_cents)]
        for line in declaration.lines
    ]
    rows.append([str(declaration.year), "total", str(declaration.count), decimal_comma(declaration.amount_cents)])
    return rows


DECLARATION_COLUMNS = ("year", "article", "receipts", "amount")
