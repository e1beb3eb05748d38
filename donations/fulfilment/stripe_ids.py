"""Each Stripe object belongs to one donation: an event naming a donation with another's objects is refused.

A Checkout Session, PaymentIntent or Subscription id is unique to its
donation (the columns say so too), and a payment belongs to the donation it
was recorded for. An event whose metadata names donation A while carrying
donation B's objects (or objects other than A's own) would either break a
unique column or move A by B's money; it is refused before anything is
written, and `donations.fulfilment.events` records it as rejected.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.models import Donation, Payment


class EventConflict(Exception):
    """The event names a donation whose Stripe objects are others: applying it would mix two gifts.

    Raised before anything is written for good; the caller rolls back and
    records the event as rejected (it would conflict on every delivery).
    """


def take_stripe_id(session: Session, donation: Donation, attribute: str, value: str | None) -> None:
    """Give the donation its Stripe id `attribute` (a Checkout Session, PaymentIntent or Subscription),
    unless it already has another one or another donation has this one."""
    if not value:
        return
    current = getattr(donation, attribute)
    if current is not None and current != value:
        raise EventConflict(f"donation {donation.public_id} has {attribute} {current}, the event names {value}")
    if current is None:
        column = getattr(Donation, attribute)
        other = session.scalar(select(Donation.public_id).where(column == value, Donation.id != donation.id))
        if other is not None:
            raise EventConflict(
                f"{value} is the {attribute} of donation {other}, the event names donation {donation.public_id}"
            )
        setattr(donation, attribute, value)


def own_payment(donation: Donation, payment: Payment | None) -> Payment | None:
    """A payment found by its Stripe ids, refused when it is another donation's."""
    if payment is not None and payment.donation_id not in (None, donation.id):
        raise EventConflict(
            f"payment {payment.id} is another donation's, the event names donation {donation.public_id}"
        )
    return payment
