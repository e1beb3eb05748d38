"""Amount of a tax receipt in French words and in figures (TAX_RULES.md,
"Mandatory mentions", item 4).

Spelling: the *traditional* (pre-1990) French spelling, as num2words writes it
by default and as French associations' receipts commonly print it:

* hyphens only between tens and units below one hundred ("quatre-vingt-dix-neuf",
  "dix-sept"), never around "cent", "mille", "million", "milliard"
  ("deux cent un", "cinq mille", "un million deux cents");
* "et" joins 21, 31, 41, 51, 61 and 71 ("vingt et un", "soixante et onze"),
  but not 81 or 91 ("quatre-vingt-un", "quatre-vingt-onze");
* "quatre-vingts" and "cents" take an s only when no other number word follows
  them (or when "millions"/"milliards" follows, those being nouns):
  "quatre-vingts euros", "deux cents euros", "deux cent un euros",
  "quatre-vingt mille", "deux cents millions d'euros"; "mille" is invariable.

The 1990 reform (hyphens everywhere: "vingt-et-un", "deux-cent-un") is NOT used.

Only the integer words come from ``num2words(n, lang="fr")``. Its output for
integers (version 0.5.14) was checked against these rules and against an
independent implementation of them (1 .. 1 100 000 plus random numbers up to
10**11) and found right; tests/unit/test_words.py guards each rule. Euros and
centimes are composed here, because num2words' currency mode gets French wrong
("zéro euros et un centime", "un euro et zéro centimes", "un million euros"):

* "d'euros" after a number that ends with million(s)/milliard(s) exactly
  ("un million d'euros", "deux millions d'euros"), otherwise "euros"
  ("un million deux cents euros"); "un euro" singular;
* no "zéro centime" for a whole amount, and no "zéro euro" below one euro
  ("un centime", "quatre-vingts centimes");
* "centime" singular for one, "centimes" otherwise; the two parts are joined
  by "et": "quatre-vingt-dix-neuf euros et quatre-vingt-dix-neuf centimes".
"""

import functools

from num2words import num2words

from donations.money import format_euros

__all__ = ["amount_in_figures", "amount_in_words"]

_LARGE_NOUNS = ("million", "millions", "milliard", "milliards")


def _check_cents(cents: int) -> None:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be an int, got {type(cents).__name__}")
    if cents <= 0:
        raise ValueError(f"a receipt amount must be positive, got {cents} cents")


def _number(n: int) -> str:
    return num2words(n, lang="fr")


def _euros(euros: int) -> str:
    words = _number(euros)
    if words.rsplit(" ", 1)[-1] in _LARGE_NOUNS:
        return f"{words} d'euros"
    return f"{words} {'euro' if euros == 1 else 'euros'}"


def _centimes(centimes: int) -> str:
    return f"{_number(centimes)} {'centime' if centimes == 1 else 'centimes'}"


def amount_in_words(cents: int) -> str:
    """The amount in French words: 15000 -> "cent cinquante euros".

    Raises ValueError for cents <= 0 (and TypeError for a non-int).
    """
    _check_cents(cents)
    return _in_words(cents)


@functools.lru_cache(maxsize=1024)  # the same few amounts again and again (the presets)
def _in_words(cents: int) -> str:
    euros, centimes = divmod(cents, 100)
    parts = []
    if euros:
        parts.append(_euros(euros))
    if centimes:
        parts.append(_centimes(centimes))
    return " et ".join(parts)


def amount_in_figures(cents: int) -> str:
    """The amount in figures framed by asterisks: 15000 -> "***150,00\u00a0€***".

    Raises ValueError for cents <= 0 (and TypeError for a non-int).
    """
    _check_cents(cents)
    return f"***{format_euros(cents)}***"
