"""The money pages in a real browser on a laptop screen (Chromium, Playwright): reports with their SVG
charts, payouts and accounting, keyboard-reachable and without a serious axe-core violation.

Skipped where Chromium is not installed (as tests/browser/ is). The reports page's screenshot is kept in
tests/e2e/screenshots/finance-reports.png.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from donations.extensions import db
from donations.finance.staff import create_staff
from donations.models import StaffRole
from tests.support.finance_browser import CHROMIUM, SCREENSHOTS, accessible, in_a_browser, tab_to
from tests.support.finance_staff import FINANCE_EMAIL, PASSWORD
from tests.support.live_gifts import pay
from tests.support.live_service import Live

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed: back-office browser test skipped")


def test_the_reports_charts_payouts_and_accounting_in_a_browser(
    live: Live, give: Callable[..., requests.Response], smtp, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    donation = pay(live, give, kind="one_off", amount="120")
    for kind, amount in (("ifi", "800"), ("monthly", "30")):  # three checkouts: no challenge yet
        pay(live, give, kind=kind, amount=amount)
    paid = live.control("payouts", arrival_date=str(int(time.time())))
    live.settle_webhooks()
    with live.app.app_context():
        create_staff(db.session, FINANCE_EMAIL, StaffRole.FINANCE, PASSWORD)
        db.session.commit()

    def journey(page: Any) -> None:
        page.goto(f"{live.url}/finance/login")
        tab_to(page, "email")
        page.keyboard.type(FINANCE_EMAIL)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live.url}/finance/")

        page.get_by_role("link", name="Rapports").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Rapports de")
        chart = page.get_by_role("img", name="Dons par mois, par type")
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None and box["width"] > 400 and box["height"] > 100
        expect(page.locator("#report-by-kind-chart rect")).not_to_have_count(0)
        expect(page.locator("#report-by-kind-table")).to_contain_text("Total")
        accessible(page, "reports")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "finance-reports.png"), full_page=True)
        chart.screenshot(path=str(SCREENSHOTS / "finance-chart-by-kind.png"))

        page.goto(f"{live.url}/finance/payouts")
        accessible(page, "payouts")
        page.locator(f'a[href="/finance/payouts/{paid["payout"]}"]').focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("table")).to_contain_text("Camille Martin")
        accessible(page, "payout")
        page.goto(f"{live.url}/finance/accounting")
        expect(page.get_by_role("link", name="Télécharger le FEC")).to_be_visible()
        accessible(page, "accounting")

        # On a phone too: the wide tables scroll in their own focusable boxes.
        page.set_viewport_size({"width": 375, "height": 812})
        for path in (
            "/finance/reports",
            f"/finance/payouts/{paid['payout']}",
            f"/finance/donations/{donation.public_id}",
            "/finance/accounting",
        ):
            page.goto(live.url + path)
            accessible(page, "phone" + path.replace("/", "-"))

    in_a_browser(tmp_path, journey)
