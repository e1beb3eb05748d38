"""Emails about receipts: the receipt with its PDF, the notice that one was cancelled, and
those still owed (`flask receipts send-pending`). Jobs, run after the commit that issued them.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from donations.clock import utcnow
from donations.extensions import db
from donations.models import Donor, Receipt, ReceiptStatus
from donations.platform.mail import Mailer, message, prepared
from donations.platform.mail_bytes import Attachment, PreparedMail
from donations.receipting.pdfs import pdf_or_report, redraw_problem_pdfs, timestamp_missing_pdfs

log = logging.getLogger(__name__)


def send_receipt_email(receipt_id: int, mailer: Mailer | None = None) -> None:
    """Email an issued receipt with its PDF; records when it was sent.

    On `mailer`'s connection when given (a batch of emails), else on one of its own.
    """
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None or receipt.emailed_at is not None or receipt.status != ReceiptStatus.ISSUED:
        return
    if not receipt.donor.email:
        return  # a donor without email gets the receipt by post (the printable batch)
    mail = receipt_email(receipt, pdf_or_report(receipt))
    with nullcontext(mailer) if mailer is not None else Mailer() as connection:
        connection.send(mail)
    mark_emailed(receipt)
    db.session.commit()


def receipt_email(receipt: Receipt, pdf: bytes) -> PreparedMail:
    """The email of an issued receipt, in its donor's language, with its PDF attached (written straight
    to its bytes when sent: the January batch sends 100 000 of them)."""
    donor = receipt.donor
    attachment = Attachment(pdf, "application", "pdf", f"recu-fiscal-{receipt.number}.pdf")
    with force_locale(donor.locale or "fr"):
        subject = _("Your tax receipt no. %(number)s", number=receipt.number)
        return prepared(donor.email, subject, "receipt", receipt=receipt, donor=donor).attached(attachment)


def mark_emailed(receipt: Receipt) -> None:
    """Record that the receipt's email left (and, for a replacement, that it told of the cancellation)."""
    now = utcnow()
    receipt.emailed_at = now
    if receipt.replaces is not None and receipt.replaces.cancel_notified_at is None:
        receipt.replaces.cancel_notified_at = now
    log.info("receipt %s emailed", receipt.number)


def send_cancellation_email(receipt_id: int, mailer: Mailer | None = None) -> None:
    """Tell the donor a receipt was cancelled (refund or lost dispute); on `mailer`'s connection when given."""
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None or receipt.status != ReceiptStatus.CANCELLED or receipt.cancel_notified_at is not None:
        return
    donor = receipt.donor
    if not donor.email:
        return  # nothing to send: finance tells a donor without email by post
    with force_locale(donor.locale or "fr"):
        subject = _("Your tax receipt no. %(number)s has been cancelled", number=receipt.number)
        reasons = {"Remboursement": _("a refund"), "Litige perdu": _("a payment dispute lost")}
        refund = (receipt.cancel_reason or "") in reasons
        reason = reasons.get(receipt.cancel_reason or "", receipt.cancel_reason or "")
        mail = message(
            donor.email, subject, "receipt_cancelled", receipt=receipt, donor=donor, reason=reason, refund=refund
        )
    with nullcontext(mailer) if mailer is not None else Mailer() as connection:
        connection.send(mail)
    receipt.cancel_notified_at = utcnow()
    db.session.commit()
    log.info("cancellation of receipt %s notified", receipt.number)


def send_pending() -> tuple[int, int]:
    """Send every receipt email, cancellation notice and tribute notice still owed; (sent, still pending)."""
    from donations.giving.tributes import owed_notice_ids, send_tribute_notice

    tributes = [
        (d, send_tribute_notice) for d in owed_notice_ids(db.session)
    ]  # the notices of gifts made in someone's name
    owed = db.session.scalars(
        select(Receipt.id)
        .join(Donor, Donor.id == Receipt.donor_id)
        .where(Receipt.status == ReceiptStatus.ISSUED, Receipt.emailed_at.is_(None), Donor.email != "")
        .order_by(Receipt.id)
    ).all()
    replacement = aliased(Receipt)
    notices = db.session.scalars(
        select(Receipt.id)
        .join(Donor, Donor.id == Receipt.donor_id)
        .where(
            Donor.email != "",
            Receipt.status == ReceiptStatus.CANCELLED,
            Receipt.cancel_notified_at.is_(None),
            ~exists().where(replacement.replaces_id == Receipt.id),
        )
    ).all()
    sent = pending = 0
    with Mailer() as mailer:  # one connection for them all, opened again if the server drops it
        jobs = [(r, send_receipt_email) for r in owed] + [(r, send_cancellation_email) for r in notices]
        for receipt_id, function in jobs:
            try:
                function(receipt_id, mailer)
                sent += 1
            except Exception:
                db.session.rollback()
                log.warning("email for receipt %s still pending", receipt_id, exc_info=True)
                pending += 1
    for donation_id, notice in tributes:
        try:
            notice(donation_id)
            sent += 1
        except Exception:
            db.session.rollback()
            log.warning("tribute notice of donation %s still pending", donation_id, exc_info=True)
            pending += 1
    return sent, pending


@dataclass(frozen=True)
class StillOwed:
    """What `catch_up` did: PDFs drawn and stored again, still failing; PDFs signed again with a
    timestamp, still without one; emails sent, still pending."""

    stored: int
    failing: int
    timestamped: int
    untimestamped: int
    sent: int
    pending: int

    @property
    def done(self) -> bool:
        return not (self.failing or self.pending)


def catch_up() -> StillOwed:
    """`flask receipts send-pending` and its schedule: store the PDFs whose last attempt failed, sign
    again with a timestamp those signed while the TSA was down, then send every email still owed
    (after an SMTP outage or a storage failure)."""
    stored, failing = redraw_problem_pdfs()
    timestamped, untimestamped = timestamp_missing_pdfs()
    sent, pending = send_pending()
    return StillOwed(stored, failing, timestamped, untimestamped, sent, pending)
