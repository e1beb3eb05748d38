"""A Stripe sandbox in a thread that delivers no webhook: the test sends the events itself."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stripe_sandbox import SandboxHandle, serve_in_thread


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = serve_in_thread({"sepa_delay": -1})  # no webhook URL: the test sends the events itself
    yield handle
    handle.stop()
