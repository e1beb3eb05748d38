"""Pages of the donations list by keyset: the next page starts after the last row seen.

An OFFSET makes the database read and drop every row before the page (page
2 000 of the list read 100 000 rows); a keyset reads from the index where the
previous page stopped, so every page costs the same. A cursor holds the sort
value and the id of a row, in a short URL-safe text; one that does not read
back is refused with a 400 (donations.finance.views), never a 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, select, tuple_, union
from sqlalchemy.orm import Session, contains_eager

from donations.finance.search import PER_PAGE, SORTS, DonationFilter, disjoint_parts, donations_select, resolved
from donations.models import Donation, DonationKind, DonationStatus, Donor

# A count past this reads no further: the list says "more than".
COUNT_LIMIT = 10_000


class BadCursor(ValueError):
    """A page cursor that is not one this service wrote."""


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (DonationKind, DonationStatus)):
        return value.value
    return value


def encode_cursor(value: Any, row_id: int) -> str:
    raw = json.dumps([_plain(value), row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(sort: str, cursor: str) -> tuple[Any, int]:
    """(sort value, id) of a cursor for the list sorted by `sort`; BadCursor if it does not read back."""
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error) as error:
        raise BadCursor(cursor) from error
    if not isinstance(row_id, int) or isinstance(row_id, bool) or not 0 < row_id < 2**31:
        raise BadCursor(cursor)
    try:
        if sort == "created":
            value = dt.datetime.fromisoformat(value)
        elif sort == "amount":
            if not isinstance(value, int) or isinstance(value, bool):
                raise BadCursor(cursor)
        elif sort == "kind":
            value = DonationKind(value)
        elif sort == "status":
            value = DonationStatus(value)
        elif not isinstance(value, str):
            raise BadCursor(cursor)
    except (ValueError, TypeError) as error:
        raise BadCursor(cursor) from error
    return value, row_id


@dataclass(frozen=True)
class KeysetPage:
    """One page of matching donations, donors loaded, with the cursors of the pages around it."""

    donations: list[Donation]
    total: int  # at most COUNT_LIMIT + 1
    next_cursor: str | None
    previous_cursor: str | None

    @property
    def total_is_capped(self) -> bool:
        return self.total > COUNT_LIMIT


def _sort_value(f: DonationFilter, donation: Donation) -> Any:
    return donation.donor.last_name if f.sort == "donor" else getattr(donation, SORTS[f.sort].key)


def keyset_page(
    session: Session, f: DonationFilter, after: str | None = None, before: str | None = None, per_page: int = PER_PAGE
) -> KeysetPage:
    """The page after the cursor `after` (or before `before`; else the first) of the donations matching `f`."""
    if f.sort not in SORTS:
        f = DonationFilter(**{**f.__dict__, "sort": "created"})
    f = resolved(session, f)
    column = SORTS[f.sort]
    key = tuple_(column, Donation.id)
    # The donor comes with its row and stays attached to it (contains_eager): a donor only selected
    # beside the row is dropped from the session once unreferenced, then fetched again per row.
    query = donations_select(f, Donation).options(contains_eager(Donation.donor))
    backwards = before is not None and after is None
    beyond = []
    if after is not None or backwards:
        value, row_id = decode_cursor(f.sort, after if after is not None else before)  # type: ignore[arg-type]
        beyond = [key < tuple_(value, row_id) if f.descending != backwards else key > tuple_(value, row_id)]
        query = query.where(*beyond)
    order = (column.asc(), Donation.id.asc()) if f.descending == backwards else (column.desc(), Donation.id.desc())
    if backwards:  # read the rows just before, in the opposite order, then put them back in order
        query = query.order_by(None).order_by(*order)
    parts = disjoint_parts(f)
    if len(parts) > 1:
        # Each part pages on its own (its LIMIT read from its own index), then the page is taken from their union.
        paged = [
            select(Donation.id)
            .select_from(Donation)
            .join(Donor, Donor.id == Donation.donor_id)
            .where(*part, *beyond)
            .order_by(*order)
            .limit(per_page + 1)
            .subquery()
            for part in parts
        ]
        query = (
            select(Donation)
            .join(Donor, Donor.id == Donation.donor_id)
            .options(contains_eager(Donation.donor))
            .where(Donation.id.in_(union(*(select(p.c.id) for p in paged))))
            .order_by(*order)
        )
    rows = list(session.scalars(query.limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    # Each part counted up to the limit on its own (they never overlap), in one statement; a single part
    # on the donations alone (every donation has its donor, and no other condition reads the donor row).
    joined = len(parts) > 1
    counts = [
        select(func.count())
        .select_from(
            (
                select(literal(1)).select_from(Donation).join(Donor, Donor.id == Donation.donor_id)
                if joined
                else select(literal(1)).select_from(Donation)
            )
            .where(*part)
            .limit(COUNT_LIMIT + 1)
            .subquery()
        )
        .scalar_subquery()
        for part in parts
    ]
    total = min(session.scalar(select(sum(counts[1:], counts[0]))) or 0, COUNT_LIMIT + 1)
    has_next = more if not backwards else True
    has_previous = (after is not None) or (backwards and more)
    return KeysetPage(
        donations=rows,
        total=total,
        next_cursor=encode_cursor(_sort_value(f, rows[-1]), rows[-1].id) if rows and has_next else None,
        previous_cursor=encode_cursor(_sort_value(f, rows[0]), rows[0].id) if rows and has_previous else None,
    )
