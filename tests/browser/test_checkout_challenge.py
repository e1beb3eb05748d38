"""The ALTCHA proof of work in a real browser, under the site's own Content-Security-Policy:
the vendored widget solves its challenge in a worker served by the site, in French, and the
gift goes on to Stripe Checkout (issue #13, point 3)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.browser import assert_accessible, fill_donor
from tests.support.live_service import Live


@pytest.fixture
def live_settings() -> dict[str, object]:
    # Challenge from the first checkout on, so the page shows it at once; mail logged.
    return {
        "CHECKOUT_LIMITS": "on",
        "CHECKOUT_CHALLENGE_AFTER": "0",
        "CHECKOUT_GLOBAL_CHALLENGE_AFTER": "0",
        "MAIL_SERVER": "",
    }


def test_a_donor_asked_for_the_challenge_solves_it_in_the_browser_and_reaches_checkout(page: Any, live: Live) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(live.url + "/donate?kind=one_off&amount=50")
    widget = page.locator("altcha-widget")
    expect(widget).to_be_visible()
    expect(page.locator("#challenge")).to_contain_text("Une vérification rapide")
    # It solves on load (auto), in its worker: the hidden field then holds the payload.
    expect(page.locator("input[name=altcha]")).to_have_count(1, timeout=20000)
    expect(widget).to_contain_text("Vérifié", timeout=30000)
    assert_accessible(page, "challenge-solved")
    fill_donor(page, english=False)
    page.get_by_role("button", name="Continuer vers le paiement sécurisé").click()
    expect(page).to_have_url(re.compile("^" + re.escape(live.sandbox.url) + "/checkout/"))
    assert violations == []
    # Nothing was asked of any other site than the service itself (and, after, Stripe's stand-in).
    assert {re.match(r"https?://[^/]+", url).group(0) for url in requested} <= {live.url, live.sandbox.url}  # type: ignore[union-attr]
