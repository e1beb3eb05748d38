"""What finance reads of the giving extras: totals per campaign (with the visits' sources) and per tribute.

Only settled payments count, refunds deducted. A tribute's list names its
donors but shows a donor's amount only when that donor chose to show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from donations.giving.campaigns import Progress, all_campaigns, default_campaign, progress_of
from donations.giving.tributes import donor_display_name
from donations.models import Campaign, Donation, Payment, PaymentStatus, TributeKind

_KEPT = func.coalesce(func.sum(Payment.amount_cents - Payment.refunded_cents), 0)


@dataclass(frozen=True)
class SourceLine:
    source: str
    medium: str
    gifts: int
    raised_cents: int


@dataclass(frozen=True)
class CampaignLine:
    campaign: Campaign
    progress: Progress
    fees_covered_cents: int
    sources: list[SourceLine]


def campaign_report(session: Session) -> list[CampaignLine]:
    """Each campaign: raised, donors, gifts, goal, the fees donors covered, and its gifts by UTM source."""
    lines = []
    default_campaign(session)  # listed even before its first gift
    for campaign in all_campaigns(session):
        paid = (
            select(Donation.id)
            .join(Payment.donation)
            .where(Donation.campaign_id == campaign.id, Payment.status == PaymentStatus.SUCCEEDED)
            .distinct()
            .scalar_subquery()
        )
        fees = (
            session.scalar(select(func.coalesce(func.sum(Donation.fees_covered_cents), 0)).where(Donation.id.in_(paid)))
            or 0
        )
        rows = session.execute(
            select(Donation.utm_source, Donation.utm_medium, func.count(distinct(Donation.id)), _KEPT)
            .join(Payment.donation)
            .where(Donation.campaign_id == campaign.id, Payment.status == PaymentStatus.SUCCEEDED)
            .group_by(Donation.utm_source, Donation.utm_medium)
            .order_by(_KEPT.desc())
        ).all()
        sources = [
            SourceLine(source or "", medium or "", int(gifts), int(kept)) for source, medium, gifts, kept in rows
        ]
        lines.append(CampaignLine(campaign, progress_of(session, campaign), int(fees), sources))
    return lines


@dataclass(frozen=True)
class TributeGift:
    public_id: str
    donor_name: str
    received_on: object
    # None when the donor did not choose to show their amount.
    shown_cents: int | None
    notified: bool


@dataclass
class TributeLine:
    kind: TributeKind
    name: str
    gifts: int = 0
    total_cents: int = 0
    donations: list[TributeGift] = field(default_factory=list)


def tribute_report(session: Session) -> list[TributeLine]:
    """Paid gifts made in someone's name, grouped by kind and name (spelling and case aside): the
    number of gifts and their total, then each gift's donor (amount only when shown)."""
    rows = session.execute(
        select(Donation, _KEPT, func.min(Payment.received_on))
        .join(Payment.donation)
        .where(Donation.tribute_kind.is_not(None), Payment.status == PaymentStatus.SUCCEEDED)
        .group_by(Donation.id)
        # Oldest first: a group is named as its first gift spelled the name.
        .order_by(func.min(Payment.received_on), Donation.id)
    ).all()
    groups: dict[tuple[TributeKind, str], TributeLine] = {}
    for donation, kept, received_on in rows:
        name = " ".join((donation.tribute_name or "").split())
        key = (donation.tribute_kind, name.casefold())
        line = groups.setdefault(key, TributeLine(kind=donation.tribute_kind, name=name))  # type: ignore[arg-type]
        line.gifts += 1
        line.total_cents += int(kept)
        line.donations.append(
            TributeGift(
                public_id=donation.public_id,
                donor_name=donor_display_name(donation),
                received_on=received_on,
                shown_cents=int(kept) if donation.tribute_show_amount else None,
                notified=donation.tribute_notified_at is not None,
            )
        )
    for line in groups.values():
        line.donations.reverse()  # newest first
    return sorted(groups.values(), key=lambda line: (-line.total_cents, line.name.casefold()))
