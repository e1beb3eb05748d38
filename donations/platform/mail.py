"""Sending email: a message from the templates of `templates/email/`, delivered over SMTP.

Without MAIL_SERVER (in development) messages are written to the log instead of
being sent. What each email says lives with its area (`receipting.emails`,
`portal.sign_in`).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from flask import current_app, render_template

from donations.config import mail_security

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
        return smtplib.SMTP_SSL(
            config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout, context=tls_context(config)
        )
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
        log.info(
            "email not sent (no MAIL_SERVER): to=%s subject=%s\n%s",
            message["To"],
            message["Subject"],
            body.get_content() if body else "",
        )
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


def message(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(render_template(f"email/{template}.txt", **context))
    message.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return message
