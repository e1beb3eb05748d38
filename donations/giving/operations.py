"""Giving: from a filled form to a pending donation and its Stripe Checkout Session.

Domain functions take the session, the Stripe client and the time as
arguments; they add and flush, and the caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import stripe
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from donations.giving.widget import scheme_for
from donations.models import (
    Donation,
    DonationChannel,
    DonationKind,
    DonationStatus,
    Donor,
    DonorIdentity,
    DonorType,
    PaymentMethod,
    TributeKind,
)
from donations.platform import stripe_api as payments
from donations.tax import Scheme, TaxRules, ifi_split

log = logging.getLogger(__name__)


class DuplicateSubmission(Exception):
    """The form's token already made a donation with other figures."""


@dataclass(frozen=True)
class DonorDetails:
    """Who gives, as typed in the form (already validated): the identity, and how to reach them."""

    identity: DonorIdentity
    email: str
    locale: str
    # A company's financial-year end ("MM-DD"): set on a new company record (an existing record is never
    # changed here; finance changes it with a gift it records).
    financial_year_end: str = "12-31"

    @property
    def donor_type(self) -> DonorType:
        return DonorType(self.identity.donor_type)


@dataclass(frozen=True)
class GiftExtras:
    """What a gift carries beside its amount: fees covered, a tribute, its campaign and the visit's source."""

    fees_covered_cents: int = 0
    fees_method: PaymentMethod | None = None
    tribute_kind: TributeKind | None = None
    tribute_name: str = ""
    tribute_notify_email: str = ""
    tribute_message: str = ""
    tribute_show_amount: bool = False
    campaign_id: int | None = None
    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""


@dataclass(frozen=True)
class GiftRequest:
    kind: DonationKind
    amount_cents: int
    donor: DonorDetails
    submission_token: str
    # An IFI gift whose excess over the IFI ceiling the donor asked to count for income tax.
    ifi_split: bool = False
    # amount_cents includes extras.fees_covered_cents: the whole sum paid is the gift.
    extras: GiftExtras = GiftExtras()


def find_or_create_donor(session: Session, details: DonorDetails) -> Donor:
    """The donor record of this email (and SIREN, for a company), or a new one.

    An existing record is never changed here: anyone can type an email on the
    form, so what they type goes on their gift (`Donation.identity`), not on the
    record of whoever owns that email. A record changes only through the
    signed-in portal.
    """
    email = details.email.strip().lower()
    query = select(Donor).where(
        func.lower(Donor.email) == email, Donor.donor_type == details.donor_type, Donor.erased_at.is_(None)
    )
    if details.donor_type == DonorType.COMPANY:
        query = query.where(Donor.siren == details.identity.siren)
    donor = session.scalars(query.order_by(Donor.id)).first()
    if donor is not None:
        return donor
    identity = details.identity
    donor = Donor(
        donor_type=details.donor_type,
        email=email,
        first_name=identity.first_name,
        last_name=identity.last_name,
        address_line1=identity.address_line1,
        address_line2=identity.address_line2 or None,
        postal_code=identity.postal_code,
        city=identity.city,
        country=identity.country,
        locale=details.locale,
    )
    if details.donor_type == DonorType.COMPANY:
        donor.company_name = identity.company_name
        donor.legal_form = identity.legal_form
        donor.siren = identity.siren
        donor.financial_year_end = details.financial_year_end
    session.add(donor)
    return donor


def _rate_for(scheme: Scheme, rules: TaxRules):  # type: ignore[no-untyped-def]
    return {Scheme.INCOME_TAX: rules.income_tax_rate, Scheme.IFI: rules.ifi_rate, Scheme.COMPANY: rules.company_rate}[
        scheme
    ]


def donation_for_submission(session: Session, token: str) -> Donation | None:
    """The donation a form token already made, if any."""
    if not token:
        return None
    return session.scalars(select(Donation).where(Donation.submission_token == token)).first()


def check_same_gift(donation: Donation, gift: GiftRequest) -> None:
    """A repeated submit must ask for the same gift, or it is refused."""
    same = (
        donation.kind == gift.kind
        and donation.amount_cents == gift.amount_cents
        and donation.donor.email == gift.donor.email.strip().lower()
        and donation.given_identity == gift.donor.identity
        and donation.ifi_cents == _ifi_cents(gift, donation.tax_scheme, TaxRules.from_dict(donation.tax_rules))
        and donation.fees_covered_cents == gift.extras.fees_covered_cents
        and donation.tribute_kind == gift.extras.tribute_kind
    )
    if not same:
        raise DuplicateSubmission(donation.public_id)


def _ifi_cents(gift: GiftRequest, scheme: Scheme, rules: TaxRules) -> int:
    """The part of the gift claimed against IFI: all of an IFI gift, or up to the IFI ceiling when
    the donor splits it (the rest counts for income tax; never the same euro twice)."""
    if scheme != Scheme.IFI:
        return 0
    return ifi_split(gift.amount_cents, rules).ifi_cents if gift.ifi_split else gift.amount_cents


def start_donation(session: Session, gift: GiftRequest, rules: TaxRules, livemode: bool) -> Donation:
    """Record a pending donation with the tax rules in force; the caller commits."""
    donor = find_or_create_donor(session, gift.donor)
    scheme = scheme_for(gift.kind, company=gift.donor.donor_type == DonorType.COMPANY)
    donation = Donation(
        donor=donor,
        kind=gift.kind,
        tax_scheme=scheme,
        tax_rate=_rate_for(scheme, rules),
        tax_rules=rules.as_dict(),
        amount_cents=gift.amount_cents,
        identity=gift.donor.identity.to_json(),
        ifi_cents=_ifi_cents(gift, scheme, rules),
        status=DonationStatus.PENDING,
        livemode=livemode,
        submission_token=gift.submission_token or None,
    )
    _carry_extras(donation, gift.extras)
    session.add(donation)
    session.flush()
    return donation


def _carry_extras(donation: Donation, extras: GiftExtras) -> None:
    donation.fees_covered_cents = extras.fees_covered_cents
    donation.fees_method = extras.fees_method if extras.fees_covered_cents else None
    donation.tribute_kind = extras.tribute_kind
    if extras.tribute_kind is not None:
        donation.tribute_name = extras.tribute_name or None
        donation.tribute_notify_email = extras.tribute_notify_email.strip().lower() or None
        message = (extras.tribute_message or "").replace("\r\n", "\n").strip()
        donation.tribute_message = (message or None) if donation.tribute_notify_email else None
        donation.tribute_show_amount = extras.tribute_show_amount
    donation.campaign_id = extras.campaign_id
    donation.utm_source = extras.utm_source or None
    donation.utm_medium = extras.utm_medium or None
    donation.utm_campaign = extras.utm_campaign or None


@dataclass(frozen=True)
class CheckoutLinks:
    success_url: str
    cancel_url: str
    product_name: str
    description: str


def open_checkout(
    session: Session,
    donation: Donation,
    client: stripe.StripeClient,
    links: CheckoutLinks,
    sepa_debit_max_cents: int | None = None,
) -> str:
    """Create (or find again) the donation's Checkout Session and return where to send the donor.

    The idempotency key comes from the donation, and so do all the parameters,
    so a retry (after an answer lost on the way) or a double submit gets the
    same session from Stripe. The session is never opened on a
    donor's existing Stripe customer (Stripe would offer their saved card and
    address to whoever typed their email): Stripe gets the email only.
    """
    if donation.checkout_url and donation.status == DonationStatus.PENDING:
        return donation.checkout_url
    request = payments.CheckoutRequest(
        donation_public_id=donation.public_id,
        monthly=donation.kind == DonationKind.MONTHLY,
        amount_cents=donation.amount_cents,
        product_name=links.product_name,
        description=links.description,
        locale=donation.donor.locale,
        success_url=links.success_url,
        cancel_url=links.cancel_url,
        customer_email=donation.donor.email,
        sepa_debit_max_cents=sepa_debit_max_cents,
        # Fees covered for one method: the checkout offers that method only, so the estimate holds.
        payment_method_types=[donation.fees_method.value] if donation.fees_method else None,
    )
    checkout = payments.create_checkout_session(client, request)
    donation.stripe_checkout_session_id = checkout["id"]
    donation.checkout_url = checkout["url"]
    if checkout.get("expires_at"):
        donation.checkout_expires_at = dt.datetime.fromtimestamp(checkout["expires_at"], dt.UTC)
    session.flush()
    log.info("donation %s: checkout session %s opened", donation.public_id, checkout["id"])
    return checkout["url"]


def expire_abandoned(session: Session, client: stripe.StripeClient, now: dt.datetime) -> int:
    """Mark expired the pending donations whose checkout Stripe has closed unpaid.

    Stripe sends checkout.session.expired; this catches the ones whose event
    was missed. A session Stripe reports complete is left to the webhook or
    to `flask stripe reconcile`, never expired here. The caller commits.
    """
    overdue = session.scalars(
        select(Donation).where(
            Donation.status == DonationStatus.PENDING,
            Donation.checkout_expires_at.is_not(None),
            Donation.checkout_expires_at < now,
        )
    ).all()
    expired = 0
    for donation in overdue:
        assert donation.stripe_checkout_session_id is not None
        checkout = payments.retrieve_checkout_session(client, donation.stripe_checkout_session_id)
        if checkout.get("status") == "expired" and donation.move_to(DonationStatus.EXPIRED):
            expired += 1
    never_opened = session.scalars(
        select(Donation).where(
            Donation.status == DonationStatus.PENDING,
            Donation.stripe_checkout_session_id.is_(None),
            Donation.channel == DonationChannel.STRIPE,  # an announced transfer waits for the bank statement
            Donation.created_at < now - payments.CHECKOUT_LIFETIME,
        )
    ).all()
    for donation in never_opened:
        if donation.move_to(DonationStatus.EXPIRED):
            expired += 1
    session.flush()
    return expired
