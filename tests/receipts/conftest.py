"""Receipts are tested on the live app, which mails a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest

from tests.support.mailbox import Mailbox, smtp_settings


@pytest.fixture
def live_settings(smtp: tuple[Mailbox, int]) -> dict[str, object]:
    """The live app sends its mail to the local SMTP server."""
    return smtp_settings(smtp)
