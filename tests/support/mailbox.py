"""A real local SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from tests.support.network import free_port


class Mailbox:
    """An aiosmtpd handler keeping each message, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # aiosmtpd's hook
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)  # type: ignore[arg-type]
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)
        return list(self.messages)


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def smtp_settings(smtp: tuple[Mailbox, int]) -> dict[str, object]:
    """The settings that make an app send its mail to the local SMTP server of `smtp`."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp[1])}


class CountingMailbox:
    """An aiosmtpd handler for many messages: counts connections and messages, keeps each recipient
    (and each message's raw bytes with `keep`), and can play a mail server's troubles.

    `drop_at`: the connection is cut (no answer) when the n-th message (1-based, counted over
    the server's life) starts, before the server accepts it, as a relay restarting would.
    `refuse`: recipients whose message is refused with a 554 (the connection stays).
    """

    def __init__(self, keep: bool = False, drop_at: int | None = None, refuse: frozenset[str] = frozenset()) -> None:
        self.keep = keep
        self.drop_at = drop_at
        self.refuse = refuse
        self.connections = 0
        self.started = 0  # MAIL FROM commands seen
        self.recipients: list[str] = []
        self.raw: list[bytes] = []
        self.arrived = threading.Condition()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        self.started += 1
        if self.started == self.drop_at:
            server.transport.close()
            return "421 closing"  # never reaches the client: the connection is gone
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if set(envelope.rcpt_tos) & self.refuse:
            return "554 refused"
        with self.arrived:
            self.recipients.extend(envelope.rcpt_tos)
            if self.keep:
                self.raw.append(envelope.content)
            self.arrived.notify_all()
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.raw]  # type: ignore[misc]

    def wait_for(self, count: int, timeout: float = 10.0) -> int:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.recipients) >= count, timeout)
            return len(self.recipients)


class _CountingController(Controller):
    def factory(self):  # type: ignore[no-untyped-def]
        handler = self.handler

        class Counted(SMTP):
            def connection_made(self, transport):  # type: ignore[no-untyped-def]
                handler.connections += 1
                super().connection_made(transport)

        return Counted(handler, **self.SMTP_kwargs)


@contextmanager
def counting_smtp_server(mailbox: CountingMailbox) -> Iterator[int]:
    """A local SMTP server (aiosmtpd, in a thread) for `mailbox`; yields its port."""
    port = free_port()
    controller = _CountingController(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.connections = 0  # the controller's own check that the server answers
    try:
        yield port
    finally:
        controller.stop()
