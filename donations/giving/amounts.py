"""Amounts typed by visitors, turned into cents with messages in their language."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext

from donations.money import AMOUNT_MESSAGES, AmountError, format_euros, parse_euros

# A form's amount left empty (DataRequired's message), worded once in donations.money.
AMOUNT_REQUIRED = lazy_gettext(AMOUNT_MESSAGES["missing"])

# Larger than any gift the form accepts, small enough to refuse nonsense early.
ABSURD_CENTS = 100_000_000_000


def amount_error_message(error: AmountError, max_cents: int = ABSURD_CENTS) -> str:
    """The visitor-facing message for a refused amount, translated."""
    if error.code not in AMOUNT_MESSAGES:
        return str(error)
    return _(AMOUNT_MESSAGES[error.code], maximum=format_euros(max_cents))


def parse_visitor_amount(text: str | None, max_cents: int = ABSURD_CENTS) -> tuple[int | None, str | None]:
    """(cents, None) for a good amount, (None, message) for a refused one."""
    try:
        return parse_euros(text, max_cents=max_cents), None
    except AmountError as error:
        return None, amount_error_message(error, max_cents)
