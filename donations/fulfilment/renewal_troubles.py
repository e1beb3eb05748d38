"""A monthly debit that does not go through: the donor is told, and told how to fix it.

`invoice.payment_failed`: the month is recorded as failed (`fulfilment`) and
the donor gets an email with the link to their donor area, where they update
their card or IBAN through Stripe's billing portal. When Stripe has made its
last retry (no `next_payment_attempt`), the monthly gift is marked lapsed:
finance sees it among the gifts to follow up. `invoice.payment_action_required`:
the bank wants the cardholder to authenticate the payment; the donor gets the
invoice's hosted page to do it. Emails go out once the transaction has committed.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from donations.extensions import db
from donations.fulfilment.context import IGNORED, Applied, Fulfilment
from donations.fulfilment.handlers import invoice_payment_failed
from donations.fulfilment.recording import _donation_for_subscription, _invoice_subscription, _move
from donations.models import Donation, DonationKind, DonationStatus, EventOutcome
from donations.platform.mail import deliver, message


def renewal_failed(ctx: Fulfilment, invoice: dict[str, Any]) -> Applied:
    """A monthly debit failed: recorded, the donor asked to update their card; lapsed after the last retry."""
    applied = invoice_payment_failed(ctx, invoice)
    donation = applied.donation
    if donation is None or donation.kind != DonationKind.MONTHLY:
        return applied
    # Stripe's last retry: the invoice says there is no next attempt (an invoice without the field says nothing).
    last_retry = "next_payment_attempt" in invoice and invoice["next_payment_attempt"] is None
    # A gift whose first payment failed never started: the gift's own failure notice tells the donor, with
    # a link to give again (fulfilment.gift_notices); this email is for a running gift's renewal.
    never_started = donation.status == DonationStatus.FAILED
    if last_retry and donation.status in (DonationStatus.ACTIVE, DonationStatus.PAUSED, DonationStatus.FAILED):
        _move(donation, DonationStatus.LAPSED)
    if not never_started:
        ctx.notices.append((send_renewal_failed_email, (donation.id, last_retry)))
    return Applied(EventOutcome.APPLIED, donation)


def payment_action_required(ctx: Fulfilment, invoice: dict[str, Any]) -> Applied:
    """The donor's bank asks them to authenticate this month's payment: they get the invoice's page."""
    subscription_id, metadata = _invoice_subscription(invoice)
    donation = _donation_for_subscription(ctx.session, subscription_id, metadata)
    link = invoice.get("hosted_invoice_url")
    if donation is None or not isinstance(link, str) or not link.startswith(("https://", "http://")):
        return IGNORED
    ctx.notices.append((send_payment_action_email, (donation.id, link[:2000])))
    return Applied(EventOutcome.APPLIED, donation)


def _donor_area_link() -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/my"


def send_renewal_failed_email(donation_id: int, last_retry: bool) -> None:
    """Tell the donor their monthly debit failed, with the link where they update their card or IBAN."""
    donation = db.session.get(Donation, donation_id)
    if donation is None:
        return
    donor = donation.donor
    with force_locale(donor.locale or "fr"):
        subject = _("Your monthly gift could not be collected")
        mail = message(
            donor.email,
            subject,
            "renewal_failed",
            donor=donor,
            donation=donation,
            link=_donor_area_link(),
            last_retry=last_retry,
        )
    deliver(mail)


def send_payment_action_email(donation_id: int, link: str) -> None:
    """Send the donor the page where their bank asks them to confirm this month's payment."""
    donation = db.session.get(Donation, donation_id)
    if donation is None:
        return
    donor = donation.donor
    with force_locale(donor.locale or "fr"):
        subject = _("Please confirm your monthly gift with your bank")
        mail = message(donor.email, subject, "payment_action_required", donor=donor, donation=donation, link=link)
    deliver(mail)
