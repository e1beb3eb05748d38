"""One contract for the Stripe gateway: every call raises one error type."""

from __future__ import annotations

import inspect

import pytest
import stripe

from donations.platform import stripe_account, stripe_api
from donations.platform.stripe_api import PaymentServiceError


def _gateway_functions(module: object) -> dict[str, object]:
    """The module's functions that call Stripe: those taking the client first."""
    return {
        name: function
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")  # type: ignore[attr-defined]
        and list(inspect.signature(inspect.unwrap(function)).parameters)[:1] == ["client"]
    }


@pytest.mark.parametrize("module", [stripe_api, stripe_account], ids=["stripe_api", "stripe_account"])
def test_every_call_of_the_gateway_raises_one_error_type(module: object) -> None:
    functions = _gateway_functions(module)
    assert len(functions) >= 5
    assert [name for name, function in functions.items() if not getattr(function, "stripe_call", False)] == []


def test_an_unreachable_stripe_comes_out_as_the_gateway_error() -> None:
    client = stripe.StripeClient(
        "sk_test_unreachable",
        base_addresses={"api": "http://127.0.0.1:9"},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=1),
    )
    with pytest.raises(PaymentServiceError) as error:
        stripe_api.retrieve_charge(client, "ch_missing")
    assert error.value.unreachable
    with pytest.raises(PaymentServiceError):
        list(stripe_api.list_events(client, 0))  # a listing fails as it goes, with the same error


def test_a_refusal_keeps_stripe_s_code_and_message(sandbox, client_for) -> None:
    with pytest.raises(PaymentServiceError) as error:
        stripe_api.retrieve_charge(client_for(sandbox.url), "ch_does_not_exist")
    assert error.value.code == "resource_missing" and not error.value.unreachable
