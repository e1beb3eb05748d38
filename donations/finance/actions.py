"""What finance does to a donation: resend or cancel a receipt, refund a payment, stop a monthly gift.

Each function checks the action is allowed, does it, and records it in the
audit trail; the view commits, then runs what must wait for the commit
(emails, stored PDFs). Refunds and subscription stops go through Stripe:
Stripe's webhooks then move payments, donations and receipts as for any
refund or stop, so the back office never cancels a receipt for a refund itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import stripe
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from donations.finance import audit
from donations.models import (
    Donation,
    DonationKind,
    DonationStatus,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptKind,
    StaffUser,
)
from donations.platform import stripe_api as payments
from donations.receipting.service import ReceiptEffects
from receipts import issuing
from receipts.issuing import IssuingContext, cancel_receipt


class ActionRefused(Exception):
    """The action cannot be done as asked; the message (translated lazily) says why."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Actor:
    """Who acts and from where, as the audit trail records it."""

    staff: StaffUser
    ip: str | None


def resend_receipt(session: Session, receipt: Receipt, actor: Actor) -> None:
    """Mark the receipt's email as owed again; the caller queues the send once committed.

    `emailed_at` keeps meaning "last emailed at": it is cleared here and set by
    the email job only when the message has really left; a failed send stays
    owed and `flask receipts send-pending` finishes it.
    """
    if not receipt.is_issued:
        raise ActionRefused(_l("A cancelled receipt is not sent again."))
    previous = receipt.emailed_at.isoformat() if receipt.emailed_at else None
    receipt.emailed_at = None
    audit.record(session, actor.staff, audit.RECEIPT_RESENT, receipt, actor.ip, {"previously_emailed_at": previous})


def cancel_with_reason(
    session: Session, receipt: Receipt, reason: str, kept_cents: int | None, ctx: IssuingContext, actor: Actor
) -> ReceiptEffects:
    """Cancel a receipt; when the foundation keeps part of the gift, issue a per-gift replacement for it.

    The donor is told after the commit (`ReceiptEffects.after_commit`): the
    replacement's email, or a cancellation notice giving `reason`.
    """
    if not receipt.is_issued:
        raise ActionRefused(_l("This receipt is already cancelled."))
    kept = kept_cents or 0
    if kept and receipt.kind != ReceiptKind.PER_GIFT:
        raise ActionRefused(_l("An annual receipt can only be cancelled; its replacement comes from its payments."))
    if kept >= receipt.amount_cents:
        raise ActionRefused(_l("The amount kept must be less than the receipt's amount."))
    effects = ReceiptEffects()
    cancel_receipt(receipt, reason, ctx.now)
    session.flush()
    replacement = None
    if kept:
        replacement = issuing.issue_replacement(session, receipt, ctx, kept)
        assert replacement is not None
        effects.issued.append(replacement)
    else:
        effects.cancelled.append(receipt.id)
    audit.record(
        session,
        actor.staff,
        audit.RECEIPT_CANCELLED,
        receipt,
        actor.ip,
        {"reason": reason, "kept_cents": kept, "replacement": replacement.receipt.number if replacement else None},
    )
    return effects


def request_refund(
    session: Session, client: stripe.StripeClient, payment: Payment, amount_cents: int, token: str, actor: Actor
) -> dict[str, Any]:
    """Ask Stripe to refund `amount_cents` of the payment; returns Stripe's refund.

    The idempotency key comes from the confirmation form's one-time token: a
    double submit refunds once. Receipts follow when Stripe's charge.refunded
    webhook arrives.
    """
    if payment.status != PaymentStatus.SUCCEEDED or not payment.stripe_payment_intent_id:
        raise ActionRefused(_l("Only a payment received through Stripe can be refunded."))
    if payment.disputed:
        raise ActionRefused(_l("This payment is disputed: its bank handles the money."))
    if not 0 < amount_cents <= payment.kept_cents:
        raise ActionRefused(_l("The refund must be more than zero and at most what is kept of the payment."))
    key = f"finance-refund-{payment.id}-{token}"
    try:
        refund = payments.refund_payment(client, payment.stripe_payment_intent_id, amount_cents, key)
    except payments.PaymentServiceError as error:
        raise ActionRefused(_l("Stripe refused the refund: %(reason)s", reason=error.user_message)) from error
    asked = audit.entries_about(session, [audit.target_of(payment)], [audit.REFUND_REQUESTED])  # type: ignore[list-item]
    if any(entry.details.get("refund") == refund.get("id") for entry in asked):
        return refund  # a double submit: Stripe answered with the refund already recorded
    audit.record(
        session,
        actor.staff,
        audit.REFUND_REQUESTED,
        payment,
        actor.ip,
        {
            "donation": payment.donation.public_id,
            "amount_cents": amount_cents,
            "refund": refund.get("id"),
            "status": refund.get("status"),
        },
    )
    return refund


def cancel_monthly(session: Session, client: stripe.StripeClient, donation: Donation, actor: Actor) -> None:
    """Stop a monthly gift at Stripe; the customer.subscription.deleted webhook marks it stopped."""
    if donation.kind != DonationKind.MONTHLY or not donation.stripe_subscription_id:
        raise ActionRefused(_l("Only a monthly gift can be stopped."))
    if donation.status not in (DonationStatus.ACTIVE, DonationStatus.PAUSED, DonationStatus.FAILED):
        raise ActionRefused(_l("This monthly gift is not running."))
    try:
        subscription = payments.cancel_subscription(client, donation.stripe_subscription_id)
    except payments.PaymentServiceError as error:
        raise ActionRefused(_l("Stripe refused to stop the gift: %(reason)s", reason=error.user_message)) from error
    audit.record(
        session,
        actor.staff,
        audit.MONTHLY_CANCEL_REQUESTED,
        donation,
        actor.ip,
        {"subscription": donation.stripe_subscription_id, "status": subscription.get("status")},
    )


@dataclass(frozen=True)
class PendingRequest:
    """A refund or a stop asked of Stripe whose webhook has not come yet."""

    action: str
    at: dt.datetime
    amount_cents: int | None
    payment_id: int | None


def pending_requests(session: Session, donation: Donation) -> list[PendingRequest]:
    """What finance asked Stripe for this donation that the webhooks do not show yet."""
    targets = [("payment", str(p.id)) for p in donation.payments] + [("donation", donation.public_id)]
    entries = audit.entries_about(session, targets, (audit.REFUND_REQUESTED, audit.MONTHLY_CANCEL_REQUESTED))
    pending = []
    asked: dict[int, int] = {}
    by_id = {str(p.id): p for p in donation.payments}
    for entry in entries:
        if entry.action == audit.REFUND_REQUESTED and entry.target_id in by_id:
            payment = by_id[entry.target_id]
            asked[payment.id] = asked.get(payment.id, 0) + int(entry.details.get("amount_cents") or 0)
            # Refunds only add up: while Stripe's refunded total is below what was asked, one is on its way.
            if payment.refunded_cents < asked[payment.id]:
                pending.append(PendingRequest(entry.action, entry.at, entry.details.get("amount_cents"), payment.id))
        elif entry.action == audit.MONTHLY_CANCEL_REQUESTED and donation.status != DonationStatus.CANCELLED:
            pending.append(PendingRequest(entry.action, entry.at, None, None))
    return pending
