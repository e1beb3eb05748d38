"""Parsing what donors type into cents, and the French money format."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from donations.money import AmountError, format_euros, format_rate, parse_euros

NBSP = "\u00a0"
NNBSP = "\u202f"
MAX_CENTS = 100_000_000_000


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("50", 5000),
        ("50.00", 5000),
        ("50,00", 5000),
        ("50.5", 5050),
        ("50,5", 5050),
        ("0,01", 1),
        ("007", 700),
        (" 1 000,50 ", 100050),
        (f"1{NBSP}000,50", 100050),
        (f"1{NNBSP}000,50", 100050),
        ("1 000 000", 100_000_000),
        ("1000000", 100_000_000),
        ("50€", 5000),
        ("50 €", 5000),
        (f"50{NBSP}€", 5000),
        ("50 EUR", 5000),
        ("50eur", 5000),
        (f"1{NNBSP}000,50{NBSP}€", 100050),
        ("1000000000", MAX_CENTS),
    ],
)
def test_parse_euros_accepts_what_people_type(text, cents):
    assert parse_euros(text) == cents


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "missing"),
        ("   ", "missing"),
        (None, "missing"),
        ("€", "missing"),
        (" EUR ", "missing"),
        ("abc", "not_a_number"),
        ("50 euros", "not_a_number"),
        ("NaN", "not_a_number"),
        ("nan", "not_a_number"),
        ("inf", "not_a_number"),
        ("Infinity", "not_a_number"),
        ("1e3", "not_a_number"),
        ("1E3", "not_a_number"),
        ("5.0e1", "not_a_number"),
        ("0x10", "not_a_number"),
        ("+50", "not_a_number"),
        ("€50", "not_a_number"),
        ("50,", "not_a_number"),
        (",50", "not_a_number"),
        ("1,000.50", "not_a_number"),
        ("1.000,50", "not_a_number"),
        ("1 00", "not_a_number"),
        ("10 00,00", "not_a_number"),
        ("١٠", "not_a_number"),  # Arabic-Indic digits are not what a French form expects
        ("50.001", "too_many_decimals"),
        ("50,999", "too_many_decimals"),
        ("1,000", "too_many_decimals"),
        ("0", "not_positive"),
        ("0,00", "not_positive"),
        ("-0", "not_positive"),
        ("-5", "not_positive"),
        ("-50,00 €", "not_positive"),
        ("\u22125", "not_positive"),
        ("1000000000,01", "too_large"),
        ("99999999999999999999999999999999999999", "too_large"),
    ],
)
def test_parse_euros_refuses_with_a_machine_code(text, code):
    with pytest.raises(AmountError) as caught:
        parse_euros(text)
    assert caught.value.code == code


def test_amount_error_is_a_value_error_with_a_message_for_people():
    with pytest.raises(ValueError) as caught:
        parse_euros("abc")
    assert isinstance(caught.value, AmountError)
    assert str(caught.value) == caught.value.message
    assert "euros" in caught.value.message


def test_parse_euros_honours_a_lower_maximum_and_names_it():
    assert parse_euros("100", max_cents=10_000) == 10_000
    with pytest.raises(AmountError) as caught:
        parse_euros("100,01", max_cents=10_000)
    assert caught.value.code == "too_large"
    assert f"100,00{NBSP}€" in str(caught.value)


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (3400, f"34,00{NBSP}€"),
        (3_000_000, f"30{NNBSP}000,00{NBSP}€"),
        (0, f"0,00{NBSP}€"),
        (1, f"0,01{NBSP}€"),
        (50, f"0,50{NBSP}€"),
        (99_999, f"999,99{NBSP}€"),
        (100_000, f"1{NNBSP}000,00{NBSP}€"),
        (123_456_789, f"1{NNBSP}234{NNBSP}567,89{NBSP}€"),
        (MAX_CENTS, f"1{NNBSP}000{NNBSP}000{NNBSP}000,00{NBSP}€"),
        (-500, f"-5,00{NBSP}€"),
        (-3_000_000, f"-30{NNBSP}000,00{NBSP}€"),
    ],
)
def test_format_euros_writes_french_money(cents, text):
    assert format_euros(cents) == text


@pytest.mark.parametrize("not_cents", [34.0, Decimal("34"), "3400", True])
def test_format_euros_takes_only_integer_cents(not_cents):
    with pytest.raises(TypeError):
        format_euros(not_cents)


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (Decimal("0.66"), f"66{NBSP}%"),
        (Decimal("0.755"), f"75,5{NBSP}%"),
        (Decimal("0.75"), f"75{NBSP}%"),
        (Decimal("0.60"), f"60{NBSP}%"),
        (Decimal("0.40"), f"40{NBSP}%"),
        (Decimal("0.20"), f"20{NBSP}%"),
        (Decimal("0.005"), f"0,5{NBSP}%"),
        (Decimal("1"), f"100{NBSP}%"),
    ],
)
def test_format_rate_writes_a_french_percentage(rate, text):
    assert format_rate(rate) == text


def test_format_rate_refuses_a_float():
    with pytest.raises(TypeError):
        format_rate(0.66)


@settings(database=None)
@given(st.integers(min_value=1, max_value=MAX_CENTS))
def test_parse_euros_reads_back_what_format_euros_writes(cents):
    assert parse_euros(format_euros(cents)) == cents


@settings(database=None)
@given(st.integers(min_value=1, max_value=MAX_CENTS), st.sampled_from([".", ","]))
def test_parse_euros_reads_plain_decimals_exactly(cents, mark):
    assert parse_euros(f"{cents // 100}{mark}{cents % 100:02d}") == cents
