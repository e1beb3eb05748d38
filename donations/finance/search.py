"""Finding donations: the filters and search of the back office's list, shared by its CSV exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Select, func, not_, select
from sqlalchemy.orm import Session

from donations.clock import PARIS
from donations.finance.lookup import identified_donations, name_parts, named
from donations.models import Donation, DonationKind, DonationStatus, Donor, Payment, Receipt, TaxScheme, receipt_payment

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
    # The donations `q` names exactly, once looked up (`resolved`); None before.
    identified: tuple[int, ...] | None = None


def paris_midnight(day: dt.date) -> dt.datetime:
    """The instant a Paris calendar day begins, in UTC (times are stored in UTC)."""
    return dt.datetime.combine(day, dt.time(0), PARIS).astimezone(dt.UTC)


def resolved(session: Session, f: DonationFilter) -> DonationFilter:
    """`f` with its search looked up: the donations an exact identifier names, if it names any."""
    if not f.q or f.identified is not None:
        return f
    return replace(f, identified=identified_donations(session, f.q))


def _search_terms(f: DonationFilter) -> ColumnElement[bool] | None:
    """An identifier's donations when `f.q` named some (`resolved`), else the donors and gifts so named."""
    if f.identified:
        return Donation.id.in_(f.identified)
    return named(f.q)


def conditions(f: DonationFilter, with_search: bool = True) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a filter, for a query that joins Donation and Donor (without `q`'s if not `with_search`)."""
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
    if f.q and with_search:
        terms = _search_terms(f)
        if terms is not None:
            found.append(terms)
    return found


def disjoint_parts(f: DonationFilter) -> list[list[ColumnElement[bool]]]:
    """The WHERE clauses of a filter as parts whose rows never overlap, each read on its own index.

    A name search is two parts (the donor so named; the gift so named, its donor not), so that a list pages
    or counts each with a LIMIT; any other filter is one part. For a query that joins Donation and Donor."""
    parts = name_parts(f.q) if f.q and not f.identified else None
    if parts is None:
        return [conditions(f)]
    by_donor, by_gift = parts
    base = conditions(f, with_search=False)
    # The donor's search text is always filled; coalesce all the same, so that a NULL is "not named".
    not_by_donor = not_(func.coalesce(by_donor, False))
    return [[*base, by_donor], [*base, by_gift, not_by_donor]]


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
