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
from donations.platform.mail_bytes import PreparedMail

# What `Mailer.send` takes: a message of the standard library, or one written straight to its bytes.
Outgoing = EmailMessage | PreparedMail

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


def _log_instead(config: Mapping[str, Any], outgoing: Outgoing) -> None:
    # In development the log is the mailbox (sign-in links included); elsewhere it must not hold them.
    message = outgoing.as_message() if isinstance(outgoing, PreparedMail) else outgoing
    body = message.get_body(("plain",)) if config.get("ENV_NAME") != "production" else None
    log.info(
        "email not sent (no MAIL_SERVER): to=%s subject=%s\n%s",
        message["To"],
        message["Subject"],
        body.get_content() if body else "",
    )


# What says the connection itself is gone (the server hung up, a reset, a timeout), rather than that
# the server refused this one message (SMTPRecipientsRefused, SMTPDataError…, after which it stays usable).
CONNECTION_LOST = (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError)


class Mailer:
    """One SMTP connection for many messages: opened on the first, reused, opened again when dropped.

    `with Mailer() as mailer: mailer.send(message)` for each message of a batch,
    instead of a connection (and its TLS handshake and login) per message. A
    message sent on a connection the server has dropped meanwhile (an idle
    timeout, a restart) is sent once more on a new connection; a message the
    server refuses raises, and the connection stays for the next one. Without
    MAIL_SERVER messages are logged, as by `deliver`.
    """

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config = config if config is not None else current_app.config
        self._smtp: smtplib.SMTP | None = None
        self.connections = 0  # opened so far (for the benches and the logs)

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = _connect(self.config)
            try:
                if self.config.get("MAIL_USERNAME"):
                    smtp.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD") or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
            self.connections += 1
        return self._smtp

    def send(self, message: Outgoing) -> None:
        if not self.config.get("MAIL_SERVER"):
            _log_instead(self.config, message)
            return
        if self._smtp is not None:
            try:
                self._send(message)
                return
            except CONNECTION_LOST:
                log.info("the SMTP connection was dropped; sending again on a new one")
        self._send(message)  # on a new connection: what fails now is reported

    def _send(self, message: Outgoing) -> None:
        # Written before the connection is touched: an error in the message leaves the connection whole.
        direct = message if isinstance(message, PreparedMail) and message.written_directly() else None
        data = direct.as_bytes() if direct is not None else b""
        standard = None if direct is not None else message
        if isinstance(standard, PreparedMail):
            standard = standard.as_message()
        smtp = self._connection()
        try:
            if direct is not None:
                smtp.sendmail(*direct.envelope(), data)
            elif standard is not None:
                smtp.send_message(standard)
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise  # refused by the server: this message only, the connection stays
        except BaseException:
            self._drop()  # gone, or in an unknown state (a half-written message): never reused
            raise

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def close(self) -> None:
        """Say QUIT and close (a server already gone is no error)."""
        if self._smtp is None:
            return
        try:
            self._smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            self._drop()


def deliver(message: Outgoing) -> None:
    """Send through the configured SMTP server (a connection of its own), or log the message in development."""
    with Mailer() as mailer:
        mailer.send(message)


def sender() -> str:
    """The From header: the foundation's name before the address, unless the setting names one already."""
    address = str(current_app.config["MAIL_DEFAULT_SENDER"])
    if "<" in address:
        return address
    return formataddr((str(current_app.config["FOUNDATION_NAME"]), address))


def message(to: str, subject: str, template: str, **context: object) -> EmailMessage:
    return prepared(to, subject, template, **context).as_message()


def prepared(to: str, subject: str, template: str, **context: object) -> PreparedMail:
    """The email of `template` (its text and HTML versions), written straight to its bytes when sent."""
    return PreparedMail(
        sender(),
        to,
        subject,
        render_template(f"email/{template}.txt", **context),
        render_template(f"email/{template}.html", **context),
    )
