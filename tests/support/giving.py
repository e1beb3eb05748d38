"""Donors on the site (the /donate form over HTTP), and what then happens at Stripe (the sandbox's controls)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
import stripe

from donations.platform import stripe_api as payments
from tests.support.donors import INDIVIDUAL
from tests.support.pages import form_fields

CARD_OK = "4242424242424242"


IBAN_OK = "FR1420041010050500013M02606"


IBAN_FAILS = "FR8420041010050500013M02606"


@dataclass(frozen=True)
class Gift:
    public_id: str
    checkout_session: str


class Giving:
    """Donors on the site (the /donate form over HTTP), and what then happens at Stripe (the sandbox)."""

    def __init__(self, site_url: str, sandbox_url: str, client: stripe.StripeClient) -> None:
        self.site_url = site_url
        self.sandbox_url = sandbox_url
        self.stripe = client
        self.donors = 0

    def give(self, kind: str = "one_off", amount: str = "50") -> Gift:
        self.donors += 1
        with requests.Session() as browser:
            page = browser.get(f"{self.site_url}/donate?kind={kind}&amount={amount}", timeout=10)
            data = {**form_fields(page.text), "kind": kind, "amount": amount, **INDIVIDUAL}
            data["email"] = f"donor{self.donors}@example.org"
            answer = browser.post(f"{self.site_url}/donate", data=data, allow_redirects=False, timeout=10)
        assert answer.status_code == 303, answer.text
        session_id = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        checkout = self.stripe.v1.checkout.sessions.retrieve(session_id)
        return Gift(checkout.metadata["donation_id"], session_id)

    def control(self, path: str, **data: Any) -> dict[str, Any]:
        answer = requests.post(f"{self.sandbox_url}/_sandbox/{path}", data=data, timeout=10)
        assert answer.status_code < 300, answer.text
        return answer.json()

    def pay_card(self, gift: Gift) -> dict[str, Any]:
        return self.control(f"checkout/{gift.checkout_session}/pay", card=CARD_OK)

    def pay_iban(self, gift: Gift, iban: str = IBAN_OK) -> dict[str, Any]:
        return self.control(f"checkout/{gift.checkout_session}/pay", iban=iban, name="Camille Martin")

    def charge_of(self, payment_intent: str) -> str:
        return str(self.stripe.v1.payment_intents.retrieve(payment_intent).latest_charge)

    def refund(self, payment_intent: str, amount: int | None = None) -> None:
        params: dict[str, Any] = {"charge": self.charge_of(payment_intent)}
        if amount:
            params["amount"] = amount
        self.stripe.v1.refunds.create(params=params)  # type: ignore[arg-type]

    def advance(self, subscription: str, fail: bool = False) -> dict[str, Any]:
        return self.control(f"subscriptions/{subscription}/advance", **({"fail": "1"} if fail else {}))

    def lose_dispute(self, payment_intent: str) -> None:
        dispute = self.control(f"charges/{self.charge_of(payment_intent)}/dispute")
        self.control(f"disputes/{dispute['dispute']}/close", outcome="lost")


def all_events(client: stripe.StripeClient) -> list[dict[str, Any]]:
    """Every event the sandbox created, oldest first."""
    return list(reversed(list(payments.list_events(client, 0))))
