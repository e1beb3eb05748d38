"""An email written straight to its bytes (`PreparedMail`) reads back, through a real local SMTP
server, as the email the standard library would have built: its headers, its text and HTML, its
attachment to the byte. What it does not write itself (a non-ASCII address, a header with a line
break) goes to the standard library, which refuses a header injection as it always did.
"""

from __future__ import annotations

import dataclasses
import os
from email.message import EmailMessage

import pytest
from flask import Flask

from donations.platform.mail import Mailer
from donations.platform.mail_bytes import Attachment, PreparedMail
from tests.support.mailbox import Mailbox, smtp_settings

TEXT = (
    "Bonjour Zoé Dupont,\n\nVoici votre reçu fiscal annuel n° 2026-000123 pour 1\u202f240,00\u00a0€.\n"
    + "Une ligne bien plus longue que soixante-seize caractères, pour le codage quoted-printable = "
    + "é" * 60
    + "\n.Une ligne qui commence par un point\n-- \nFondation\n"
)
HTML = "<!doctype html>\n<html><body><p>" + TEXT.replace("\n", "</p>\n<p>") + "</p></body></html>\n"
PDF = b"%PDF-1.4\n" + os.urandom(40_000) + b"\n%%EOF\n"


def _mail(to: str = "zoe.dupont@example.org", subject: str = "Votre reçu fiscal n° 2026-000123") -> PreparedMail:
    return PreparedMail("=?utf-8?q?Fondation_=C3=89cole?= <recus@example.org>", to, subject, TEXT, HTML).attached(
        Attachment(PDF, "application", "pdf", "recu-fiscal-2026-000123.pdf")
    )


def _same_email(received: EmailMessage, mail: PreparedMail) -> None:
    expected = mail.as_message()
    for header in ("From", "To", "Subject"):
        assert str(received[header]) == str(expected[header])
    assert received.get_content_type() == "multipart/mixed"
    for kind in ("plain", "html"):
        got, wanted = received.get_body((kind,)), expected.get_body((kind,))
        assert got is not None and wanted is not None
        assert got.get_content().replace("\r\n", "\n") == wanted.get_content()
    [attachment] = list(received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "recu-fiscal-2026-000123.pdf"
    assert attachment.get_content() == PDF
    assert all(not part.defects for part in received.walk())


def test_written_directly_every_line_short_and_7_bit() -> None:
    mail = dataclasses.replace(  # an HTML body on one long line, without a line break at all
        _mail(subject="Votre reçu fiscal n° 2026-000123 — " + "é" * 50), html=HTML.replace("\n", "")
    )
    assert mail.written_directly()
    data = mail.as_bytes()
    lines = data.split(b"\r\n")
    assert b"\n" not in b"".join(lines) and b"\r" not in b"".join(lines)
    assert max(len(line) for line in lines) <= 78
    assert data.isascii()


@pytest.mark.parametrize(
    "mail",
    [_mail(), _mail(subject="Plain ASCII subject"), _mail(subject="Votre reçu fiscal — " + "é" * 80)],
    ids=["accented subject", "ascii subject", "long subject"],
)
def test_written_directly_reads_back_as_the_standard_email(
    app: Flask, smtp: tuple[Mailbox, int], mail: PreparedMail
) -> None:
    app.config.update(smtp_settings(smtp))
    with app.app_context(), Mailer() as mailer:
        mailer.send(mail)
    [received] = smtp[0].wait_for(1)
    _same_email(received, mail)


def test_an_international_address_goes_to_the_standard_library(app: Flask, smtp: tuple[Mailbox, int]) -> None:
    mail = _mail(to="zoé@exemple.fr")
    assert not mail.written_directly()
    with pytest.raises(ValueError):
        mail.as_bytes()
    app.config.update(smtp_settings(smtp))
    with app.app_context(), Mailer() as mailer:
        mailer.send(mail)  # SMTPUTF8, which aiosmtpd offers, as the standard library negotiates it
    [received] = smtp[0].wait_for(1)
    _same_email(received, mail)


@pytest.mark.parametrize("field", ["to", "subject"])
def test_a_header_with_a_line_break_is_refused_as_before(app: Flask, smtp: tuple[Mailbox, int], field: str) -> None:
    injected = {"to": "a@example.org\r\nBcc: victim@example.org", "subject": "Reçu\r\nBcc: victim@example.org"}
    mail = _mail(**{field: injected[field]})
    assert not mail.written_directly()
    app.config.update(smtp_settings(smtp))
    with app.app_context(), Mailer() as mailer, pytest.raises(ValueError):
        mailer.send(mail)
    assert smtp[0].messages == []
