"""Stripe's billing portal on an account whose portal settings were never saved in the Dashboard:
Stripe refuses a session without a configuration; once `flask stripe setup` made one and
STRIPE_PORTAL_CONFIGURATION names it, the donor reaches the portal."""

from __future__ import annotations

import html
import re

from tests.support.donor_portal import sign_in
from tests.support.live_gifts import pay
from tests.support.live_service import Live
from tests.support.pages import form_fields


def test_the_portal_works_on_a_fresh_account_once_stripe_setup_made_its_configuration(live: Live, give, smtp) -> None:  # type: ignore[no-untyped-def]
    mailbox, _ = smtp
    live.control("billing_portal/default", saved="off")
    pay(live, give, kind="monthly", amount="15")
    sign_in(live, mailbox, "camille.martin@example.org")

    page = live.get("/my/gifts")
    refused = live.post("/my/card", data=form_fields(page.text))
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/my/gifts")
    assert "Le service de paiement est momentanément injoignable" in html.unescape(live.get("/my/gifts").text)

    setup = live.app.test_cli_runner().invoke(
        args=["stripe", "setup", "--url", "https://dons.example.org/stripe/webhook"]
    )
    assert setup.exit_code == 0, setup.output
    configuration = re.search(r"STRIPE_PORTAL_CONFIGURATION=(bpc_\w+)", setup.output).group(1)
    live.app.config["STRIPE_PORTAL_CONFIGURATION"] = configuration  # the setting, as after a restart

    page = live.get("/my/gifts")
    answer = live.post("/my/card", data=form_fields(page.text))
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith(live.sandbox.url + "/billing_portal/")
    [portal] = live.sandbox.sandbox.store.all("billing_portal.session")
    assert portal["configuration"] == configuration
