"""Bracket-key decoding and parameter checking, against what stripe-python encodes."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

import pytest
import stripe.params as P
import stripe.params.checkout as checkout_params
from hypothesis import given, settings
from hypothesis import strategies as st
from stripe._encode import _api_encode

from stripe_sandbox.__main__ import parse_args
from stripe_sandbox.errors import StripeError
from stripe_sandbox.forms import decode_pairs, split_key
from stripe_sandbox.validation import validate


def wire(params: dict) -> list[tuple[str, str]]:
    """What stripe-python puts on the wire for ``params``, parsed back as a server would."""
    body = urlencode(list(_api_encode(params))).replace("%5B", "[").replace("%5D", "]")
    return parse_qsl(body, keep_blank_values=True)


def test_split_key_handles_nesting_and_malformed_keys():
    assert split_key("line_items[0][price_data][recurring][interval]") == [
        "line_items",
        "0",
        "price_data",
        "recurring",
        "interval",
    ]
    assert split_key("expand[]") == ["expand", ""]
    assert split_key("a[b") == ["a[b"]
    assert decode_pairs([("expand[]", "x"), ("expand[]", "y")]) == {"expand": {"0": "x", "1": "y"}}


texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=20
)
keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    metadata=st.dictionaries(keys, texts, max_size=5),
    amount=st.integers(1, 10**8),
    quantity=st.integers(1, 99),
    expand=st.lists(st.sampled_from(["payment_intent", "line_items"]), max_size=2),
    recurring=st.booleans(),
    email=texts,
)
def test_what_stripe_python_encodes_decodes_back_to_the_same_parameters(
    metadata, amount, quantity, expand, recurring, email
):
    price_data = {"currency": "eur", "unit_amount": amount, "product_data": {"name": "Don"}}
    if recurring:
        price_data["recurring"] = {"interval": "month", "interval_count": 1}
    params = {
        "mode": "subscription" if recurring else "payment",
        "customer_email": email,
        "line_items": [{"price_data": price_data, "quantity": quantity}],
        "metadata": metadata,
        "expand": expand,
        "allowed_payment_method_types": ["card", "sepa_debit"],
        "subscription_data": {"metadata": metadata},
    }
    decoded = validate(decode_pairs(wire(params)), checkout_params.SessionCreateParams)
    expected = {k: v for k, v in params.items() if v not in ({}, [])}
    expected["subscription_data"] = {"metadata": metadata} if metadata else {}
    if not metadata:
        expected.pop("subscription_data")
    assert decoded == expected


def test_booleans_integers_and_empty_strings_are_coerced_as_stripe_does():
    decoded = validate(
        decode_pairs(
            wire({"cancel_at_period_end": True, "pause_collection": "", "items": [{"id": "si_1", "quantity": 2}]})
        ),
        P.SubscriptionUpdateParams,
    )
    assert decoded == {"cancel_at_period_end": True, "pause_collection": "", "items": [{"id": "si_1", "quantity": 2}]}
    with pytest.raises(StripeError) as error:
        validate({"cancel_at_period_end": "maybe"}, P.SubscriptionUpdateParams)
    assert error.value.message == "Invalid boolean: maybe"
    with pytest.raises(StripeError) as error:
        validate({"limit": "ten"}, P.EventListParams)
    assert error.value.param == "limit"


def test_request_options_are_not_parameters():
    with pytest.raises(StripeError) as error:
        validate({"idempotency_key": "x"}, P.CustomerCreateParams)
    assert error.value.message == "Received unknown parameter: idempotency_key"


def test_command_line_requires_a_secret_with_a_webhook_url(capsys):
    args = parse_args(
        ["--port", "9999", "--webhook-url", "http://127.0.0.1:5000/stripe/webhook", "--webhook-secret", "whsec_x"]
    )
    assert (args.port, args.host, args.sepa_delay) == (9999, "127.0.0.1", 3.0)
    with pytest.raises(SystemExit):
        parse_args(["--webhook-url", "http://127.0.0.1:5000/stripe/webhook"])
    assert "--webhook-secret is required" in capsys.readouterr().err
