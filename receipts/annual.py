"""The January batch: one annual recap per monthly donor and calendar year (per financial year for a company).

The batch of year Y recaps an individual's gifts of the calendar year Y, and
a company's gifts of its financial year that ends in Y (`receipts.financial_year`:
for a year ending 30/06, 1 July Y-1 to 30 June Y); it runs once Y has ended,
so every financial year it recaps has ended too. "The recap of year Y" is
the annual receipt whose period ends in Y.

Each donor's recap is issued and committed on its own, so a batch stopped
half-way (a crash, a killed worker) keeps what it issued and a new run
carries on where it stopped: payments already covered by an issued recap are
never listed twice, and a run with nothing left to do issues nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.orm import Session

from donations.models import (
    Donation,
    DonationKind,
    Donor,
    DonorIdentity,
    DonorType,
    Payment,
    PaymentStatus,
    Receipt,
    ReceiptKind,
    ReceiptStatus,
    receipt_payment,
)
from receipts import financial_year
from receipts.financial_year import CALENDAR_YEAR_END
from receipts.issuing import Issued, IssuingContext, cancel_receipt, new_receipt
from receipts.numbering import next_numbers

LATE_PAYMENT = "Remplacé : un versement de l'année reçu après ce reçu annuel"


class YearNotEnded(ValueError):
    """The recap of a year is issued once it has ended, from 1 January (Paris time)."""


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def recap_period(donor: Donor, year: int) -> tuple[dt.date, dt.date]:
    """The period of the donor's recap of batch year `year`: the financial year ending in it (the calendar year
    for an individual, or a company closing on 31/12)."""
    return financial_year.bounds(donor.financial_year_end or CALENDAR_YEAR_END, year)


def is_recap_of_year(snapshot: dict, year: int) -> bool:  # type: ignore[type-arg]
    """Whether a stored recap's period ends in `year` (the recap of that year's batch)."""
    period = snapshot.get("period") or [None, ""]
    return str(period[1])[:4] == str(year)


def check_year_ended(year: int, today: dt.date) -> None:
    """Refuse a recap of a year not over: its December gifts would get a second recap."""
    if year >= today.year:
        raise YearNotEnded(
            f"{year} has not ended (today is {today.isoformat()} in Paris): "
            f"its annual receipts can be issued from {year + 1}-01-01"
        )


def _monthly_payments_of_year(session: Session, year: int):  # type: ignore[no-untyped-def]
    """The monthly payments recapped by the batch of `year`: of the calendar year, or of the financial year
    ending in it for a company whose year ends on another day (found once, by its distinct year ends)."""
    query = (
        select(Payment).join(Donation, Payment.donation_id == Donation.id).where(Donation.kind == DonationKind.MONTHLY)
    )
    others = select(Donor.financial_year_end).where(Donor.financial_year_end != CALENDAR_YEAR_END)
    ends = set(session.scalars(others.distinct()))
    if not ends:  # every donor counts by calendar year: the one range on the payments' index
        start, end = year_bounds(year)
        return query.where(Payment.received_on >= start, Payment.received_on <= end)
    spans = {year_end: financial_year.bounds(year_end, year) for year_end in ends | {CALENDAR_YEAR_END}}
    return query.join(Donor, Donor.id == Donation.donor_id).where(
        Payment.received_on >= min(start for start, _ in spans.values()),
        Payment.received_on <= max(end for _, end in spans.values()),
        or_(
            *(
                and_(Donor.financial_year_end == year_end, Payment.received_on >= start, Payment.received_on <= end)
                for year_end, (start, end) in sorted(spans.items())
            )
        ),
    )


def _not_in_an_issued_recap():  # type: ignore[no-untyped-def]
    return ~exists(
        select(receipt_payment.c.payment_id)
        .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
        .where(
            receipt_payment.c.payment_id == Payment.id,
            Receipt.status == ReceiptStatus.ISSUED,
            Receipt.kind == ReceiptKind.ANNUAL,
        )
    )


def donors_due(session: Session, year: int) -> list[int]:
    """Ids of the donors with settled monthly payments of `year` not yet on a recap."""
    query = (
        _monthly_payments_of_year(session, year)
        .where(Payment.status == PaymentStatus.SUCCEEDED, Payment.refunded_cents < Payment.amount_cents)
        .where(_not_in_an_issued_recap())
        .with_only_columns(Donation.donor_id)
        .distinct()
        .order_by(Donation.donor_id)
    )
    return list(session.scalars(query))


def donors_waiting(session: Session, year: int) -> set[int]:
    """Donors with a monthly payment of `year` still on its way: their recap waits."""
    query = (
        _monthly_payments_of_year(session, year)
        .where(Payment.status == PaymentStatus.PROCESSING)
        .with_only_columns(Donation.donor_id)
        .distinct()
    )
    return set(session.scalars(query))


def issue_recaps(session: Session, year: int, donor_ids: Sequence[int], ctx: IssuingContext) -> list[Issued]:
    """The recaps of these donors for `year`, in the caller's transaction (which commits).

    Numbers are taken as one block for exactly the recaps issued, so a chunk
    either commits all its receipts and numbers or none. PDFs are not drawn
    here: the email job draws, stores and hashes each one.

    A donor whose recap of `year` is issued already and who has a payment of
    that year not on it (a SEPA debit settled late) gets a new recap with
    every payment, replacing the first, which is cancelled: never two recaps
    for one gift and year. Refuses a year not over (YearNotEnded).
    """
    check_year_ended(year, ctx.today)
    gifts = _hold_monthly_gifts(session, donor_ids)
    if not gifts:
        return []
    # The gifts' payments, found by their gifts' ids (the payments' donation index) with no join:
    # the plan stays an index lookup whatever the tables' statistics say (a join planned on the
    # statistics of a table just loaded compares every payment of the year with every gift).
    spans = {end: financial_year.bounds(end, year) for end in {gift.year_end for gift in gifts.values()}}
    payments = session.scalars(
        select(Payment).where(
            Payment.donation_id.in_(sorted(gifts)),
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.refunded_cents < Payment.amount_cents,
            Payment.received_on >= min(start for start, _ in spans.values()),
            Payment.received_on <= max(end for _, end in spans.values()),
        )
    ).all()
    rows = sorted(
        (
            (payment, gifts[payment.donation_id])
            for payment in payments
            if _within(payment.received_on, spans[gifts[payment.donation_id].year_end])
        ),
        key=lambda row: (row[1].donor_id, row[0].received_on, row[0].id),
    )
    # Payments already on an issued recap of these donors, found through the
    # donors' receipts (indexed) rather than a NOT EXISTS per payment, whose
    # plan goes wrong while the receipt tables' statistics are stale.
    covered = set(
        session.scalars(
            select(receipt_payment.c.payment_id)
            .join(Receipt, Receipt.id == receipt_payment.c.receipt_id)
            .where(
                Receipt.donor_id.in_(donor_ids),
                Receipt.status == ReceiptStatus.ISSUED,
                Receipt.kind == ReceiptKind.ANNUAL,
            )
        )
    )
    # One recap per donor and identity given: a gift made with someone else's
    # email under another name never lands on that person's recap.
    by_donor: dict[tuple[int, DonorIdentity], list[Payment]] = defaultdict(list)
    for payment, gift in rows:
        if payment.id not in covered:
            by_donor[(gift.donor_id, DonorIdentity.from_json(gift.identity))].append(payment)
    if not by_donor:
        return []
    donors = {d.id: d for d in session.scalars(select(Donor).where(Donor.id.in_({key[0] for key in by_donor})))}
    issued_before = _recaps_of_year(session, list(donors), year)
    plans = []
    for (donor_id, identity), payments in sorted(
        by_donor.items(), key=lambda item: (item[0][0], min(p.id for p in item[1]))
    ):
        period = recap_period(donors[donor_id], year)
        old = _recap_to_replace(issued_before.get(donor_id, []), identity, payments)
        if old is not None:
            # The replacement keeps the period the recap states (a company's year end may have been changed
            # since): the late payments join it when they fall within it, else they get a recap of their own.
            start, end = (dt.date.fromisoformat(day) for day in old.snapshot["period"])
            if all(start <= p.received_on <= end for p in payments):  # type: ignore[operator]
                period = (start, end)
                cancel_receipt(old, LATE_PAYMENT, ctx.now)
                payments = sorted(
                    [p for p in old.payments if p.kept_cents > 0] + payments, key=lambda p: (p.received_on, p.id)
                )
            else:
                old = None
        plans.append((donors[donor_id], identity, payments, old, period))
    numbers = next_numbers(session, ctx.today.year, len(plans))
    issued = [
        new_receipt(
            ctx,
            number,
            donor=donor,
            article="238 bis" if identity.donor_type == DonorType.COMPANY.value else "200",
            kind=ReceiptKind.ANNUAL,
            amount_cents=sum(p.kept_cents for p in payments),
            payments=payments,
            paid_on=None,
            period=period,
            replaces=old,
            livemode=all(p.livemode for p in payments),
            draw=False,
            link_payments=False,
            identity=identity,
        )
        for number, (donor, identity, payments, old, period) in zip(numbers, plans, strict=False)
    ]
    session.add_all([item.receipt for item in issued])
    session.flush()
    # Twelve links a donor: one bulk insert rather than one ORM collection each.
    session.execute(
        insert(receipt_payment),
        [
            {"receipt_id": item.receipt.id, "payment_id": payment.id}
            for item, (_donor, _identity, payments, _old, _period) in zip(issued, plans, strict=False)
            for payment in payments
        ],
    )
    return issued


def follow_late_payment(session: Session, payment: Payment, ctx: IssuingContext) -> list[Issued]:
    """A monthly payment of an ended year that settles after its recap was issued (a SEPA debit
    of late December): the recap is cancelled and replaced at once by one that includes it.

    Nothing when the year has no recap yet: the January batch will list the payment.
    """
    if (
        payment.donation.kind != DonationKind.MONTHLY
        or payment.status != PaymentStatus.SUCCEEDED
        or payment.received_on is None
    ):
        return []
    donor_id = payment.donation.donor_id
    year = financial_year.ending_year(
        payment.donation.donor.financial_year_end or CALENDAR_YEAR_END, payment.received_on
    )
    if year >= ctx.today.year or not _recaps_of_year(session, [donor_id], year):
        return []
    return issue_recaps(session, year, [donor_id], ctx)


def _recaps_of_year(session: Session, donor_ids: list[int], year: int) -> dict[int, list[Receipt]]:
    """The issued recaps of `year` of these donors (their periods end in `year`), by donor."""
    found: dict[int, list[Receipt]] = defaultdict(list)
    for receipt in session.scalars(
        select(Receipt).where(
            Receipt.donor_id.in_(donor_ids),
            Receipt.status == ReceiptStatus.ISSUED,
            Receipt.kind == ReceiptKind.ANNUAL,
            # A recap of `year` is issued once it has ended: older recaps (and their snapshots) are not read.
            Receipt.year > year,
        )
    ):
        if is_recap_of_year(receipt.snapshot, year):
            found[receipt.donor_id].append(receipt)
    return found


def _recap_to_replace(recaps: list[Receipt], identity: DonorIdentity, payments: list[Payment]) -> Receipt | None:
    """The recap these late payments belong on: the one of the same gift, else of the same identity."""
    gifts = {p.donation_id for p in payments}
    for recap in recaps:
        if gifts & {p.donation_id for p in recap.payments}:
            return recap
    for recap in recaps:
        if DonorIdentity.from_json(recap.snapshot["donor"]) == identity:
            return recap
    return None


class _Gift(NamedTuple):
    """A monthly gift held by a chunk: whose it is, in whose name, and the year its recap counts."""

    donor_id: int
    identity: Mapping[str, Any]
    year_end: str


def _within(day: dt.date | None, span: tuple[dt.date, dt.date]) -> bool:
    return day is not None and span[0] <= day <= span[1]


def _hold_monthly_gifts(session: Session, donor_ids: Sequence[int]) -> dict[int, _Gift]:
    """Lock the donors' monthly gifts until the chunk commits, before anything is read; the gifts by id.

    Two runs over the same donors (a batch started twice, a job redelivered
    while a rerun takes the same donors) then take turns: the second reads
    after the first committed and finds the payments covered. A refund or
    renewal being applied to one of these gifts, which locks the donation the
    same way, finishes first or waits for the recap.
    """
    gifts = Donation.donor_id.in_(donor_ids) & (Donation.kind == DonationKind.MONTHLY)
    query = (
        select(Donation.id, Donation.donor_id, Donation.identity, Donor.financial_year_end)
        .join(Donor, Donor.id == Donation.donor_id)
        .where(gifts)
        .order_by(Donation.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Donation.__table__, key_share=True)
    else:  # SQLite has no row locks: a write takes its one write lock now, and reads after it see the last commit
        session.execute(
            update(Donation)
            .where(gifts)
            .values(updated_at=Donation.updated_at)
            .execution_options(synchronize_session=False)
        )
    return {
        gift_id: _Gift(donor_id, identity, year_end or CALENDAR_YEAR_END)
        for gift_id, donor_id, identity, year_end in session.execute(query)
    }


def chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]
