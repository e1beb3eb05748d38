"""French tax reductions on gifts to a research foundation (FRUP).

Pure functions on integer cents with Decimal arithmetic, rounded half up to
the cent. Every rate, cap and ceiling comes from `TaxRules`, so the rules in
force can be stored with each donation and a later change of law never
rewrites history. See /work/shared/TAX_RULES.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

__all__ = [
    "IfiSplit",
    "Reduction",
    "Scheme",
    "TaxRules",
    "company_reduction",
    "ifi_ceiling_cents",
    "ifi_reduction",
    "ifi_split",
    "ifi_year",
    "income_tax_reduction",
    "tax_reduction",
]


class Scheme(enum.StrEnum):
    """The three reductions the foundation's donors can claim."""

    INCOME_TAX = "income_tax"  # CGI art. 200
    IFI = "ifi"  # CGI art. 978
    COMPANY = "company"  # CGI art. 238 bis


@dataclass(frozen=True)
class TaxRules:
    """Rates, caps and ceilings of the law; the defaults are the law in force."""

    income_tax_rate: Decimal = Decimal("0.66")
    income_tax_ceiling: Decimal = Decimal("0.20")  # share of taxable income
    ifi_rate: Decimal = Decimal("0.75")
    ifi_reduction_cap_cents: int = 5_000_000
    company_rate: Decimal = Decimal("0.60")
    company_reduced_rate: Decimal = Decimal("0.40")
    company_reduced_rate_above_cents: int = 200_000_000  # of gifts in a year
    company_floor_cents: int = 2_000_000
    company_turnover_ceiling: Decimal = Decimal("0.005")  # share of turnover excl. VAT
    carry_forward_years: int = 5

    def as_dict(self) -> dict[str, Any]:
        """Return the rules as a JSON-safe dict (Decimals as strings), to record on a donation."""
        return {
            name: str(value) if isinstance(value, Decimal) else value
            for name, value in dataclasses.asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaxRules:
        """Rebuild the rules recorded by `as_dict`; a key this version does not know is an error.

        A key missing from an older record takes today's default.
        """
        defaults = {field.name: field.default for field in dataclasses.fields(cls)}
        unknown = set(data) - set(defaults)
        if unknown:
            raise ValueError(f"unknown tax rule(s): {', '.join(sorted(unknown))}")
        return cls(
            **{  # type: ignore[arg-type]
                name: Decimal(str(value)) if isinstance(defaults[name], Decimal) else int(value)
                for name, value in data.items()
            }
        )


@dataclass(frozen=True)
class Reduction:
    """What a gift costs the donor once the reduction of the year is taken off.

    `rate` is the headline rate applied; for a company gift straddling the
    2 M€ band it is the rate of the first band (60 %), the part above getting
    the reduced rate. `capped` says a legal limit lowered the reduction;
    `carry_forward_cents` is the part of the gift above the ceiling, which
    the donor may claim over the next five years (always 0 for IFI, whose
    excess is lost). `net_cost_cents` counts this year's reduction only.
    """

    scheme: Scheme
    amount_cents: int
    reduction_cents: int
    net_cost_cents: int
    rate: Decimal
    capped: bool
    carry_forward_cents: int

    def as_json(self) -> dict[str, Any]:
        """Return the figures as a JSON-safe dict, the rate as a string such as "0.66"."""
        return {
            "amount_cents": self.amount_cents,
            "reduction_cents": self.reduction_cents,
            "net_cost_cents": self.net_cost_cents,
            "rate": str(self.rate),
            "capped": self.capped,
            "carry_forward_cents": self.carry_forward_cents,
        }


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _require_cents(name: str, value: int | None, *, positive: bool = False) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int of cents, not {type(value).__name__}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'zero or more'}, not {value}")


def _reduction(scheme: Scheme, amount: int, counted: int, reduction: int, rate: Decimal, capped: bool) -> Reduction:
    return Reduction(scheme, amount, reduction, amount - reduction, rate, capped, amount - counted)


def income_tax_reduction(
    amount_cents: int, rules: TaxRules = TaxRules(), taxable_income_cents: int | None = None
) -> Reduction:
    """Income-tax reduction (CGI art. 200): 66 % of gifts counted up to 20 % of taxable income.

    Without the taxable income, which only the donor knows, the gift counts in full.
    """
    _require_cents("amount_cents", amount_cents, positive=True)
    _require_cents("taxable_income_cents", taxable_income_cents)
    counted = amount_cents
    if taxable_income_cents is not None:
        counted = min(amount_cents, _cents(taxable_income_cents * rules.income_tax_ceiling))
    reduction = _cents(counted * rules.income_tax_rate)
    return _reduction(
        Scheme.INCOME_TAX, amount_cents, counted, reduction, rules.income_tax_rate, counted < amount_cents
    )


def ifi_reduction(amount_cents: int, rules: TaxRules = TaxRules()) -> Reduction:
    """IFI reduction (CGI art. 978): 75 % of the gift, the reduction capped at 50 000 € a year.

    `capped` is True only when the cap lowers the rounded reduction; the excess
    does not carry forward.
    """
    _require_cents("amount_cents", amount_cents, positive=True)
    uncapped = _cents(amount_cents * rules.ifi_rate)
    reduction = min(uncapped, rules.ifi_reduction_cap_cents)
    return _reduction(Scheme.IFI, amount_cents, amount_cents, reduction, rules.ifi_rate, reduction < uncapped)


def company_reduction(amount_cents: int, rules: TaxRules = TaxRules(), turnover_cents: int | None = None) -> Reduction:
    """Company reduction (CGI art. 238 bis): 60 % up to 2 M€ of gifts, 40 % above.

    Gifts count up to 20 000 € or 0.5 % of turnover excluding VAT, whichever
    is higher; without the turnover, which only the donor knows, the gift
    counts in full. The 2 M€ band is applied to this gift alone.
    """
    _require_cents("amount_cents", amount_cents, positive=True)
    _require_cents("turnover_cents", turnover_cents)
    counted = amount_cents
    if turnover_cents is not None:
        ceiling = max(rules.company_floor_cents, _cents(turnover_cents * rules.company_turnover_ceiling))
        counted = min(amount_cents, ceiling)
    band = rules.company_reduced_rate_above_cents
    # Rounded once on the sum of both bands, so the split adds no rounding error.
    reduction = _cents(min(counted, band) * rules.company_rate + max(counted - band, 0) * rules.company_reduced_rate)
    return _reduction(Scheme.COMPANY, amount_cents, counted, reduction, rules.company_rate, counted < amount_cents)


def tax_reduction(
    scheme: Scheme | str,
    amount_cents: int,
    rules: TaxRules = TaxRules(),
    *,
    taxable_income_cents: int | None = None,
    turnover_cents: int | None = None,
) -> Reduction:
    """The reduction a gift of `amount_cents` earns under `scheme`.

    Figures that do not apply to the scheme are checked but ignored. Raises
    ValueError for an unknown scheme, an amount that is not positive, or a
    negative taxable income or turnover.
    """
    scheme = Scheme(scheme)
    _require_cents("taxable_income_cents", taxable_income_cents)
    _require_cents("turnover_cents", turnover_cents)
    match scheme:
        case Scheme.INCOME_TAX:
            return income_tax_reduction(amount_cents, rules, taxable_income_cents)
        case Scheme.IFI:
            return ifi_reduction(amount_cents, rules)
        case Scheme.COMPANY:
            return company_reduction(amount_cents, rules, turnover_cents)


@dataclass(frozen=True)
class IfiSplit:
    """An IFI gift split so that no euro counts twice: the part that earns the IFI reduction
    (art. 978), and the excess counted for income tax instead (art. 200)."""

    ifi_cents: int
    income_tax_cents: int
    ifi: Reduction
    income_tax: Reduction | None

    @property
    def net_cost_cents(self) -> int:
        return self.ifi.net_cost_cents + (self.income_tax.net_cost_cents if self.income_tax else 0)


def ifi_ceiling_cents(rules: TaxRules = TaxRules()) -> int:
    """The IFI gift whose reduction reaches the cap (66 666,67 € with 75 % and 50 000 €): above it,
    the IFI reduction grows no more."""
    return int((Decimal(rules.ifi_reduction_cap_cents) / rules.ifi_rate).to_integral_value(rounding=ROUND_CEILING))


def ifi_split(amount_cents: int, rules: TaxRules = TaxRules(), taxable_income_cents: int | None = None) -> IfiSplit:
    """Split an IFI gift at the IFI ceiling: the excess, which the IFI reduction no longer
    rewards, counts for income tax (within 20 % of taxable income). A gift at or under the
    ceiling stays whole under IFI.
    """
    _require_cents("amount_cents", amount_cents, positive=True)
    ifi_part = min(amount_cents, ifi_ceiling_cents(rules))
    rest = amount_cents - ifi_part
    return IfiSplit(
        ifi_part,
        rest,
        ifi_reduction(ifi_part, rules),
        income_tax_reduction(rest, rules, taxable_income_cents) if rest else None,
    )


def ifi_year(received_on: dt.date, deadline: tuple[int, int]) -> int:
    """The IFI year a gift received on `received_on` counts for: year N from the day after year
    N-1's filing deadline up to year N's (`deadline` is the (month, day) of TAX_IFI_DEADLINE)."""
    month, day = deadline
    return received_on.year if (received_on.month, received_on.day) <= (month, day) else received_on.year + 1
