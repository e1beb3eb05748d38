"""The papers of offline gifts: finding a donor, receipts to post, cheque deposit slips.

Functions add and flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from donations.clock import utcnow
from donations.finance import audit
from donations.finance.offline_gifts import noon_in_paris
from donations.models import DepositSlip, Donor, Payment, PaymentMethod, Receipt, ReceiptStatus, StaffUser
from donations.receipting.pdfs import pdf_or_report
from donations.receipting.service import ReceiptEffects
from receipts.document.deposit_slip import Cheque, draw_deposit_slip
from receipts.document.postal import PostedReceipt, postal_batch_pdf
from receipts.document.snapshot import DonorMentions
from receipts.issuing import IssuingContext, issue_for_payment


class DepositRefused(Exception):
    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


def search_donors(session: Session, query: str, limit: int = 20) -> list[Donor]:
    """Donors whose name, company, email, SIREN or postal code contains the words typed (each of them)."""
    words = [w for w in query.lower().split() if w][:5]
    if not words:
        return []
    statement = select(Donor).where(Donor.erased_at.is_(None))
    for word in words:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        statement = statement.where(
            or_(
                func.lower(Donor.last_name).like(like),
                func.lower(Donor.first_name).like(like),
                func.lower(Donor.company_name).like(like),
                func.lower(Donor.email).like(like),
                Donor.siren.like(like),
                Donor.postal_code.like(like),
                func.lower(Donor.city).like(like),
            )
        )
    return list(session.scalars(statement.order_by(Donor.last_name, Donor.first_name, Donor.id).limit(limit)))


def receipts_to_post(session: Session, include_printed: bool) -> list[Receipt]:
    """Issued receipts of donors without email (not printed yet, unless asked), oldest first."""
    statement = (
        select(Receipt)
        .join(Donor, Donor.id == Receipt.donor_id)
        .where(Receipt.status == ReceiptStatus.ISSUED, Donor.email == "")
    )
    if not include_printed:
        statement = statement.where(Receipt.posted_at.is_(None))
    return list(session.scalars(statement.order_by(Receipt.year, Receipt.sequence)))


def postal_batch(session: Session, include_printed: bool) -> tuple[bytes, list[str]]:
    """One PDF of every receipt to post, each behind its window-envelope letter; marks them printed.

    Raises `ReceiptUnavailable` when a receipt's PDF cannot be drawn.
    """
    receipts = receipts_to_post(session, include_printed)
    posted = [PostedReceipt(r.number, DonorMentions.from_json(r.snapshot["donor"]), pdf_or_report(r)) for r in receipts]
    if not posted:
        return b"", []
    config = current_app.config
    pdf = postal_batch_pdf(config["FOUNDATION_NAME"], config["FOUNDATION_ADDRESS"], posted)
    now = utcnow()
    for receipt in receipts:
        receipt.posted_at = now
    session.flush()
    return pdf, [r.number for r in receipts]


def cheques_to_deposit(session: Session, until: dt.date | None = None) -> list[Payment]:
    """Cheques received (up to `until`) and on no deposit slip yet; a cancelled cheque is never deposited."""
    statement = select(Payment).where(
        Payment.method == PaymentMethod.CHEQUE, Payment.deposit_slip_id.is_(None), Payment.refunded_cents == 0
    )
    if until is not None:
        statement = statement.where(Payment.cheque_received_on <= until)
    return list(session.scalars(statement.order_by(Payment.cheque_received_on, Payment.id)))


def make_deposit_slip(
    session: Session, deposited_on: dt.date, staff: StaffUser | None, ip: str | None, ctx: IssuingContext
) -> tuple[DepositSlip, ReceiptEffects]:
    """Group every cheque received up to `deposited_on` and not yet deposited into one slip; a cheque
    whose receipt waited for its cashing (CHEQUE_TAX_DATE=cashed) is receipted now, dated that day."""
    cheques = cheques_to_deposit(session, deposited_on)
    if not cheques:
        raise DepositRefused(_l("No cheque received by that date is waiting to be deposited."))
    slip = DepositSlip(deposited_on=deposited_on, created_by_id=staff.id if staff else None)
    session.add(slip)
    session.flush()
    effects = ReceiptEffects()
    for cheque in cheques:
        cheque.deposit_slip_id = slip.id
        if cheque.received_on is None:
            cheque.received_on, cheque.received_at = deposited_on, noon_in_paris(deposited_on)
            session.flush()
            issued = issue_for_payment(session, cheque, ctx)
            if issued is not None:
                effects.issued.append(issued)
    session.flush()
    session.refresh(slip)
    audit.record(
        session,
        staff,
        audit.DEPOSIT_SLIP_CREATED,
        ("deposit_slip", slip.number),
        ip,
        {
            "cheques": len(cheques),
            "total_cents": slip.total_cents,
            "payments": [c.id for c in cheques],
            "receipts": [item.receipt.number for item in effects.issued],
        },
    )
    return slip, effects


def _drawer(payment: Payment) -> str:
    identity = payment.donation.given_identity
    return identity.company_name or f"{identity.first_name} {identity.last_name}".strip()


def deposit_slip_pdf(slip: DepositSlip) -> bytes:
    """The slip as the bank takes it."""
    cheques = [Cheque(p.reference or "", p.cheque_bank or "", _drawer(p), p.amount_cents) for p in slip.cheques]
    return draw_deposit_slip(current_app.config["FOUNDATION_NAME"], slip.number, slip.deposited_on, cheques)
