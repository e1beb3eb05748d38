"""The donor's postal address for future receipts, changed one donor record at a time.

A person may hold several donor records under one email (as themselves and as
their company, say): a change made in the portal touches only the record the
donor chose, never the others.
"""

from __future__ import annotations

from donations.models import DonationKind, Donor
from donations.portal.records import FINISHED


def chosen_record(donors: list[Donor], public_id: str | None) -> Donor | None:
    """The record whose address is shown or changed: the one named, else the most recent; None if not theirs."""
    if not donors:
        return None
    if not public_id:
        return donors[-1]
    return next((donor for donor in donors if donor.public_id == public_id), None)


def change_address(donor: Donor, *, line1: str, line2: str, postal_code: str, city: str, country: str) -> None:
    """The address this record prints on its next receipts; receipts already issued keep theirs (the caller commits).

    The monthly gifts still running that were given under this record's
    identity take the new address too (their January recap prints it); a gift
    given under another name keeps the identity it was given with.
    """
    before = donor.identity
    donor.address_line1 = line1.strip()
    donor.address_line2 = line2.strip() or None
    donor.postal_code = postal_code.strip()
    donor.city = city.strip()
    donor.country = country
    after = donor.identity
    for gift in donor.donations:
        if gift.kind == DonationKind.MONTHLY and gift.status not in FINISHED and gift.given_identity == before:
            gift.identity = after.to_json()


def record_label(donor: Donor) -> str:
    """How the portal names a record when the donor has several: who, and where it is."""
    who = donor.company_name if donor.company_name else donor.full_name
    return f"{who} ({donor.postal_code} {donor.city})"
