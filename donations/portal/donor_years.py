"""The donor area's summary per year: what was given, the reduction to expect, and where to declare it.

Counted from the payments received (what is kept after refunds), by the year each one
counts for: the Paris calendar year for income tax and companies, the IFI year (which
ends at the filing deadline) for IFI. A gift split between IFI and income tax counts its
IFI part under IFI and the rest under income tax, never the same euro twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from donations.config import tax_rules_from
from donations.models import Donation, PaymentStatus, Receipt
from donations.tax import Scheme, ifi_year, tax_reduction


@dataclass(frozen=True)
class YearLine:
    """One year under one scheme: given, the reduction it brings, and the receipts that prove it."""

    year: int
    scheme: Scheme
    given_cents: int
    reduction_cents: int
    capped: bool
    receipt_numbers: tuple[str, ...]


def _parts(donation: Donation, kept: int) -> list[tuple[Scheme, int]]:
    """The payment's kept sum under each scheme (an IFI split keeps its proportion)."""
    if donation.tax_scheme == Scheme.IFI and 0 < donation.ifi_cents < donation.amount_cents:
        ifi = kept * donation.ifi_cents // donation.amount_cents
        return [(Scheme.IFI, ifi), (Scheme.INCOME_TAX, kept - ifi)]
    return [(donation.tax_scheme, kept)]


def summary(donations: Iterable[Donation], receipts: Iterable[Receipt], config: Mapping[str, Any]) -> list[YearLine]:
    """The donor's years, newest first, each scheme on its own line."""
    rules = tax_rules_from(config)
    given: dict[tuple[int, Scheme], int] = defaultdict(int)
    for donation in donations:
        for payment in donation.payments:
            if payment.status != PaymentStatus.SUCCEEDED or payment.received_on is None or payment.kept_cents <= 0:
                continue
            for scheme, cents in _parts(donation, payment.kept_cents):
                if cents <= 0:
                    continue
                year = (
                    ifi_year(payment.received_on, config["TAX_IFI_DEADLINE"])
                    if scheme == Scheme.IFI
                    else payment.received_on.year
                )
                given[(year, scheme)] += cents
    numbers: dict[tuple[int, Scheme], list[str]] = defaultdict(list)
    for receipt in receipts:
        if receipt.status.value == "issued":
            scheme = {"978": Scheme.IFI, "238 bis": Scheme.COMPANY}.get(receipt.article, Scheme.INCOME_TAX)
            numbers[(receipt.year, scheme)].append(receipt.number)
    lines = []
    for (year, scheme), cents in given.items():
        reduction = tax_reduction(scheme, cents, rules)
        lines.append(
            YearLine(
                year,
                scheme,
                cents,
                reduction.reduction_cents,
                reduction.capped,
                tuple(sorted(numbers.get((year, scheme), []))),
            )
        )
    order = {Scheme.INCOME_TAX: 0, Scheme.IFI: 1, Scheme.COMPANY: 2}
    return sorted(lines, key=lambda line: (-line.year, order[line.scheme]))
