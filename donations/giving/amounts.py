"""Amounts typed by visitors, turned into cents with messages in their language."""

from __future__ import annotations

from flask_babel import gettext as _

from donations.money import AmountError, format_euros, parse_euros

# Larger than any gift the form accepts, small enough to refuse nonsense early.
ABSURD_CENTS = 100_000_000_000


def amount_error_message(error: AmountError, max_cents: int = ABSURD_CENTS) -> str:
    """The visitor-facing message for a refused amount, translated."""
    messages = {
        "missing": _("Please enter an amount."),
        "not_a_number": _("Please enter an amount in euros, such as 50 or 50,00."),
        "too_many_decimals": _("Please enter at most two decimals (cents), such as 50,25."),
        "not_positive": _("Please enter an amount greater than zero."),
        "too_large": _("Please enter an amount of at most %(maximum)s.", maximum=format_euros(max_cents)),
    }
    return messages.get(error.code, str(error))


def parse_visitor_amount(text: str | None, max_cents: int = ABSURD_CENTS) -> tuple[int | None, str | None]:
    """(cents, None) for a good amount, (None, message) for a refused one."""
    try:
        return parse_euros(text, max_cents=max_cents), None
    except AmountError as error:
        return None, amount_error_message(error, max_cents)
