"""The back office in a real browser on a laptop screen: keyboard only, and no serious axe-core violation.

Skipped where Chromium is not installed (as tests/browser/ is).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from donations.extensions import db
from donations.finance.staff import create_staff
from donations.models import StaffRole
from tests.support.finance_browser import CHROMIUM, accessible, in_a_browser, tab_to
from tests.support.finance_staff import FINANCE_EMAIL, PASSWORD
from tests.support.live_gifts import pay
from tests.support.live_service import Live

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: back-office browser test skipped")


def test_finance_works_with_the_keyboard_on_a_laptop(
    live: Live, give: Callable[..., requests.Response], smtp, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="120")
    with live.app.app_context():
        create_staff(db.session, FINANCE_EMAIL, StaffRole.FINANCE, PASSWORD)
        db.session.commit()

    def journey(page: Any) -> None:
        page.goto(f"{live.url}/finance/")
        expect(page).to_have_url(f"{live.url}/finance/login?next=/finance/")
        accessible(page, "login")
        # Keyboard only: Tab past the skip link and the header's links to the form, then its fields in order.
        tab_to(page, "email")
        page.keyboard.type(FINANCE_EMAIL)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live.url}/finance/")
        accessible(page, "dashboard")

        page.goto(f"{live.url}/finance/donations?lang=en")
        accessible(page, "donations")
        tab_to(page, "q")
        page.keyboard.type("Martin")
        page.keyboard.press("Enter")
        link = page.locator(f'a[href="/finance/donations/{donation.public_id}"]')
        expect(link).to_have_count(1)
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Payments")).to_be_visible()
        accessible(page, "donation")

        page.get_by_role("link", name="Refund").focus()
        page.keyboard.press("Enter")
        accessible(page, "refund")
        for path in ("/finance/receipts", "/finance/declaration", "/finance/audit"):
            page.goto(live.url + path)
            accessible(page, path.rsplit("/", 1)[-1])

    in_a_browser(tmp_path, journey)
