"""What a donor is told as their gift goes, beside the receipt: that it started and what
happens next (a SEPA debit's delay, when the receipt comes, the donor area of a monthly gift),
or that the bank refused the debit, with a link to try again.

Each notice is owed once per donation and recorded when sent. The webhook asks for
them after its transaction commits, never before (`notices_owed`, then the job).
A card gift paid at once is told by its receipt email, sent at the same moment.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from donations.clock import utcnow
from donations.extensions import db
from donations.models import Donation, DonationKind, DonationStatus
from donations.platform.jobs import enqueue
from donations.platform.locale import euros_input
from donations.platform.mail import deliver, message

log = logging.getLogger(__name__)

# A monthly gift is under way from its first payment or debit; a one-off or IFI
# gift is told apart only while its SEPA debit travels (paid at once, the receipt says it).
_STARTED = {
    DonationKind.MONTHLY: frozenset({DonationStatus.ACTIVE, DonationStatus.PROCESSING}),
    DonationKind.ONE_OFF: frozenset({DonationStatus.PROCESSING}),
    DonationKind.IFI: frozenset({DonationStatus.PROCESSING}),
}


def started_notice_owed(donation: Donation) -> bool:
    """Whether the donor is still to be told their gift started."""
    return donation.started_notice_at is None and donation.status in _STARTED[donation.kind]


def failure_notice_owed(donation: Donation) -> bool:
    """Whether the donor is still to be told the payment of their gift failed."""
    return donation.failure_notice_at is None and donation.status == DonationStatus.FAILED


def notices_owed(donation: Donation | None) -> bool:
    return donation is not None and (started_notice_owed(donation) or failure_notice_owed(donation))


def send_after_commit(donation_id: int) -> None:
    """Queue the notices of a donation whose new state was just committed."""
    enqueue(send_gift_notices, donation_id)


def _base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def retry_link(donation: Donation) -> str:
    """The donation form again, with the same kind and amount chosen."""
    query = urlencode(
        {
            "kind": donation.kind.value,
            "amount": euros_input(donation.amount_cents),
            "lang": donation.donor.locale or "fr",
        }
    )
    return f"{_base_url()}/donate?{query}"


def _greeting_name(donation: Donation) -> str:
    identity = donation.given_identity
    return f"{identity.first_name} {identity.last_name}".strip() or identity.company_name


def send_gift_notices(donation_id: int) -> None:
    """Email the notices this donation still owes its donor, each once."""
    donation = db.session.get(Donation, donation_id)
    if donation is None:
        return
    donor = donation.donor
    context = {"donation": donation, "name": _greeting_name(donation), "portal_link": f"{_base_url()}/my"}
    if started_notice_owed(donation):
        with force_locale(donor.locale or "fr"):
            if donation.kind == DonationKind.MONTHLY:
                subject = _(
                    "Welcome: your monthly gift to %(name)s has started", name=current_app.config["FOUNDATION_NAME"]
                )
            else:
                subject = _("Your gift to %(name)s is on its way", name=current_app.config["FOUNDATION_NAME"])
            mail = message(donor.email, subject, "gift_started", **context)
        deliver(mail)
        donation.started_notice_at = utcnow()
        db.session.commit()
        log.info("donation %s: start notice sent", donation.public_id)
    if failure_notice_owed(donation):
        with force_locale(donor.locale or "fr"):
            subject = _("Your gift to %(name)s could not be taken", name=current_app.config["FOUNDATION_NAME"])
            mail = message(donor.email, subject, "payment_failed", retry_link=retry_link(donation), **context)
        deliver(mail)
        donation.failure_notice_at = utcnow()
        db.session.commit()
        log.info("donation %s: failure notice sent", donation.public_id)
