"""Covering the fees: the configured estimate per method, and the sum that leaves the whole gift to the foundation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from donations.config import ConfigError, load_config, validate
from donations.giving.fees import fees_to_cover, parse_fee_formula
from donations.models import PaymentMethod


def test_default_estimates_are_card_one_and_a_half_percent_plus_25_cents_and_sepa_35_cents() -> None:
    config = load_config({"SECRET_KEY": "x" * 40})
    # 50 € by card: 51,02 € charged, of which 1,02 € of fees (1.5 % of 51,02 € rounded up, plus 0,25 €).
    assert fees_to_cover(5000, PaymentMethod.CARD, config) == 102
    assert fees_to_cover(5000, PaymentMethod.SEPA_DEBIT, config) == 35


def test_estimates_come_from_the_environment() -> None:
    config = load_config({"SECRET_KEY": "x" * 40, "FEES_CARD": "2%", "FEES_SEPA_DEBIT": "0,5%+0.10"})
    assert fees_to_cover(10000, PaymentMethod.CARD, config) == 205  # 102,05 € less 2 % (2,05 €) leaves 100 €
    assert fees_to_cover(10000, PaymentMethod.SEPA_DEBIT, config) == 61


@given(gift=st.integers(min_value=100, max_value=100_000_000), rate=st.integers(0, 500), fixed=st.integers(0, 200))
def test_what_is_added_is_the_least_that_leaves_the_whole_gift(gift: int, rate: int, fixed: int) -> None:
    formula = parse_fee_formula(f"{rate / 100}%+{fixed / 100}")
    added = formula.covering(gift)
    total = gift + added
    assert total - formula.fee_on(total) >= gift
    assert added == 0 or (total - 1) - formula.fee_on(total - 1) < gift


@pytest.mark.parametrize("value", ["", "abc", "25%", "-1%", "1.5%+", "%", "1.5%0.25", "+0.25"])
def test_a_malformed_estimate_stops_start_up_naming_the_variable(value: str) -> None:
    config = load_config({"SECRET_KEY": "x" * 40})
    config["FEES_CARD"] = value
    with pytest.raises(ConfigError, match="FEES_CARD"):
        validate(config)


@pytest.mark.parametrize("value", ["https://a.example/path", "a.example", "javascript:x", "https://a.example,ftp://b"])
def test_embed_origins_must_be_bare_origins(value: str) -> None:
    config = load_config({"SECRET_KEY": "x" * 40, "EMBED_ALLOWED_ORIGINS": value})
    with pytest.raises(ConfigError, match="EMBED_ALLOWED_ORIGINS"):
        validate(config)
