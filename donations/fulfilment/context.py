"""What every handler is given, and what it answers; the receipt hooks it calls as money moves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import stripe
from sqlalchemy.orm import Session

from donations.models import Donation, EventOutcome, Payment


class ReceiptHooks(Protocol):
    """How receipts follow the money (`receipting.service.PaymentReceipts`); handlers call these
    once the payment's new state is flushed."""

    def payment_settled(self, payment: Payment) -> None:
        """The money arrived: issue its receipt (or replace a recap it belongs to)."""

    def payment_refunded(self, payment: Payment) -> None:
        """Money given back (a refund, a lost dispute): cancel, and replace for what is kept."""

    def refund_reversed(self, payment: Payment) -> None:
        """Money given back to the foundation after all (a refund failed, a dispute won on appeal)."""


@dataclass(frozen=True)
class Fulfilment:
    """What a handler needs: the database session, the Stripe client and the event's time."""

    session: Session
    client: stripe.StripeClient
    event_time: dt.datetime
    receipts: ReceiptHooks
    # Emails to donors (job name, arguments), queued once the transaction has committed.
    notices: list[tuple[Callable[..., None], tuple[Any, ...]]] = field(
        default_factory=list
    )  # jobs to queue after the commit


@dataclass(frozen=True)
class Applied:
    outcome: EventOutcome
    donation: Donation | None = None
    # The id of a donation the handler moved with one UPDATE, without loading it (`donation` is then None).
    moved_id: int | None = None

    @property
    def donation_id(self) -> int | None:
        """The id of the donation the event was about, loaded or not."""
        return self.donation.id if self.donation is not None else self.moved_id


IGNORED = Applied(EventOutcome.IGNORED)
