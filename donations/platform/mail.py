"""Emails to donors: their receipt, or the notice that it was cancelled.

Messages are written in the donor's language. Without MAIL_SERVER (in
development) they are written to the log instead of being sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any, Mapping

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from donations.clock import utcnow
from donations.config import mail_security
from donations.extensions import db
from donations.platform.jobs import job
from donations.models import Receipt, ReceiptStatus
from donations.receipting.pdfs import pdf_or_report

log = logging.getLogger(__name__)


def tls_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    """A verifying TLS context for the mail relay: the system's CAs, or MAIL_CA_FILE's.

    Certificate and host name are both checked, so nobody on the path can read the
    relay password or the sign-in links by presenting a certificate of their own.
    """
    return ssl.create_default_context(cafile=config.get("MAIL_CA_FILE") or None)


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    """An SMTP connection secured as MAIL_SECURITY says; every wait bounded by MAIL_TIMEOUT."""
    security, timeout = mail_security(config), config.get("MAIL_TIMEOUT") or 10
    if security == "ssl":
        return smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, context=tls_context(config))
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
    if security == "starttls":
        try:
            smtp.starttls(context=tls_context(config))
        except BaseException:
            smtp.close()
            raise
    return smtp


def deliver(message: EmailMessage) -> None:
    """Send through the configured SMTP server, or log the message in development."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        # In development the log is the mailbox (sign-in links included); elsewhere it must not hold them.
        body = message.get_body(("plain",)) if config.get("ENV_NAME") != "production" else None
        log.info("email not sent (no MAIL_SERVER): to=%s subject=%s\n%s", message["To"], message["Subject"], body.get_content() if body else "")
        return
    with _connect(config) as smtp:
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)


def sender() -> str:
    """The From header: the foundation's name before the address, unless the setting names one already."""
    address = str(current_app.config["MAIL_DEFAULT_SENDER"])
    if "<" in address:
        return address
    return formataddr((str(current_app.config["FOUNDATION_NAME"]), address))


def donor_message(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    """A message to a donor from `email/<template>.txt` and `.html`, in the locale in force."""
    return _message(to, subject, template, **context)


def _message(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(render_template(f"email/{template}.txt", **context))
    message.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return message


@job("send_receipt_email")
def send_receipt_email(receipt_id: int) -> None:
    """Email an issued receipt with its PDF; records when it was sent."""
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None or receipt.emailed_at is not None or receipt.status != ReceiptStatus.ISSUED:
        return
    donor = receipt.donor
    with force_locale(donor.locale or "fr"):
        subject = _("Your tax receipt no. %(number)s", number=receipt.number)
        message = _message(donor.email, subject, "receipt", receipt=receipt, donor=donor)
    message.add_attachment(pdf_or_report(receipt), maintype="application", subtype="pdf", filename=f"recu-fiscal-{receipt.number}.pdf")
    deliver(message)
    now = utcnow()
    receipt.emailed_at = now
    if receipt.replaces is not None and receipt.replaces.cancel_notified_at is None:
        receipt.replaces.cancel_notified_at = now
    db.session.commit()
    log.info("receipt %s emailed", receipt.number)


@job("send_cancellation_email")
def send_cancellation_email(receipt_id: int) -> None:
    """Tell the donor a receipt was cancelled (refund or lost dispute)."""
    receipt = db.session.get(Receipt, receipt_id)
    if receipt is None or receipt.status != ReceiptStatus.CANCELLED or receipt.cancel_notified_at is not None:
        return
    donor = receipt.donor
    with force_locale(donor.locale or "fr"):
        subject = _("Your tax receipt no. %(number)s has been cancelled", number=receipt.number)
        reasons = {"Remboursement": _("a refund"), "Litige perdu": _("a payment dispute lost")}
        refund = (receipt.cancel_reason or "") in reasons
        reason = reasons.get(receipt.cancel_reason or "", receipt.cancel_reason or "")
        message = _message(donor.email, subject, "receipt_cancelled", receipt=receipt, donor=donor, reason=reason, refund=refund)
    deliver(message)
    receipt.cancel_notified_at = utcnow()
    db.session.commit()
    log.info("cancellation of receipt %s notified", receipt.number)


def send_pending() -> tuple[int, int]:
    """Send every receipt email and cancellation notice still owed; (sent, still pending)."""
    owed = db.session.scalars(
        select(Receipt.id).where(Receipt.status == ReceiptStatus.ISSUED, Receipt.emailed_at.is_(None)).order_by(Receipt.id)
    ).all()
    replacement = aliased(Receipt)
    notices = db.session.scalars(
        select(Receipt.id).where(
            Receipt.status == ReceiptStatus.CANCELLED,
            Receipt.cancel_notified_at.is_(None),
            ~exists().where(replacement.replaces_id == Receipt.id),
        )
    ).all()
    sent = pending = 0
    for receipt_id, function in [(r, send_receipt_email) for r in owed] + [(r, send_cancellation_email) for r in notices]:
        try:
            function(receipt_id)
            sent += 1
        except Exception:
            db.session.rollback()
            log.warning("email for receipt %s still pending", receipt_id, exc_info=True)
            pending += 1
    return sent, pending


@job("send_sign_in_email", secret_args=True)
def send_sign_in_email(email: str, token: str) -> None:
    """The donor portal's single-use sign-in link, in the donor's language."""
    from donations.portal.sign_in import LINK_LIFETIME, donor_for_email

    donor = donor_for_email(db.session, email)
    if donor is None:
        return
    link = f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/my/sign-in/{token}"
    with force_locale(donor.locale or "fr"):
        subject = _("Your sign-in link to your donor area")
        minutes = int(LINK_LIFETIME.total_seconds() // 60)
        message = _message(email, subject, "sign_in", donor=donor, link=link, minutes=minutes)
    deliver(message)
