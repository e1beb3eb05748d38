"""The names a finance search reads, normalised once when written: "Lefèvre" is found from "lefevre".

Each donor and each donation keeps a `search_text` column: the names (and,
for a donor, the email) lower-cased, accents and ligatures unfolded, spaces
collapsed. It is set by the ORM whenever those fields are written, so a
search compares plain text on both databases and never computes anything
per row: on PostgreSQL a trigram index (pg_trgm) answers `LIKE '%word%'`;
on SQLite, the small foundation's database, the column is scanned without
any function call. One normalisation in Python, not `unaccent` in SQL, gives
both databases the same answers (and needs no extension beyond pg_trgm).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, inspect, select

from donations.models.donation import Donation
from donations.models.donor import Donor

# Letters NFKD does not take apart.
_UNFOLDED = str.maketrans(
    {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d"}
)


def normalised(text: str) -> str:
    """`text` as searches compare it: lower case, no accents, ligatures unfolded, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_UNFOLDED))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def normalised_parts(parts: Iterable[Any]) -> str:
    """The non-empty `parts`, joined by spaces and normalised."""
    return normalised(" ".join(str(part) for part in parts if part))


def donor_search_text(donor: Donor) -> str:
    return normalised_parts((donor.first_name, donor.last_name, donor.company_name, donor.email))


def donation_search_text(identity: dict[str, Any] | None) -> str:
    """The names given with a gift (they may differ from its donor record's)."""
    identity = identity or {}
    return normalised_parts((identity.get("first_name"), identity.get("last_name"), identity.get("company_name")))


_DONOR_FIELDS = ("first_name", "last_name", "company_name", "email")


@event.listens_for(Donor, "before_insert")
def _donor_added(_mapper: Any, _connection: Any, donor: Donor) -> None:
    donor.search_text = donor_search_text(donor)


@event.listens_for(Donor, "before_update")
def _donor_changed(_mapper: Any, connection: Any, donor: Donor) -> None:
    state = inspect(donor)
    if not any(state.attrs[name].history.has_changes() for name in _DONOR_FIELDS):
        return
    # A field not loaded is read on the flush's own connection (no lazy load in the middle of a flush).
    missing = [name for name in _DONOR_FIELDS if name not in donor.__dict__]
    stored = (
        connection.execute(select(*(getattr(Donor, n) for n in missing)).where(Donor.id == donor.id)).one()
        if missing
        else ()
    )
    values = {
        **dict(zip(missing, stored, strict=False)),
        **{n: donor.__dict__[n] for n in _DONOR_FIELDS if n in donor.__dict__},
    }
    donor.search_text = normalised_parts(values[n] for n in _DONOR_FIELDS)


@event.listens_for(Donation, "before_insert")
def _donation_added(_mapper: Any, _connection: Any, donation: Donation) -> None:
    donation.search_text = donation_search_text(donation.identity)


@event.listens_for(Donation, "before_update")
def _donation_changed(_mapper: Any, _connection: Any, donation: Donation) -> None:
    if inspect(donation).attrs.identity.history.has_changes():
        donation.search_text = donation_search_text(donation.identity)
