"""The failed payments still waiting (their gift is not over): the list the dashboard's count opens."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.finance.dashboard import OVER
from donations.models import Donation, DonorIdentity, Payment, PaymentStatus

LISTED = 200


@dataclass(frozen=True)
class FailedPayment:
    """A payment that did not go through, with the gift it belongs to."""

    payment: Payment
    donation: Donation

    @property
    def donor_name(self) -> str:
        given = DonorIdentity.from_json(self.donation.identity)
        return given.company_name or f"{given.first_name} {given.last_name}".strip()


def failed_waiting(session: Session, limit: int = LISTED) -> list[FailedPayment]:
    """The newest failed payments whose gift is not over, as the dashboard counts them."""
    rows = session.execute(
        select(Payment, Donation)
        .join(Donation, Donation.id == Payment.donation_id)
        .where(Payment.status == PaymentStatus.FAILED, Donation.status.not_in(OVER))
        .order_by(Payment.created_at.desc(), Payment.id.desc())
        .limit(limit)
    ).all()
    return [FailedPayment(payment, donation) for payment, donation in rows]
