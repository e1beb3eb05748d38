"""Back office: the app with mail logged; the live app mails a real local SMTP server (aiosmtpd).

The staff accounts, signed-in browsers and paid gifts are the plugin's (tests/support/finance_staff.py,
tests/support/factories.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.support.mailbox import Mailbox, smtp_settings


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The app with CSRF on (the test default) and mail logged rather than sent; a cheque receipted as
    soon as it is recorded (CHEQUE_TAX_DATE=received: the default, cashed, is tried in test_deposit_slips)."""
    return make_app(MAIL_SERVER="", CHEQUE_TAX_DATE="received")


@pytest.fixture
def live_settings(smtp: tuple[Mailbox, int]) -> dict[str, object]:
    """The live app sends its mail to the local SMTP server."""
    return smtp_settings(smtp)
