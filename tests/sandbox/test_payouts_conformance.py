"""The sandbox's payouts against Stripe's published example (skipped without ``shared/stripe/fixtures3.json``),
and the list of a payout's balance transactions as stripe-python reads it."""

from __future__ import annotations

import json

import pytest

from stripe_sandbox.payouts import build_payout
from tests.support.stripe_examples import FIXTURES, T, differences


@pytest.mark.skipif(not FIXTURES.exists(), reason=f"Stripe's fixtures are not at {FIXTURES}: object shapes not checked")
def test_a_payout_has_the_shape_of_stripes_example() -> None:
    expected = json.loads(FIXTURES.read_text())["resources"]["payout"]
    ours = build_payout(created=T, amount=12345, balance_transaction="txn_x")
    assert differences(expected, ours) == []
