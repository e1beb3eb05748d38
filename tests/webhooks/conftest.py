"""Webhooks: the live app logs its mail (no SMTP server here); `giving` makes gifts on it.

The recorded lifecycles (`recording`, `replay`) and the delivery helpers are the
plugin's: tests/support/recorded_events.py and tests/support/webhook_delivery.py.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.giving import Giving
from tests.support.live_service import Live
from tests.support.recorded_events import QUIET_MAIL


@pytest.fixture
def live_settings() -> dict[str, Any]:
    return dict(QUIET_MAIL)


@pytest.fixture
def giving(live: Live) -> Giving:
    return Giving(live.url, live.sandbox.url, live.app.extensions["stripe_client"])
