"""The real service over HTTP, with the Stripe sandbox beside it, both on loopback.

The app runs in a werkzeug server thread on its own database; the sandbox
sends it signed webhooks; tests act as a browser with `requests`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask

from donations.platform.jobs import wait_for_inline_jobs
from stripe_sandbox import SandboxHandle, serve_in_thread
from tests.support.donors import INDIVIDUAL
from tests.support.network import ServerThread, free_port
from tests.support.pages import form_fields

WEBHOOK_SECRET = "whsec_e2e_tests"


@dataclass
class Live:
    """The running service and sandbox, and a browser-like session."""

    app: Flask
    url: str
    sandbox: SandboxHandle
    browser: requests.Session

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.browser.get(self.url + path, timeout=10, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.browser.post(self.url + path, timeout=10, allow_redirects=False, **kwargs)

    def control(self, path: str, **data: Any) -> dict[str, Any]:
        response = requests.post(f"{self.sandbox.url}/_sandbox/{path}", data=data, timeout=10)
        assert response.status_code < 300, response.text
        return response.json()

    def settle_webhooks(self, timeout: float = 15.0) -> None:
        assert self.sandbox.sandbox.wait_for_webhooks(timeout), self.sandbox.sandbox.webhook_status()
        self.wait_for_jobs(timeout)

    def wait_for_jobs(self, timeout: float = 15.0) -> None:
        """Wait for the emails the answered requests left to send after their answer (inline mode)."""
        assert wait_for_inline_jobs(self.app, timeout), "jobs still running"


@pytest.fixture
def live_settings() -> dict[str, Any]:
    """Extra settings of the live app; a folder's conftest overrides it (e.g. a mail server)."""
    return {}


@pytest.fixture
def live(make_app: Callable[..., Flask], live_settings: dict[str, Any]) -> Iterator[Live]:
    app_port = free_port()
    sandbox = serve_in_thread(
        {
            "webhook_url": f"http://127.0.0.1:{app_port}/stripe/webhook",
            "webhook_secret": WEBHOOK_SECRET,
            "sepa_delay": -1,  # tests settle SEPA debits when they choose
            "retry_schedule": [0.1, 0.2, 0.5, 1.0],
        }
    )
    app = make_app(STRIPE_API_BASE=sandbox.url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, **live_settings)
    server = ServerThread(app, app_port)
    browser = requests.Session()
    try:
        yield Live(app=app, url=server.url, sandbox=sandbox, browser=browser)
    finally:
        browser.close()
        sandbox.stop()
        server.stop()


@pytest.fixture
def give(live: Live) -> Callable[..., requests.Response]:
    """A callable that fills /donate like a person and returns the 303 (or the refusal)."""

    def fill(
        kind: str = "one_off", amount: str = "50", donor: dict[str, str] | None = None, **overrides: str
    ) -> requests.Response:
        page = live.get(f"/donate?kind={kind}&amount={amount}")
        assert page.status_code == 200
        data = {**form_fields(page.text), "kind": kind, "amount": amount, **(donor or INDIVIDUAL), **overrides}
        return live.post("/donate", data=data)

    return fill
