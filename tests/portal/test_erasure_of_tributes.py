"""A donor's erasure also erases whom they gave for and to whom they wrote; the tribute's kind stays for the totals."""

from __future__ import annotations

from collections.abc import Callable

import requests

from donations.extensions import db
from donations.models import Donation, TributeKind
from tests.support.donor_portal import erase as _erase
from tests.support.donor_portal import sign_in
from tests.support.donors import INDIVIDUAL
from tests.support.live_gifts import pay
from tests.support.live_service import Live


def test_erasure_removes_the_tribute_name_address_and_message(
    live: Live, give: Callable[..., requests.Response], smtp
) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    donation = pay(
        live,
        give,
        kind="one_off",
        amount="50",
        tribute_kind="in_memory_of",
        tribute_name="Jeanne Dupont",
        tribute_notify_email="famille@example.org",
        tribute_message="Avec affection",
    )
    sign_in(live, mailbox, INDIVIDUAL["email"])
    assert _erase(live).status_code == 200
    with live.app.app_context():
        gift = db.session.get(Donation, donation.id)
        assert gift is not None
        assert (gift.tribute_kind, gift.tribute_name, gift.tribute_notify_email, gift.tribute_message) == (
            TributeKind.IN_MEMORY_OF,
            "—",
            None,
            None,
        )
