"""One contract for the Stripe gateway: every call raises one error type."""

from __future__ import annotations

import inspect

import pytest
import stripe

from donations.platform import stripe_api
from donations.platform.stripe_api import PaymentServiceError

NOT_CALLS = {"make_client", "longest_wait_seconds", "checkout_params", "stripe_call"}


def _gateway_functions() -> list[str]:
    return [
        name for name, function in inspect.getmembers(stripe_api, inspect.isfunction)
        if function.__module__ == stripe_api.__name__ and not name.startswith("_") and name not in NOT_CALLS
    ]


def test_every_call_of_the_gateway_raises_one_error_type() -> None:
    functions = _gateway_functions()
    assert len(functions) >= 10
    assert [name for name in functions if not getattr(getattr(stripe_api, name), "stripe_call", False)] == []


def test_an_unreachable_stripe_comes_out_as_the_gateway_error() -> None:
    client = stripe.StripeClient("sk_test_unreachable", base_addresses={"api": "http://127.0.0.1:9"}, max_network_retries=0,
                                 http_client=stripe.RequestsClient(timeout=1))
    with pytest.raises(PaymentServiceError) as error:
        stripe_api.retrieve_charge(client, "ch_missing")
    assert error.value.unreachable
    with pytest.raises(PaymentServiceError):
        list(stripe_api.list_events(client, 0))  # a listing fails as it goes, with the same error


def test_a_refusal_keeps_stripe_s_code_and_message(sandbox, client_for) -> None:
    with pytest.raises(PaymentServiceError) as error:
        stripe_api.retrieve_charge(client_for(sandbox.url), "ch_does_not_exist")
    assert error.value.code == "resource_missing" and not error.value.unreachable
