"""Gifts made in memory of or in honour of someone, and the notice sent to the person named.

The notice leaves only once the gift is paid, from the fulfilment's
after-commit path: `TributeNotices` collects the donations whose first
payment settled in the transaction, and queues their notice after the
commit. A notice is sent once (`tribute_notified_at`), in the donor's
language, and names the amount only if the donor asked for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _

from donations.clock import utcnow
from donations.extensions import db
from donations.models import Donation, DonationStatus, DonorType, Payment, PaymentStatus, TributeKind
from donations.platform import jobs

log = logging.getLogger(__name__)

PAID_STATUSES = frozenset({DonationStatus.PAID, DonationStatus.ACTIVE, DonationStatus.PAUSED, DonationStatus.CANCELLED})


@dataclass
class TributeNotices:
    """The fulfilment hook: notices owed by the payments settled in a transaction, queued after it commits."""

    owed: list[int] = field(default_factory=list)

    def payment_settled(self, payment: Payment) -> None:
        donation = payment.donation
        if donation.tribute_notify_email and donation.tribute_notified_at is None and donation.id not in self.owed:
            self.owed.append(donation.id)

    def after_commit(self) -> None:
        for donation_id in self.owed:
            jobs.enqueue(send_tribute_notice, donation_id)
        self.owed.clear()


def donor_display_name(donation: Donation) -> str:
    """The donor as the notice names them: the company, or first and last names given with the gift."""
    identity = donation.given_identity
    if identity.donor_type == DonorType.COMPANY.value and identity.company_name:
        return identity.company_name
    return f"{identity.first_name} {identity.last_name}".strip()


def _is_paid(donation: Donation) -> bool:
    return donation.status in PAID_STATUSES and any(p.status == PaymentStatus.SUCCEEDED for p in donation.payments)


def send_tribute_notice(donation_id: int) -> None:
    """Email the person a paid gift was made for (once); the amount only when the donor chose to show it."""
    from donations.platform.mail import deliver
    from donations.platform.mail import message as message_from_templates

    donation = db.session.get(Donation, donation_id)
    if donation is None or not donation.tribute_notify_email or donation.tribute_notified_at is not None:
        return
    if not _is_paid(donation) or donation.tribute_kind is None:
        return
    with force_locale(donation.donor.locale or "fr"):
        donor_name = donor_display_name(donation)
        if donation.tribute_kind == TributeKind.IN_MEMORY_OF:
            subject = _("A gift in memory of %(name)s", name=donation.tribute_name)
        else:
            subject = _("A gift in honour of %(name)s", name=donation.tribute_name)
        message = message_from_templates(
            donation.tribute_notify_email,
            subject,
            "tribute_notice",
            donation=donation,
            donor_name=donor_name,
            in_memory=donation.tribute_kind == TributeKind.IN_MEMORY_OF,
        )
    deliver(message)
    donation.tribute_notified_at = utcnow()
    db.session.commit()
    log.info("tribute notice of donation %s sent", donation.public_id)


def owed_notice_ids(session) -> list[int]:  # type: ignore[no-untyped-def]
    """Paid gifts whose tribute notice has not left yet (after an SMTP outage): `receipts send-pending` sends them."""
    from sqlalchemy import exists, select

    paid = exists().where(Payment.donation_id == Donation.id, Payment.status == PaymentStatus.SUCCEEDED)
    return list(
        session.scalars(
            select(Donation.id)
            .where(Donation.tribute_notify_email.is_not(None), Donation.tribute_notified_at.is_(None), paid)
            .order_by(Donation.id)
        )
    )
