"""Bank statements: the credits of a camt.053 (ISO 20022) or CSV statement, matched to announced transfers.

A transfer announced on the web is a pending donation with a reference the
donor writes on the transfer (`DON-` and eight characters). Each credit read
from a statement is kept once (by the bank's entry reference, or a fingerprint
of the line), then matched by that reference and the amount: a match is
recorded as the gift's payment and receipted at once; anything else is listed
for finance to match by hand. The XML is read with defusedxml (no entities, no
external references): a statement is a file from outside.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from donations.finance import audit
from donations.finance.offline_gifts import GiftRefused, OfflineGift, Recording, record_offline_gift
from donations.finance.statement_files import (  # noqa: F401  (moved there)
    _ALPHABET,
    _CSV_NAMES,
    REFERENCE,
    StatementCredit,
    StatementUnreadable,
    _all,
    _booked,
    _cents,
    _csv_day,
    _day,
    _details_of,
    _find,
    _local,
    _text,
    new_transfer_reference,
    parse_camt053,
    parse_statement_csv,
    read_statement,
    reference_in,
)
from donations.models import (
    BankCredit,
    BankCreditStatus,
    Donation,
    DonationChannel,
    DonationStatus,
    Payment,
    PaymentMethod,
    StaffUser,
)
from donations.receipting.service import ReceiptEffects


@dataclass
class StatementReport:
    """What an import did: credits matched (with their payment), left for finance, or already known."""

    matched: list[BankCredit] = field(default_factory=list)
    unmatched: list[BankCredit] = field(default_factory=list)
    known: int = 0
    effects: ReceiptEffects = field(default_factory=ReceiptEffects)


def announced_transfer(session: Session, reference: str) -> Donation | None:
    """The transfer announced on the web under this reference, still waiting for its money."""
    return session.scalars(
        select(Donation).where(
            Donation.transfer_reference == reference,
            Donation.channel == DonationChannel.TRANSFER,
            Donation.status == DonationStatus.PENDING,
        )
    ).first()


def settle_transfer(
    session: Session,
    credit: BankCredit,
    donation: Donation,
    now: Recording,
    effects: ReceiptEffects,
    staff: StaffUser | None,
    ip: str | None,
) -> Payment:
    """Record the credit as the announced transfer's payment (receipted at once); raises GiftRefused."""
    gift = OfflineGift(
        method=PaymentMethod.TRANSFER,
        amount_cents=credit.amount_cents,
        received_on=credit.booked_on,
        identity=donation.given_identity,
        email=donation.donor.email,
        reference=donation.transfer_reference or "",
        scheme=donation.tax_scheme,
    )
    payment = record_offline_gift(
        session,
        gift,
        rules=now.rules,
        ctx=now.ctx,
        livemode=donation.livemode,
        effects=effects,
        staff=staff,
        ip=ip,
        donation=donation,
        audit_details={"bank_credit": credit.id},
    )
    credit.payment_id = payment.id
    credit.status = BankCreditStatus.MATCHED
    session.flush()
    return payment


def import_statement(
    session: Session,
    credits: Iterable[StatementCredit],
    source: str,
    now: Recording,
    staff: StaffUser | None,
    ip: str | None,
) -> StatementReport:
    """Keep each new credit and match it to an announced transfer by reference and amount; the caller
    commits, then runs `report.effects.after_commit()`."""
    report = StatementReport()
    seen: dict[tuple[Any, ...], int] = {}
    for credit in credits:
        identity = (credit.booked_on, credit.amount_cents, credit.reference, credit.debtor_name, credit.bank_ref)
        seen[identity] = seen.get(identity, 0) + 1
        key = credit.key(seen[identity])
        if session.scalars(select(BankCredit.id).where(BankCredit.entry_key == key)).first() is not None:
            report.known += 1
            continue
        row = BankCredit(
            entry_key=key,
            booked_on=credit.booked_on,
            amount_cents=credit.amount_cents,
            reference=credit.reference[:140],
            debtor_name=credit.debtor_name[:140],
            statement=source[:140],
        )
        session.add(row)
        session.flush()
        reference = reference_in(credit.reference)
        donation = announced_transfer(session, reference) if reference else None
        if donation is not None and donation.amount_cents == credit.amount_cents:
            try:
                settle_transfer(session, row, donation, now, report.effects, staff, ip)
                report.matched.append(row)
                continue
            except GiftRefused:
                pass
        report.unmatched.append(row)
    audit.record(
        session,
        staff,
        audit.BANK_STATEMENT_IMPORTED,
        None,
        ip,
        {
            "statement": source[:140],
            "matched": [c.id for c in report.matched],
            "unmatched": [c.id for c in report.unmatched],
            "already_known": report.known,
        },
    )
    return report


def transfers_waiting(session: Session, limit: int = 200) -> list[Donation]:
    """The transfers announced on the web and not received yet, oldest first."""
    return list(
        session.scalars(
            select(Donation)
            .where(
                Donation.channel == DonationChannel.TRANSFER,
                Donation.status == DonationStatus.PENDING,
                Donation.transfer_reference.is_not(None),
            )
            .order_by(Donation.created_at, Donation.id)
            .limit(limit)
        )
    )


def credits_to_match(session: Session) -> list[BankCredit]:
    return list(
        session.scalars(
            select(BankCredit)
            .where(BankCredit.status == BankCreditStatus.UNMATCHED)
            .order_by(BankCredit.booked_on, BankCredit.id)
        )
    )


def match_by_hand(
    session: Session, credit: BankCredit, donation: Donation, now: Recording, staff: StaffUser | None, ip: str | None
) -> tuple[Payment, ReceiptEffects]:
    """Finance says which announced transfer a credit pays: it is recorded for the amount credited and
    receipted. Raises GiftRefused when the credit or the transfer is settled already."""
    from flask_babel import lazy_gettext as _l

    if credit.status != BankCreditStatus.UNMATCHED:
        raise GiftRefused(_l("This credit is already matched or set aside."))
    if donation.channel != DonationChannel.TRANSFER or donation.status != DonationStatus.PENDING:
        raise GiftRefused(_l("This transfer is not waiting for its money any more."))
    effects = ReceiptEffects()
    payment = settle_transfer(session, credit, donation, now, effects, staff, ip)
    audit.record(
        session,
        staff,
        audit.BANK_CREDIT_MATCHED,
        donation,
        ip,
        {"bank_credit": credit.id, "amount_cents": credit.amount_cents, "announced_cents": donation.amount_cents},
    )
    return payment, effects


def set_aside(session: Session, credit: BankCredit, staff: StaffUser | None, ip: str | None) -> None:
    """A credit that is no gift (a grant, a supplier's refund): kept, no longer listed to match."""
    if credit.status == BankCreditStatus.UNMATCHED:
        credit.status = BankCreditStatus.IGNORED
        audit.record(
            session, staff, audit.BANK_CREDIT_MATCHED, ("bank_credit", str(credit.id)), ip, {"set_aside": True}
        )
