"""Erasing a donor's personal data on request (GDPR art. 17), and purging it past retention.

What the law makes the foundation keep stays: each tax receipt of the last six
years with the name and address it prints (LPF art. L102 B), and the amounts
and dates of every gift and payment (the books). Everything else that names
the donor goes: the donor record's name, email and address; the identity of
each gift whose receipts are issued; Stripe's copy (the customer, with its
saved cards, is deleted); the personal fields of the Stripe events stored;
the sign-in links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Text, and_, cast, delete, exists, or_, select
from sqlalchemy.orm import Session

from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    Donor,
    DonorSignIn,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptStatus,
    StripeEvent,
    receipt_payment,
)

RETENTION = dt.timedelta(days=6 * 366)
ERASED = "—"
RUNNING = (DonationStatus.ACTIVE, DonationStatus.PAUSED, DonationStatus.PROCESSING)
# Fields of Stripe objects that name or locate a person. Their values are dropped
# wherever they appear in a stored event; ids, amounts and statuses stay.
PERSONAL_FIELDS = frozenset(
    {
        "email",
        "customer_email",
        "receipt_email",
        "name",
        "customer_name",
        "phone",
        "customer_phone",
        "address",
        "customer_address",
        "customer_details",
        "billing_details",
        "shipping",
        "shipping_details",
        "customer_shipping",
        "individual_name",
    }
)

DeleteCustomer = Callable[[str], None]


class ActiveMonthlyGift(Exception):
    """A monthly gift still runs: it must be stopped before the data can be erased."""


@dataclass
class ErasureReport:
    erased_records: int = 0
    stripe_customers_deleted: int = 0
    events_scrubbed: int = 0
    kept: list[dict[str, Any]] = field(default_factory=list)
    # Gifts whose annual receipt is still to come: their name and address wait for it.
    waiting_gifts: list[str] = field(default_factory=list)


def scrub_payload(value: Any, emails: frozenset[str] = frozenset()) -> Any:
    """A copy of a Stripe object without its personal fields (and without these emails anywhere)."""
    if isinstance(value, dict):
        return {key: None if key in PERSONAL_FIELDS else scrub_payload(item, emails) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_payload(item, emails) for item in value]
    if isinstance(value, str) and value.strip().lower() in emails:
        return None
    return value


def _unreceipted(donation: Donation) -> bool:
    """Money of this gift still waits for its receipt (a monthly gift's January recap): its identity is needed."""
    return any(p.status == PaymentStatus.SUCCEEDED and p.kept_cents > 0 and not _covered(p) for p in donation.payments)


def _covered(payment: Payment) -> bool:
    session = Session.object_session(payment)
    assert session is not None
    return bool(
        session.scalar(
            select(
                exists().where(
                    receipt_payment.c.payment_id == payment.id,
                    receipt_payment.c.receipt_id == Receipt.id,
                    Receipt.status == ReceiptStatus.ISSUED,
                )
            )
        )
    )


def erase_donors(
    session: Session, donors: list[Donor], now: dt.datetime, delete_customer: DeleteCustomer
) -> ErasureReport:
    """Erase these donor records' personal data (see the module's docstring); the caller commits.

    Refuses while a monthly gift runs (ActiveMonthlyGift). Stripe's customers
    are deleted first: if Stripe fails, nothing is erased and the request can
    be made again (a customer already deleted counts as done).
    """
    running = [g for d in donors for g in d.donations if g.kind == DonationKind.MONTHLY and g.status in RUNNING]
    if running:
        raise ActiveMonthlyGift(running[0].public_id)
    report = ErasureReport()
    customers = sorted(
        {d.stripe_customer_id for d in donors if d.stripe_customer_id}
        | {g.stripe_customer_id for d in donors for g in d.donations if g.stripe_customer_id}
    )
    for customer in customers:
        delete_customer(customer)
    report.stripe_customers_deleted = len(customers)
    emails = frozenset(d.email.strip().lower() for d in donors)
    report.events_scrubbed = _scrub_events(session, donors, emails)
    session.execute(delete(DonorSignIn).where(DonorSignIn.email.in_(emails)))
    for donor in donors:
        waiting = _keep_receipts(session, donor, now, report)
        for gift in donor.donations:
            gift.stripe_customer_id = None
            # Whom the donor gave for, and to whom they wrote: their data too (the kind stays, for the totals).
            gift.tribute_notify_email = gift.tribute_message = None
            if gift.tribute_name:
                gift.tribute_name = ERASED
            if gift.public_id not in waiting:
                gift.identity = gift.given_identity.erased(ERASED).to_json()
        _anonymise(donor, now)
        report.erased_records += 1
    session.flush()
    return report


def _keep_receipts(session: Session, donor: Donor, now: dt.datetime, report: ErasureReport) -> set[str]:
    """Report what the law keeps of this donor; answers the gifts still waiting for their receipt."""
    receipts = session.scalars(
        select(Receipt).where(Receipt.donor_id == donor.id, Receipt.issued_at > now - RETENTION).order_by(Receipt.id)
    ).all()
    waiting = [g.public_id for g in donor.donations if _unreceipted(g)]
    if receipts:
        donor.locked_at = now
        report.kept.append(
            {
                "reason": "tax receipts are kept six years (art. L102 B LPF)",
                "until": (max(r.issued_at for r in receipts) + RETENTION).date().isoformat(),
                "receipts": [r.number for r in receipts],
                "kept_on_each_receipt": [
                    "name",
                    "company name, legal form and SIREN",
                    "postal address",
                    "amounts and dates",
                ],
            }
        )
    report.waiting_gifts.extend(waiting)
    return set(waiting)


def _scrub_events(session: Session, donors: list[Donor], emails: frozenset[str]) -> int:
    """Scrub the stored events of the donors' gifts, and any other that carries their email."""
    gift_ids = [g.id for d in donors for g in d.donations]
    since = min(d.created_at for d in donors) - dt.timedelta(days=1)
    mentions = or_(*(cast(StripeEvent.payload, Text).contains(email) for email in emails))
    query = select(StripeEvent).where(
        or_(StripeEvent.donation_id.in_(gift_ids), and_(StripeEvent.received_at >= since, mentions))
    )
    count = 0
    for event in session.scalars(query):
        event.payload = scrub_payload(event.payload, emails)
        count += 1
    return count


def _anonymise(donor: Donor, now: dt.datetime) -> None:
    donor.first_name = ERASED
    donor.last_name = ERASED
    donor.email = f"erased-{donor.public_id}@invalid"
    donor.address_line1 = ERASED
    donor.address_line2 = None
    donor.postal_code = ERASED
    donor.city = ERASED
    donor.stripe_customer_id = None
    if donor.company_name is not None:
        donor.company_name = ERASED
        donor.legal_form = ERASED
    donor.erased_at = now


@dataclass
class PurgeReport:
    sign_ins_deleted: int = 0
    events_scrubbed: int = 0
    donors_erased: int = 0
    gift_identities_erased: int = 0


def purge_expired(
    session: Session,
    now: dt.datetime,
    delete_customer: DeleteCustomer,
    *,
    event_payload_days: int,
    inactive_after: dt.timedelta = RETENTION,
) -> PurgeReport:
    """Remove the personal data the foundation no longer needs; safe to run daily, and twice.

    - sign-in links, once expired;
    - the personal fields of Stripe events received more than `event_payload_days` ago;
    - donors with no gift for `inactive_after` (six years: past the receipts' retention),
      erased as on request;
    - the identity of an erased donor's gifts, once their annual receipt is issued.
    The caller commits.
    """
    report = PurgeReport()
    report.sign_ins_deleted = session.execute(delete(DonorSignIn).where(DonorSignIn.expires_at < now)).rowcount or 0  # type: ignore[attr-defined]
    old_events = select(StripeEvent).where(StripeEvent.received_at < now - dt.timedelta(days=event_payload_days))
    for event in session.scalars(old_events.execution_options(yield_per=500)):
        scrubbed = scrub_payload(event.payload)
        if scrubbed != event.payload:
            event.payload = scrubbed
            report.events_scrubbed += 1
    for donor in _inactive_donors(session, now - inactive_after):
        erase_donors(session, [donor], now, delete_customer)
        report.donors_erased += 1
    report.gift_identities_erased = _erase_waiting_identities(session)
    session.flush()
    return report


def _inactive_donors(session: Session, cutoff: dt.datetime) -> Iterable[Donor]:
    recent_gift = exists().where(Donation.donor_id == Donor.id, Donation.created_at >= cutoff)
    recent_payment = exists().where(
        Donation.donor_id == Donor.id, Payment.donation_id == Donation.id, Payment.received_at >= cutoff
    )
    running = exists().where(
        Donation.donor_id == Donor.id, Donation.kind == DonationKind.MONTHLY, Donation.status.in_(RUNNING)
    )
    return list(
        session.scalars(
            select(Donor).where(
                Donor.erased_at.is_(None), Donor.created_at < cutoff, ~recent_gift, ~recent_payment, ~running
            )
        )
    )


def _erase_waiting_identities(session: Session) -> int:
    # Only a monthly gift waits for a receipt (its January recap) after its donor is erased.
    gifts = session.scalars(
        select(Donation)
        .join(Donor, Donor.id == Donation.donor_id)
        .where(Donor.erased_at.is_not(None), Donation.kind == DonationKind.MONTHLY)
    )
    count = 0
    for gift in gifts:
        if gift.given_identity.first_name != ERASED and not _unreceipted(gift):
            gift.identity = gift.given_identity.erased(ERASED).to_json()
            count += 1
    return count
