"""The three French tax reductions, checked against TAX_RULES.md."""

import dataclasses
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from donations.money import format_euros
from donations.tax import (
    Reduction,
    Scheme,
    TaxRules,
    company_reduction,
    ifi_reduction,
    income_tax_reduction,
    tax_reduction,
)

NBSP = "\u00a0"
NNBSP = "\u202f"


def euros(text: str) -> str:
    """French money as TAX_RULES.md writes it, with the exact spaces format_euros uses."""
    return text.replace(" ", NNBSP).replace(NNBSP + "€", NBSP + "€")


# --- Examples the landing page and the form must reproduce (TAX_RULES.md) ---


@pytest.mark.parametrize(
    ("scheme", "amount_cents", "reduction_cents", "net_cost_cents", "net_text"),
    [
        (Scheme.INCOME_TAX, 10_000, 6_600, 3_400, "34,00 €"),
        (Scheme.INCOME_TAX, 5_000, 3_300, 1_700, "17,00 €"),
        (Scheme.INCOME_TAX, 3_000, 1_980, 1_020, "10,20 €"),
        (Scheme.INCOME_TAX, 1_500, 990, 510, "5,10 €"),
        (Scheme.IFI, 100_000, 75_000, 25_000, "250,00 €"),
        (Scheme.IFI, 8_000_000, 5_000_000, 3_000_000, "30 000,00 €"),
        (Scheme.COMPANY, 1_000_000, 600_000, 400_000, "4 000,00 €"),
    ],
)
def test_net_cost_examples_of_the_tax_rules(scheme, amount_cents, reduction_cents, net_cost_cents, net_text):
    result = tax_reduction(scheme, amount_cents)
    assert (result.reduction_cents, result.net_cost_cents) == (reduction_cents, net_cost_cents)
    assert format_euros(result.net_cost_cents) == euros(net_text)


def test_15_euros_a_month_costs_5_10_a_month_and_61_20_a_year():
    monthly = income_tax_reduction(1_500)
    assert format_euros(monthly.net_cost_cents) == euros("5,10 €")
    assert format_euros(12 * monthly.net_cost_cents) == euros("61,20 €")
    assert income_tax_reduction(12 * 1_500).net_cost_cents == 6_120


def test_80000_euros_ifi_gift_gets_the_50000_euros_reduction_cap():
    result = ifi_reduction(8_000_000)
    assert format_euros(result.reduction_cents) == euros("50 000,00 €")
    assert format_euros(result.net_cost_cents) == euros("30 000,00 €")
    assert result.capped
    assert result.carry_forward_cents == 0


@pytest.mark.parametrize(
    ("scheme", "rate"), [(Scheme.INCOME_TAX, "0.66"), (Scheme.IFI, "0.75"), (Scheme.COMPANY, "0.60")]
)
def test_each_scheme_reports_its_headline_rate(scheme, rate):
    assert tax_reduction(scheme, 10_000).rate == Decimal(rate)


# --- Rounding: half up, to the cent ---


@pytest.mark.parametrize(
    ("scheme", "amount_cents", "reduction_cents"),
    [
        (Scheme.INCOME_TAX, 1, 1),  # 0.66 cent
        (Scheme.IFI, 1, 1),  # 0.75 cent
        (Scheme.COMPANY, 1, 1),  # 0.60 cent
        (Scheme.INCOME_TAX, 25, 17),  # 16.5: half up, where half even would give 16
        (Scheme.INCOME_TAX, 75, 50),  # 49.5
        (Scheme.INCOME_TAX, 26, 17),  # 17.16
        (Scheme.IFI, 6, 5),  # 4.5: half up, where half even would give 4
        (Scheme.IFI, 2, 2),  # 1.5
        (Scheme.IFI, 3, 2),  # 2.25
        (Scheme.COMPANY, 3, 2),  # 1.8
        (Scheme.COMPANY, 4, 2),  # 2.4
    ],
)
def test_reduction_is_rounded_half_up_to_the_cent(scheme, amount_cents, reduction_cents):
    result = tax_reduction(scheme, amount_cents)
    assert result.reduction_cents == reduction_cents
    assert result.net_cost_cents == amount_cents - reduction_cents


def test_one_cent_income_tax_gift_costs_nothing_after_rounding():
    result = income_tax_reduction(1)
    assert (result.reduction_cents, result.net_cost_cents) == (1, 0)


# --- IFI cap ---


@pytest.mark.parametrize(
    ("amount_cents", "reduction_cents", "capped"),
    [
        (6_666_665, 4_999_999, False),  # 4 999 998.75
        (6_666_666, 5_000_000, False),  # 4 999 999.5 rounds up to the cap itself
        (6_666_667, 5_000_000, False),  # 5 000 000.25 rounds down to the cap: the cap does not bite
        (6_666_668, 5_000_000, True),  # 5 000 001 would exceed it
        (10_000_000, 5_000_000, True),
    ],
)
def test_ifi_reduction_is_capped_at_50000_euros(amount_cents, reduction_cents, capped):
    result = ifi_reduction(amount_cents)
    assert result.reduction_cents == reduction_cents
    assert result.capped is capped
    assert result.net_cost_cents == amount_cents - reduction_cents
    assert result.carry_forward_cents == 0


def test_ifi_gifts_above_66666_67_euros_add_nothing():
    assert ifi_reduction(6_666_667).reduction_cents == ifi_reduction(20_000_000).reduction_cents
    assert format_euros(ifi_reduction(6_666_667).net_cost_cents) == euros("16 666,67 €")


# --- Income tax: gifts counted up to 20 % of taxable income ---


def test_income_tax_gift_without_taxable_income_is_uncapped():
    result = income_tax_reduction(100_000_000)
    assert (result.reduction_cents, result.capped, result.carry_forward_cents) == (66_000_000, False, 0)


@pytest.mark.parametrize(
    ("amount_cents", "reduction_cents", "capped", "carry_forward_cents"),
    [
        (999_999, 659_999, False, 0),  # 659 999.34
        (1_000_000, 660_000, False, 0),  # exactly 20 % of 50 000 €
        (1_000_001, 660_000, True, 1),  # one cent above: that cent carries forward
        (1_500_000, 660_000, True, 500_000),
    ],
)
def test_income_tax_gifts_count_up_to_20_percent_of_taxable_income(
    amount_cents, reduction_cents, capped, carry_forward_cents
):
    result = income_tax_reduction(amount_cents, taxable_income_cents=5_000_000)
    assert result.reduction_cents == reduction_cents
    assert result.capped is capped
    assert result.carry_forward_cents == carry_forward_cents
    assert result.net_cost_cents == amount_cents - reduction_cents


def test_income_tax_gift_with_no_taxable_income_all_carries_forward():
    result = income_tax_reduction(10_000, taxable_income_cents=0)
    assert (result.reduction_cents, result.net_cost_cents) == (0, 10_000)
    assert result.capped and result.carry_forward_cents == 10_000


# --- Companies: 60 % up to 2 M€, 40 % above; ceiling 20 000 € or 0.5 % of turnover ---


@pytest.mark.parametrize(
    ("amount_cents", "reduction_cents"),
    [
        (200_000_000, 120_000_000),  # exactly 2 M€: all at 60 %
        (200_000_100, 120_000_040),  # 2 M€ + 1 €: the euro above gets 40 %
        (300_000_000, 160_000_000),
    ],
)
def test_company_gifts_above_2_million_euros_get_40_percent(amount_cents, reduction_cents):
    result = company_reduction(amount_cents)
    assert result.reduction_cents == reduction_cents
    assert result.net_cost_cents == amount_cents - reduction_cents
    assert result.rate == Decimal("0.60")
    assert not result.capped


def test_company_gift_of_2_million_and_1_euro_reads_in_french():
    result = company_reduction(200_000_100)
    assert format_euros(result.reduction_cents) == euros("1 200 000,40 €")
    assert format_euros(result.net_cost_cents) == euros("800 000,60 €")


@pytest.mark.parametrize(
    ("turnover_cents", "amount_cents", "reduction_cents", "carry_forward_cents"),
    [
        (1_000_000_000, 5_000_000, 3_000_000, 0),  # 10 M€ turnover: ceiling 50 000 €
        (1_000_000_000, 5_000_100, 3_000_000, 100),
        (1_000_000_000, 6_000_000, 3_000_000, 1_000_000),
        (100_000_000, 2_000_000, 1_200_000, 0),  # 1 M€ turnover: the 20 000 € floor applies
        (100_000_000, 3_000_000, 1_200_000, 1_000_000),
        (0, 2_000_001, 1_200_000, 1),
        (100_000_000, 1_000_000, 600_000, 0),  # the 10 000 € example, within the floor
    ],
)
def test_company_gifts_count_up_to_the_higher_of_20000_euros_and_half_a_percent_of_turnover(
    turnover_cents, amount_cents, reduction_cents, carry_forward_cents
):
    result = company_reduction(amount_cents, turnover_cents=turnover_cents)
    assert result.reduction_cents == reduction_cents
    assert result.carry_forward_cents == carry_forward_cents
    assert result.capped is (carry_forward_cents > 0)
    assert result.net_cost_cents == amount_cents - reduction_cents


def test_company_gift_without_turnover_is_uncapped():
    result = company_reduction(10_000_000)
    assert (result.reduction_cents, result.capped, result.carry_forward_cents) == (6_000_000, False, 0)


# --- Dispatch and refusals ---


@pytest.mark.parametrize("scheme", ["income_tax", "ifi", "company"])
def test_tax_reduction_accepts_the_scheme_by_name(scheme):
    assert tax_reduction(scheme, 10_000).scheme is Scheme(scheme)


def test_tax_reduction_passes_the_figure_each_scheme_needs():
    assert tax_reduction(Scheme.INCOME_TAX, 1_500_000, taxable_income_cents=5_000_000).carry_forward_cents == 500_000
    assert tax_reduction(Scheme.COMPANY, 3_000_000, turnover_cents=100_000_000).carry_forward_cents == 1_000_000
    assert tax_reduction(Scheme.IFI, 10_000, taxable_income_cents=1, turnover_cents=1) == ifi_reduction(10_000)


@pytest.mark.parametrize("scheme", list(Scheme))
@pytest.mark.parametrize("amount_cents", [0, -1, -10_000])
def test_tax_reduction_refuses_an_amount_that_is_not_positive(scheme, amount_cents):
    with pytest.raises(ValueError):
        tax_reduction(scheme, amount_cents)


@pytest.mark.parametrize("figures", [{"taxable_income_cents": -1}, {"turnover_cents": -1}], ids=["income", "turnover"])
@pytest.mark.parametrize("scheme", list(Scheme))
def test_tax_reduction_refuses_a_negative_income_or_turnover(scheme, figures):
    with pytest.raises(ValueError):
        tax_reduction(scheme, 10_000, **figures)


def test_tax_reduction_refuses_an_unknown_scheme():
    with pytest.raises(ValueError):
        tax_reduction("coluche", 10_000)


@pytest.mark.parametrize("amount", [100.0, Decimal("100"), "100", True])
def test_tax_reduction_takes_only_integer_cents(amount):
    with pytest.raises(TypeError):
        tax_reduction(Scheme.INCOME_TAX, amount)


# --- Rules are configuration, recorded on each donation ---


def test_a_changed_rate_changes_the_result():
    rules = TaxRules(income_tax_rate=Decimal("0.70"))
    result = income_tax_reduction(10_000, rules)
    assert (result.reduction_cents, result.net_cost_cents, result.rate) == (7_000, 3_000, Decimal("0.70"))


def test_a_changed_ifi_cap_changes_the_result():
    result = ifi_reduction(8_000_000, TaxRules(ifi_reduction_cap_cents=4_000_000))
    assert (result.reduction_cents, result.capped) == (4_000_000, True)


def test_default_rules_are_the_law():
    assert TaxRules().as_dict() == {
        "income_tax_rate": "0.66",
        "income_tax_ceiling": "0.20",
        "ifi_rate": "0.75",
        "ifi_reduction_cap_cents": 5_000_000,
        "company_rate": "0.60",
        "company_reduced_rate": "0.40",
        "company_reduced_rate_above_cents": 200_000_000,
        "company_floor_cents": 2_000_000,
        "company_turnover_ceiling": "0.005",
        "carry_forward_years": 5,
    }


@pytest.mark.parametrize(
    "rules", [TaxRules(), TaxRules(income_tax_rate=Decimal("0.70"), company_floor_cents=1_000_000)]
)
def test_tax_rules_survive_a_json_round_trip(rules):
    restored = TaxRules.from_dict(json.loads(json.dumps(rules.as_dict())))
    assert restored == rules
    assert all(type(getattr(restored, f.name)) is type(getattr(rules, f.name)) for f in dataclasses.fields(rules))


def test_tax_rules_from_an_older_record_take_todays_default_for_a_missing_rule():
    recorded = TaxRules().as_dict()
    del recorded["carry_forward_years"]
    assert TaxRules.from_dict(recorded) == TaxRules()


def test_tax_rules_refuse_an_unknown_rule():
    with pytest.raises(ValueError, match="coluche_rate"):
        TaxRules.from_dict({**TaxRules().as_dict(), "coluche_rate": "0.75"})


def test_tax_rules_and_reductions_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TaxRules().ifi_rate = Decimal("1")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        income_tax_reduction(100).reduction_cents = 0  # type: ignore[misc]


def test_reduction_as_json_is_json_safe():
    result = income_tax_reduction(10_000)
    assert result.as_json() == {
        "amount_cents": 10_000,
        "reduction_cents": 6_600,
        "net_cost_cents": 3_400,
        "rate": "0.66",
        "capped": False,
        "carry_forward_cents": 0,
    }
    assert json.loads(json.dumps(result.as_json())) == result.as_json()


def test_capped_reduction_as_json_reports_the_carry_forward():
    data = company_reduction(3_000_000, turnover_cents=100_000_000).as_json()
    assert (data["capped"], data["carry_forward_cents"], data["rate"]) == (True, 1_000_000, "0.60")


# --- Properties over any amount ---

amounts = st.integers(min_value=1, max_value=10**11)
figures = st.none() | st.integers(min_value=0, max_value=10**13)


@settings(database=None)
@given(st.sampled_from(list(Scheme)), amounts, figures, figures)
def test_reduction_is_between_nothing_and_the_gift_and_adds_up(scheme, amount, income, turnover):
    result = tax_reduction(scheme, amount, taxable_income_cents=income, turnover_cents=turnover)
    assert isinstance(result, Reduction)
    assert 0 <= result.reduction_cents <= amount
    assert result.net_cost_cents + result.reduction_cents == amount
    assert 0 <= result.carry_forward_cents <= amount
    assert result.capped or result.carry_forward_cents == 0


@settings(database=None)
@given(st.sampled_from(list(Scheme)), amounts, amounts, figures, figures)
def test_giving_more_never_lowers_the_reduction(scheme, first, second, income, turnover):
    def reduction(amount):
        return tax_reduction(scheme, amount, taxable_income_cents=income, turnover_cents=turnover).reduction_cents

    smaller, larger = sorted((first, second))
    assert reduction(smaller) <= reduction(larger)


@settings(database=None)
@given(amounts)
def test_ifi_reduction_never_exceeds_its_cap(amount):
    assert ifi_reduction(amount).reduction_cents <= TaxRules().ifi_reduction_cap_cents


def test_an_ifi_gift_splits_at_the_ifi_ceiling_so_no_euro_counts_twice() -> None:
    from donations.tax import ifi_ceiling_cents, ifi_split

    assert ifi_ceiling_cents() == 6_666_667  # 66 666,67 €: 75 % of it reaches the 50 000 € cap
    split = ifi_split(8_000_000)
    assert (split.ifi_cents, split.income_tax_cents) == (6_666_667, 1_333_333)
    assert split.ifi.reduction_cents == 5_000_000 and split.income_tax is not None
    assert split.income_tax.reduction_cents == 880_000  # 66 % of 13 333,33 €
    assert split.net_cost_cents == 2_120_000  # against 3 000 000 unsplit
    under = ifi_split(100_000)
    assert (under.ifi_cents, under.income_tax_cents, under.income_tax) == (100_000, 0, None)


def test_an_ifi_gift_counts_for_the_year_whose_filing_deadline_it_precedes() -> None:
    import datetime as dt

    from donations.tax import ifi_year

    assert ifi_year(dt.date(2026, 6, 12), (6, 12)) == 2026
    assert ifi_year(dt.date(2026, 6, 13), (6, 12)) == 2027
    assert ifi_year(dt.date(2026, 1, 1), (6, 12)) == 2026
