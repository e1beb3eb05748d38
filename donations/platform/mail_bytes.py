"""An email with attachments written straight to the bytes sent over SMTP.

`email.message.EmailMessage` builds a header object per header, folds each
again when the message is written, and writes a base64 attachment line by
line: for the January batch (100 000 emails, each with its PDF) that cost as
much as drawing the PDF. `PreparedMail` writes the same MIME structure
(multipart/mixed: the text and HTML alternatives, then the attachments) in
one pass, the bodies encoded by the C codecs (quoted-printable text, base64
attachments), a CRLF line ending throughout as SMTP wants it.

It does so only for what needs no more care than that: ASCII addresses and
header values without a line break (the subject is encoded as RFC 2047 when
it is not ASCII). Anything else (an internationalised address, a header that
would be injected) is written by the standard library from `as_message()`,
which refuses a header with a line break as it always did.
"""

from __future__ import annotations

import binascii
import dataclasses
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses

CRLF = b"\r\n"
HEADER_LINE = 78  # what RFC 5322 recommends for a header line
ENCODED_WORD_BYTES = 39  # 52 in base64, 64 with its marks: the first line, "Subject: " and all, stays within 78
BASE64_LINE = 76  # characters of a base64 body line (RFC 2045)


@dataclass(frozen=True)
class Attachment:
    data: bytes
    maintype: str
    subtype: str
    filename: str


@dataclass(frozen=True)
class PreparedMail:
    """An email with a text body, its HTML alternative and attachments."""

    sender: str  # the From header, e.g. "Fondation <recus@example.org>"
    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()

    def attached(self, *items: Attachment) -> PreparedMail:
        """The same email with these attachments too."""
        return dataclasses.replace(self, attachments=(*self.attachments, *items))

    def envelope(self) -> tuple[str, list[str]]:
        """The SMTP envelope: the sender's address and the recipients', as `smtplib.send_message` reads them."""
        return getaddresses([self.sender])[0][1], [address for _, address in getaddresses([self.to])]

    def as_message(self) -> EmailMessage:
        """The same email built by the standard library (for what `as_bytes` leaves to it, and for the log)."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.to
        message["Subject"] = self.subject
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        for item in self.attachments:
            message.add_attachment(item.data, maintype=item.maintype, subtype=item.subtype, filename=item.filename)
        return message

    def written_directly(self) -> bool:
        """Whether `as_bytes` writes this email itself (else the standard library does)."""
        plain = (self.sender, self.to, *(f"{a.maintype}/{a.subtype}{a.filename}" for a in self.attachments))
        return all(_safe(value) for value in plain) and "\r" not in self.subject and "\n" not in self.subject

    def as_bytes(self) -> bytes:
        """The message as sent: CRLF line endings, every line 7-bit (only when `written_directly()`)."""
        if not self.written_directly():
            raise ValueError("this email is written by the standard library: send as_message()")
        parts = [_text_part("plain", self.text), _text_part("html", self.html)]
        alternative = _multipart("alternative", parts)
        attachments = [_attachment(item) for item in self.attachments]
        head = b"".join(
            [
                b"From: " + self.sender.encode() + CRLF,
                b"To: " + self.to.encode() + CRLF,
                _subject(self.subject),
                b"MIME-Version: 1.0" + CRLF,
            ]
        )
        return head + _multipart("mixed", [alternative, *attachments])


def _safe(value: str) -> bool:
    return value.isascii() and value.isprintable()


def _subject(subject: str) -> bytes:
    """The Subject header: as is when ASCII and short, else RFC 2047 encoded-words (base64 of UTF-8), one a line."""
    line = f"Subject: {subject}"
    if _safe(subject) and len(line) <= HEADER_LINE:
        return line.encode() + CRLF
    words, chunk = [], b""
    for character in subject:  # a word holds whole characters, at most ENCODED_WORD_BYTES of them
        encoded = character.encode("utf-8")
        if len(chunk) + len(encoded) > ENCODED_WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return (
        b"Subject: "
        + b"\r\n ".join(b"=?utf-8?b?" + binascii.b2a_base64(w, newline=False) + b"?=" for w in words)
        + CRLF
    )


def _text_part(subtype: str, text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    if not lines.endswith("\r\n"):
        lines += "\r\n"  # b2a_qp ends its soft line breaks as the text's first line ends: CRLF, then
    body = binascii.b2a_qp(lines.encode("utf-8"), istext=True)
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'.encode()
        + body
    )


def _attachment(item: Attachment) -> bytes:
    filename = item.filename.replace("\\", "\\\\").replace('"', '\\"')
    head = (
        f"Content-Type: {item.maintype}/{item.subtype}\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="{filename}"\r\n\r\n'
    ).encode()
    encoded = binascii.b2a_base64(item.data, newline=False)
    return head + b"".join(encoded[k : k + BASE64_LINE] + CRLF for k in range(0, len(encoded), BASE64_LINE))


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    boundary = f"=_{secrets.token_hex(16)}"
    while any(boundary.encode() in part for part in parts):  # never, in practice: drawn again
        boundary = f"=_{secrets.token_hex(16)}"
    delimiter = b"--" + boundary.encode()
    head = f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n'.encode()
    return head + b"".join(delimiter + CRLF + part + CRLF for part in parts) + delimiter + b"--" + CRLF
