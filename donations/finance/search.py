"""Finding donations: the filters and search of the back office's list, shared by its CSV exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, Text, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from donations.clock import PARIS
from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    Donor,
    Payment,
    Receipt,
    TaxScheme,
    receipt_payment,
)

# The only columns a list may be sorted by (the query string names them; nothing else reaches SQL).
SORTS: dict[str, Any] = {
    "created": Donation.created_at,
    "amount": Donation.amount_cents,
    "status": Donation.status,
    "kind": Donation.kind,
    "donor": Donor.last_name,
}
PER_PAGE = 50


@dataclass(frozen=True)
class DonationFilter:
    """What finance asked for; every field optional. Dates are Paris calendar days, both included."""

    q: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    kind: DonationKind | None = None
    status: DonationStatus | None = None
    scheme: TaxScheme | None = None
    amount_min_cents: int | None = None
    amount_max_cents: int | None = None
    sort: str = "created"
    descending: bool = True


def paris_midnight(day: dt.date) -> dt.datetime:
    """The instant a Paris calendar day begins, in UTC (times are stored in UTC)."""
    return dt.datetime.combine(day, dt.time(0), PARIS).astimezone(dt.timezone.utc)


def _search_terms(q: str) -> ColumnElement[bool]:
    """A donor's name or email contains every word; or an identifier matches exactly."""
    exact = q.strip()
    by_payment = select(Payment.donation_id).where(
        or_(Payment.stripe_payment_intent_id == exact, Payment.stripe_charge_id == exact, Payment.stripe_invoice_id == exact)
    )
    by_receipt = (
        select(Payment.donation_id)
        .join(receipt_payment, receipt_payment.c.payment_id == Payment.id)
        .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
        .where(Receipt.number == exact)
    )
    identifiers = or_(
        Donation.public_id == exact,
        Donation.stripe_checkout_session_id == exact,
        Donation.stripe_payment_intent_id == exact,
        Donation.stripe_subscription_id == exact,
        Donor.stripe_customer_id == exact,
        Donation.stripe_customer_id == exact,
        Donation.id.in_(by_payment),
        Donation.id.in_(by_receipt),
    )
    words = [
        or_(
            Donor.first_name.icontains(word, autoescape=True),
            Donor.last_name.icontains(word, autoescape=True),
            Donor.company_name.icontains(word, autoescape=True),
            Donor.email.icontains(word, autoescape=True),
            # The name a gift was given with may differ from its donor record's.
            cast(Donation.identity, Text).icontains(word, autoescape=True),
        )
        for word in exact.split()
    ]
    return or_(identifiers, and_(*words)) if words else identifiers


def conditions(f: DonationFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter, for a query that joins Donation and Donor."""
    found: list[ColumnElement[bool]] = []
    if f.date_from:
        found.append(Donation.created_at >= paris_midnight(f.date_from))
    if f.date_to:
        found.append(Donation.created_at < paris_midnight(f.date_to + dt.timedelta(days=1)))
    if f.kind:
        found.append(Donation.kind == f.kind)
    if f.status:
        found.append(Donation.status == f.status)
    if f.scheme:
        found.append(Donation.tax_scheme == f.scheme)
    if f.amount_min_cents is not None:
        found.append(Donation.amount_cents >= f.amount_min_cents)
    if f.amount_max_cents is not None:
        found.append(Donation.amount_cents <= f.amount_max_cents)
    if f.q:
        found.append(_search_terms(f.q))
    return found


def donations_select(f: DonationFilter, *columns: Any) -> Select[Any]:
    """SELECT `columns` (default: Donation) of the donations matching the filter, in the asked order."""
    column = SORTS.get(f.sort, Donation.created_at)
    order = column.desc() if f.descending else column.asc()
    tie = Donation.id.desc() if f.descending else Donation.id.asc()
    return (
        select(*(columns or (Donation,)))
        .select_from(Donation)
        .join(Donor, Donor.id == Donation.donor_id)
        .where(*conditions(f))
        .order_by(order, tie)
    )


def receipts_select(f: DonationFilter, *columns: Any) -> Select[Any]:
    """SELECT `columns` (default: Receipt) of the receipts covering a payment of a matching donation, by number."""
    matching = donations_select(f, Donation.id).order_by(None)
    covering = (
        select(receipt_payment.c.receipt_id)
        .join(Payment, Payment.id == receipt_payment.c.payment_id)
        .where(Payment.donation_id.in_(matching))
    )
    return (
        select(*(columns or (Receipt,)))
        .select_from(Receipt)
        .join(Donor, Donor.id == Receipt.donor_id)
        .where(Receipt.id.in_(covering))
        .order_by(Receipt.year, Receipt.sequence)
    )


@dataclass(frozen=True)
class DonationPage:
    """One page of matching donations, with how many there are in all."""

    donations: list[Donation]
    page: int
    pages: int
    total: int


def search_page(session: Session, f: DonationFilter, page: int, per_page: int = PER_PAGE) -> DonationPage:
    """The page `page` (from 1; clamped) of the donations matching `f`, donors loaded."""
    total = session.scalar(select(func.count()).select_from(donations_select(f, Donation.id).order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.execute(donations_select(f, Donation, Donor).limit(per_page).offset((page - 1) * per_page))
    return DonationPage([donation for donation, _donor in rows], page, pages, total)
