"""The net-cost widget of the landing page: which gift, and what it really costs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from donations.clock import paris_date, utcnow
from donations.config import tax_rules_from
from donations.models import DonationKind
from donations.presets import parse_presets
from donations.tax import IfiSplit, Reduction, Scheme, TaxRules, ifi_ceiling_cents, ifi_split, ifi_year, tax_reduction

MONTHS_IN_A_YEAR = 12
DEFAULT_PRESET_INDEX = {DonationKind.ONE_OFF: 2, DonationKind.MONTHLY: 1, DonationKind.IFI: 1}
PRESET_SETTINGS = {
    DonationKind.ONE_OFF: "DONATION_PRESETS",
    DonationKind.MONTHLY: "DONATION_MONTHLY_PRESETS",
    DonationKind.IFI: "DONATION_IFI_PRESETS",
}


def scheme_for(kind: DonationKind, company: bool = False) -> Scheme:
    """The tax scheme a gift falls under: IFI gifts under IFI, companies under art. 238 bis."""
    if company:
        return Scheme.COMPANY
    return Scheme.IFI if kind == DonationKind.IFI else Scheme.INCOME_TAX


@dataclass(frozen=True)
class NetCost:
    """A gift and what it costs after the reduction (and over a year, for a monthly gift)."""

    kind: DonationKind
    amount_cents: int
    reduction: Reduction
    yearly: Reduction | None
    rules: TaxRules
    # The IFI year a gift made today counts for (TAX_IFI_DEADLINE decides).
    ifi_year: int
    # For an IFI gift above the IFI ceiling: the split the donor may choose (art. 978 + art. 200).
    split: IfiSplit | None = None


def net_cost(
    kind: DonationKind,
    amount_cents: int,
    config: Mapping[str, Any],
    company: bool = False,
    taxable_income_cents: int | None = None,
    turnover_cents: int | None = None,
) -> NetCost:
    """The widget's figures for `amount_cents` given as `kind`, under the rules in force
    (capped by the donor's taxable income or turnover when they gave it)."""
    rules = tax_rules_from(config)
    scheme = scheme_for(kind, company)
    extra = {"taxable_income_cents": taxable_income_cents, "turnover_cents": turnover_cents}
    yearly = None
    if kind == DonationKind.MONTHLY:
        yearly = tax_reduction(scheme, amount_cents * MONTHS_IN_A_YEAR, rules, **extra)
    split = ifi_split(amount_cents, rules) if scheme == Scheme.IFI and amount_cents > ifi_ceiling_cents(rules) else None
    return NetCost(
        kind,
        amount_cents,
        tax_reduction(scheme, amount_cents, rules, **extra),
        yearly,
        rules,
        ifi_year=ifi_year_today(config),
        split=split,
    )


def ifi_year_today(config: Mapping[str, Any]) -> int:
    """The IFI year a gift made today (Paris) counts for."""
    return ifi_year(paris_date(utcnow()), config["TAX_IFI_DEADLINE"])


def presets(config: Mapping[str, Any]) -> dict[DonationKind, list[int]]:
    """Preset amounts, in cents, for each kind of gift."""
    return {kind: parse_presets(config[setting]) for kind, setting in PRESET_SETTINGS.items()}


def default_amount(kind: DonationKind, config: Mapping[str, Any]) -> int:
    amounts = presets(config)[kind]
    return amounts[min(DEFAULT_PRESET_INDEX[kind], len(amounts) - 1)]
