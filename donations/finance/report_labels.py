"""What the reports call their series and figures, in the reader's language, and their CSV rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l

from donations.finance.labels import KINDS, METHODS
from donations.finance.reports import Report
from donations.models import DonationKind, PaymentMethod

TITLES = {
    "by-kind": _l("Gifts per month, by kind"),
    "by-method": _l("Gifts per month, by payment method"),
    "monthly-donors": _l("Monthly donors over time"),
    "average-gift": _l("Average gift per month"),
    "fees": _l("Stripe fees per month"),
}

DESCRIPTIONS = {
    "by-kind": _l("Stacked bars of the money kept each month (received less refunds): one-off, monthly and IFI gifts."),
    "by-method": _l("Stacked bars of the money kept each month, by how it was paid."),
    "monthly-donors": _l(
        "Grouped bars for each month: monthly gifts paid, new ones, lapsed ones (no payment this month) and stopped ones."
    ),
    "average-gift": _l("Bars of the average payment kept each month."),
    "fees": _l("Stacked bars of Stripe's fees each month: on payments, and charged apart (disputes)."),
}

FIGURES = {
    "giving": _l("Paid this month"),
    "new": _l("New"),
    "lapsed": _l("Lapsed"),
    "stopped": _l("Stopped"),
    "average": _l("Average gift"),
    "payment_fees": _l("Fees on payments"),
    "other_fees": _l("Other fees"),
    "charged_on": _l("Amount charged"),
}

OTHER_METHODS = {"cheque": _l("Cheque"), "transfer": _l("Bank transfer"), "cash": _l("Cash")}


def series_label(value: str) -> str:
    """The label of a series: a kind of gift, a payment method or a figure."""
    if value in {kind.value for kind in DonationKind}:
        return str(KINDS[DonationKind(value)])
    if value in {method.value for method in PaymentMethod}:
        return str(METHODS[PaymentMethod(value)])
    return str(FIGURES.get(value) or OTHER_METHODS.get(value) or value)


def _figure(report: Report, value: int) -> str:
    if not report.money:
        return str(value)
    return f"{'-' if value < 0 else ''}{abs(value) // 100},{abs(value) % 100:02d}"


def csv_rows(report: Report) -> tuple[list[str], list[Sequence[Any]]]:
    """The header and rows of a report's CSV: the month (YYYY-MM), then each series (euros with a comma)."""
    header = [str(_l("Month")), *(series_label(s) for s in report.series)]
    rows: list[Sequence[Any]] = [
        [month.strftime("%Y-%m"), *(_figure(report, v) for v in values)] for month, values in report.rows
    ]
    return header, rows
