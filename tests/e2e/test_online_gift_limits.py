"""Gifts Stripe can take: at most 8 digits (999 999,99 €), and a SEPA debit at most SEPA_DEBIT_MAX.

A larger gift is refused on the form, with a message saying it can be made by
bank transfer, and nothing is recorded; a gift above the SEPA limit opens a
Checkout offering the card only, so the donor never meets Stripe's refusal.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from donations.config import ConfigError, load_config, validate
from donations.extensions import db
from donations.models import Donation
from tests.support.donors import INDIVIDUAL
from tests.support.live_service import Live
from tests.support.pages import form_fields


def _post_gift(live: Live, amount: str, kind: str = "one_off", lang: str = "fr"):
    page = live.get(f"/donate?kind={kind}&lang={lang}")
    assert page.status_code == 200
    return live.post("/donate", data={**form_fields(page.text), "kind": kind, "amount": amount, **INDIVIDUAL})


def _session_of(live: Live, response) -> dict:
    assert response.status_code == 303, response.text
    session_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    return live.sandbox.sandbox.store.get(session_id, "checkout.session")


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", page.replace("\u202f", " ").replace("\xa0", " "))


@pytest.mark.parametrize("amount", ["1000000", "1 000 000,00", "999999,995"])
def test_a_gift_above_stripes_limit_is_refused_in_french_with_the_bank_transfer_way(live: Live, amount: str) -> None:
    response = _post_gift(live, amount)
    assert response.status_code == 400
    if amount != "999999,995":  # three decimals: that message is about cents
        assert "Un don payé en ligne par carte ou prélèvement SEPA est d'au plus 999 999,99 €" in _text(
            response.text
        ).replace("&#39;", "'")
        assert "virement bancaire" in response.text
    with live.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Donation)) == 0


def test_the_refusal_is_in_english_for_an_english_visitor(live: Live) -> None:
    response = _post_gift(live, "1000000", lang="en")
    assert response.status_code == 400
    assert "A gift paid online by card or SEPA debit is at most 999 999,99 €" in _text(response.text)
    assert "bank transfer" in response.text


def test_the_largest_gift_stripe_takes_opens_a_card_checkout(live: Live) -> None:
    session = _session_of(live, _post_gift(live, "999999,99"))
    assert session["amount_total"] == 99_999_999
    assert session["allowed_payment_method_types"] == ["card"]  # far above the SEPA limit


@pytest.mark.parametrize(
    ("amount", "methods"), [("10000", ["card", "sepa_debit"]), ("10000,01", ["card"]), ("50", ["card", "sepa_debit"])]
)
def test_sepa_debit_is_offered_up_to_its_limit(live: Live, amount: str, methods: list[str]) -> None:
    assert _session_of(live, _post_gift(live, amount))["allowed_payment_method_types"] == methods


def test_a_monthly_gift_above_the_sepa_limit_is_paid_by_card(live: Live) -> None:
    session = _session_of(live, _post_gift(live, "12000", kind="monthly"))
    assert session["mode"] == "subscription" and session["allowed_payment_method_types"] == ["card"]


def test_stripes_sandbox_refuses_an_amount_of_nine_digits(live: Live) -> None:
    client = live.app.extensions["stripe_client"]
    import stripe

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "success_url": "https://dons.example.org/ok",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {"currency": "eur", "unit_amount": 100_000_000, "product_data": {"name": "Don"}},
                    }
                ],
            }
        )
    assert "99999999" in str(refused.value)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"DONATION_MAX": "1000000"}, "DONATION_MAX must be at most 999999.99"),
        ({"SEPA_DEBIT_MAX": "2000000"}, "SEPA_DEBIT_MAX"),
    ],
)
def test_limits_above_stripes_are_refused_at_start_up(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        validate(load_config({"SECRET_KEY": "x" * 40, **settings}))


def test_a_lower_sepa_limit_from_the_environment_applies(make_app, tmp_path) -> None:
    app = make_app(SEPA_DEBIT_MAX="500")
    assert app.config["SEPA_DEBIT_MAX_CENTS"] == 50_000
