"""A change a donor makes to a monthly gift shows at once, as Stripe answered it, marked
as awaiting confirmation until the webhook confirms it (the webhook stays the record).

The donation's own status and amount move only with the webhook, as before; the
answer Stripe gave to the portal's request is kept beside them and shown instead
while they differ.
"""

from __future__ import annotations

from typing import Any

from donations.models import Donation, DonationStatus

# Once the webhook said a gift is stopped, nothing a portal request answered can matter.
_FINAL = frozenset({DonationStatus.CANCELLED, DonationStatus.REFUNDED})


def _answered_status(subscription: dict[str, Any]) -> DonationStatus | None:
    status = subscription.get("status")
    if status in ("canceled", "incomplete_expired"):
        return DonationStatus.CANCELLED
    if status in ("active", "trialing", "past_due"):
        return DonationStatus.PAUSED if subscription.get("pause_collection") else DonationStatus.ACTIVE
    return None


def _answered_amount(subscription: dict[str, Any]) -> int | None:
    items = (subscription.get("items") or {}).get("data") or []
    amount = ((items[0].get("price") or {}).get("unit_amount")) if items else None
    return amount if isinstance(amount, int) and amount > 0 else None


def record_answer(donation: Donation, subscription: dict[str, Any]) -> None:
    """Keep what Stripe answered to the donor's change, where it differs from what the webhook confirmed."""
    status, amount = _answered_status(subscription), _answered_amount(subscription)
    if status is not None and status != donation.status and donation.can_move_to(status):
        donation.awaited_status = status
    elif status == donation.status:
        donation.awaited_status = None
    if amount is not None and status != DonationStatus.CANCELLED:
        donation.awaited_amount_cents = amount if amount != donation.amount_cents else None


def confirm(donation: Donation) -> None:
    """After a webhook moved the gift: drop what it has now confirmed (or made moot)."""
    if donation.status in _FINAL or donation.awaited_status == donation.status:
        donation.awaited_status = None
    if donation.status in _FINAL or donation.awaited_amount_cents == donation.amount_cents:
        donation.awaited_amount_cents = None


def shown_status(donation: Donation) -> DonationStatus:
    """The state to show the donor: Stripe's answer to their change until the webhook confirms it."""
    return donation.awaited_status or donation.status


def shown_amount(donation: Donation) -> int:
    return donation.awaited_amount_cents or donation.amount_cents


def awaiting_confirmation(donation: Donation) -> bool:
    return donation.awaited_status is not None or donation.awaited_amount_cents is not None


# A monthly gift in these states still takes payments, so its card or IBAN may be changed.
_TAKES_PAYMENTS = frozenset(
    {DonationStatus.ACTIVE, DonationStatus.PAUSED, DonationStatus.PROCESSING, DonationStatus.FAILED}
)


def card_update_applies(donations: list[Donation]) -> bool:
    """Whether a card or IBAN update means anything: a monthly gift still running (as last answered)."""
    return any(
        d.kind.value == "monthly" and d.stripe_customer_id and shown_status(d) in _TAKES_PAYMENTS for d in donations
    )
