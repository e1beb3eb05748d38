"""What a signed-in donor does to a monthly gift, through Stripe: change its amount, pause,
resume or stop it, or open Stripe's billing portal to change the card or IBAN.

Each operation asks Stripe, then records Stripe's answer as the change awaiting the webhook's
confirmation (`awaited_changes`), so the portal shows it at once; the caller commits. Stripe's
refusal or silence comes out as `PaymentServiceError`, and nothing is recorded then.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

import stripe
from sqlalchemy.orm import Session

from donations.models import Donation, Donor
from donations.platform import stripe_api
from donations.portal import awaited_changes, erasure, records

SubscriptionCall = Callable[[stripe.StripeClient, str], dict[str, Any]]


def _apply(session: Session, donation: Donation, answer: dict[str, Any]) -> None:
    awaited_changes.record_answer(donation, answer)
    session.flush()


def change_amount(session: Session, client: stripe.StripeClient, donation: Donation, amount_cents: int) -> None:
    """From the next payment on, the monthly gift is `amount_cents` (no proration)."""
    key = f"amount-{donation.public_id}-{secrets.token_hex(8)}"
    answer = stripe_api.change_subscription_amount(client, str(donation.stripe_subscription_id), amount_cents, key)
    _apply(session, donation, answer)


def _subscription_call(call: SubscriptionCall) -> Callable[[Session, stripe.StripeClient, Donation], None]:
    def operation(session: Session, client: stripe.StripeClient, donation: Donation) -> None:
        _apply(session, donation, call(client, str(donation.stripe_subscription_id)))

    operation.__name__ = call.__name__
    return operation


pause = _subscription_call(stripe_api.pause_subscription)
pause.__doc__ = "Stop collecting the monthly gift until it is resumed."
resume = _subscription_call(stripe_api.resume_subscription)
resume.__doc__ = "Collect the monthly gift again from the next payment."
stop = _subscription_call(stripe_api.cancel_subscription)
stop.__doc__ = "Stop the monthly gift now (the webhook then records it stopped)."


def billing_portal_url(
    client: stripe.StripeClient, donors: list[Donor], livemode: bool, return_url: str, configuration: str | None
) -> str | None:
    """Stripe's billing portal for the donor's card or IBAN, or None when no gift of theirs has a customer
    in this mode."""
    customer = records.billing_customer(donors, livemode)
    if customer is None:
        return None
    portal = stripe_api.create_billing_portal_session(client, customer, return_url, configuration)
    return str(portal["url"])


def purge_personal_data(
    session: Session, client: stripe.StripeClient, now: dt.datetime, event_payload_days: int
) -> erasure.PurgeReport:
    """Personal data past its retention (`flask donations purge-personal-data` and its schedule):
    `erasure.purge_expired`, an erased donor's Stripe customer deleted too. The caller commits, or
    rolls back on PaymentServiceError (Stripe unreachable: nothing is purged)."""
    return erasure.purge_expired(
        session,
        now,
        lambda customer: stripe_api.delete_customer(client, customer),
        event_payload_days=event_payload_days,
    )
