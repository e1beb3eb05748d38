"""Covering the payment fees: what a donor adds so that the foundation receives the whole gift.

The estimate per payment method comes from configuration (`FEES_CARD`,
`FEES_SEPA_DEBIT`), each written as a percentage and/or a fixed sum in euros:
"1.5%+0.25", "0.35", "1.4%". The sum added is grossed up, since the fee is
also charged on what is added: the smallest whole number of cents such that
the gift plus it, less the estimated fee on that total, is at least the gift.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from donations.models import PaymentMethod

FEE_SETTINGS = {PaymentMethod.CARD: "FEES_CARD", PaymentMethod.SEPA_DEBIT: "FEES_SEPA_DEBIT"}

# "1.5%+0.25", "1.5%", "0.35": a "+" joins the two parts, and only when both are there.
_PART = re.compile(r"^\s*(?:(?P<rate>\d+(?:[.,]\d+)?)\s*%)?\s*(?:(?(rate)\+)\s*(?P<fixed>\d+(?:[.,]\d{1,2})?))?\s*$")


@dataclass(frozen=True)
class FeeFormula:
    """A payment method's estimated fee: a share of the sum charged plus a fixed part."""

    rate: Decimal
    fixed_cents: int

    def fee_on(self, charged_cents: int) -> int:
        """The estimated fee on a charge of `charged_cents` (rounded up to the cent)."""
        return int((Decimal(charged_cents) * self.rate + self.fixed_cents).to_integral_value(ROUND_CEILING))

    def covering(self, gift_cents: int) -> int:
        """What to add to `gift_cents` so that, once the fee on the total is taken, the gift remains."""
        total = int(((Decimal(gift_cents) + self.fixed_cents) / (1 - self.rate)).to_integral_value(ROUND_CEILING))
        while total - self.fee_on(total) < gift_cents:  # the fee's own rounding up, at most a cent or two
            total += 1
        return total - gift_cents


def parse_fee_formula(text: str) -> FeeFormula:
    """ "1.5%+0.25" → 1.5 % of the charge plus 0,25 €; "0.35" → 0,35 €; ValueError when malformed."""
    match = _PART.match(text or "")
    if not match or not (match["rate"] or match["fixed"]):
        raise ValueError("expected a percentage and/or a sum in euros, such as 1.5%+0.25 or 0.35")
    rate = Decimal(match["rate"].replace(",", ".")) / 100 if match["rate"] else Decimal(0)
    if rate >= Decimal("0.2"):
        raise ValueError("a fee of 20 % or more cannot be right")
    fixed = int(Decimal(match["fixed"].replace(",", ".")) * 100) if match["fixed"] else 0
    return FeeFormula(rate=rate, fixed_cents=fixed)


def fee_formulas(config: Mapping[str, Any]) -> dict[PaymentMethod, FeeFormula]:
    """The configured estimate of each payment method."""
    return {method: parse_fee_formula(str(config[setting])) for method, setting in FEE_SETTINGS.items()}


def fees_to_cover(gift_cents: int, method: PaymentMethod, config: Mapping[str, Any]) -> int:
    """The sum added to a gift of `gift_cents` paid by `method` when the donor covers the fees."""
    return fee_formulas(config)[method].covering(gift_cents)
