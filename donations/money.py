"""Euro amounts: parsing what people type, and the one French money format.

Money is integer cents everywhere in the project; this module is the border
where text becomes cents (`parse_euros`) and cents become text
(`format_euros`). Decimal only, never float, so no cent is ever lost.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency, format_percent

__all__ = ["AmountError", "format_euros", "format_rate", "parse_euros"]

# Babel's French pattern, spelt out so a CLDR update cannot silently change
# what receipts print: always two decimals, no-break space before the sign.
_EUROS_PATTERN = "#,##0.00\u00a0¤"
_RATE_PATTERN = "#,##0.##\u00a0%"

# People separate thousands with whatever their keyboard or a copy-paste gives.
_GROUP = "[ \u00a0\u202f]"
# Strict three-digit groups: "1 00" is more likely a typo than a hundred.
_AMOUNT = re.compile(
    rf"(?P<sign>[-\u2212]?)"
    rf"(?P<whole>[0-9]+|[0-9]{{1,3}}(?:{_GROUP}[0-9]{{3}})+)"
    rf"(?:[.,](?P<fraction>[0-9]+))?"
)
_CURRENCY_SUFFIX = re.compile(r"(?:€|eur)\s*$", re.IGNORECASE)


def for_the_catalogue(text: str) -> str:
    """Marks a message for the French catalogue (`pybabel extract -k for_the_catalogue`); the pages
    translate it where they show it (`giving.amounts.amount_error_message`)."""
    return text


# The one wording of each refusal, in English (the source language); `%(maximum)s` is the ceiling.
AMOUNT_MESSAGES = {
    "missing": for_the_catalogue("Please enter an amount."),
    "not_a_number": for_the_catalogue("Please enter an amount in euros, such as 50 or 50,00."),
    "too_many_decimals": for_the_catalogue("Please enter at most two decimals (cents), such as 50,25."),
    "not_positive": for_the_catalogue("Please enter an amount greater than zero."),
    "too_large": for_the_catalogue("Please enter an amount of at most %(maximum)s."),
}


class AmountError(ValueError):
    """An amount a person typed is refused.

    `str(error)` is an English message fit to show them; `code` names the
    reason for programs and tests ("missing", "not_a_number",
    "too_many_decimals", "not_positive", "too_large").
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    @classmethod
    def _for(cls, code: str, **details: object) -> AmountError:
        return cls(AMOUNT_MESSAGES[code] % details, code)


def parse_euros(text: str | None, *, max_cents: int = 100_000_000_000) -> int:
    """Return the cents of a euro amount typed by a person.

    Accepts "50", "50.00", "50,00", "50.5", " 1 000,50 " (space, no-break
    space or narrow no-break space between groups of three digits) and a
    trailing "€" or "EUR". Raises `AmountError` for an empty, non-numeric,
    signed, zero or over-`max_cents` amount, or one with more than two
    decimals. Exponents, "NaN" and "inf" are not numbers here.
    """
    stripped = _CURRENCY_SUFFIX.sub("", (text or "").strip()).strip()
    if not stripped:
        raise AmountError._for("missing")
    match = _AMOUNT.fullmatch(stripped)
    if match is None:
        raise AmountError._for("not_a_number")
    fraction = match["fraction"] or ""
    if len(fraction) > 2:
        raise AmountError._for("too_many_decimals")
    whole = re.sub(_GROUP, "", match["whole"]).lstrip("0") or "0"
    # Bounding the digits first keeps the Decimal product within its 28-digit
    # precision, so the multiplication is exact.
    cents = None if len(whole) > len(str(max_cents)) else Decimal(f"{whole}.{fraction or '0'}") * 100
    if match["sign"] or cents == 0:
        raise AmountError._for("not_positive")
    if cents is None or cents > max_cents:
        raise AmountError._for("too_large", maximum=format_euros(max_cents))
    return int(cents)


@lru_cache(maxsize=8192)  # pure; pages format the same few amounts again and again
def format_euros(cents: int) -> str:
    """Return cents as French money: 3400 -> "34,00 €", 3000000 -> "30 000,00 €".

    The thousands separator is a narrow no-break space (U+202F), the decimal
    mark a comma, and a no-break space (U+00A0) precedes "€", so the amount
    never wraps. Negative amounts read "-5,00 €". This is the only place the
    project turns cents into money text.
    """
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be an int, not {type(cents).__name__}")
    return format_currency(
        Decimal(cents).scaleb(-2), "EUR", format=_EUROS_PATTERN, locale="fr_FR", currency_digits=False
    )


@lru_cache(maxsize=256)
def format_rate(rate: Decimal) -> str:
    """Return a rate as a French percentage: 0.66 -> "66 %", 0.755 -> "75,5 %".

    Up to two decimals are shown and only when needed; a no-break space
    (U+00A0) precedes "%".
    """
    if not isinstance(rate, (Decimal, int)) or isinstance(rate, bool):
        raise TypeError(f"rate must be a Decimal, not {type(rate).__name__}")
    return format_percent(rate, format=_RATE_PATTERN, locale="fr_FR")
