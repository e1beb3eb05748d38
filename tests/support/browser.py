"""What the browser journeys share: the accessibility check (axe) and the donor's part of the form."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

AXE = Axe()


if TYPE_CHECKING:
    from tests.support.live_service import Live


SCREENSHOTS = Path(__file__).resolve().parent.parent / "e2e" / "screenshots"
PHONE = {"width": 375, "height": 812}
LAPTOP = {"width": 1366, "height": 900}


def assert_accessible(page: Any, label: str) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    page.steps.shot(label)
    results = AXE.run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{label}: {bad}"


def fill_donor(page: Any, english: bool = True) -> None:
    labels = (
        {
            "First names": "Camille",
            "Last name": "Martin",
            "Email": "camille.martin@example.org",
            "Address": "12 rue des Lilas",
            "Postal code": "75013",
            "City": "Paris",
        }
        if english
        else {
            "Prénom(s)": "Camille",
            "Nom": "Martin",
            "Adresse e-mail": "camille.martin@example.org",
            "Adresse": "12 rue des Lilas",
            "Code postal": "75013",
            "Ville": "Paris",
        }
    )
    for label, value in labels.items():
        page.get_by_label(label, exact=True).fill(value)
    page.locator("#consent").check()


def pay_on_checkout(page: Any, live: Live) -> None:
    expect(page).to_have_url(re.compile("^" + re.escape(live.sandbox.url) + "/checkout/"))
    page.steps.shot("stripe-checkout")
    page.get_by_label("Numéro de carte / Card number").fill("4242 4242 4242 4242")
    page.get_by_label("Date d'expiration (MM/AA) / Expiry date (MM/YY)").fill("12/34")
    page.get_by_label("Cryptogramme / CVC").fill("123")
    page.locator("form").filter(has=page.locator("#card_number")).get_by_role("button").click()


def wait_for_thanks(page: Any, live: Live, text: str) -> None:
    expect(page).to_have_url(re.compile(re.escape(live.url) + "/donate/thanks/"))
    live.settle_webhooks()
    page.reload()
    expect(page.locator("#thanks-title")).to_have_text(text)
