"""The foundation's bank details, given to donors who give by transfer: IBAN and BIC, checked."""

from __future__ import annotations

import re

_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")


def parse_iban(text: str) -> str:
    """An IBAN without its spaces, upper case; ValueError unless its check digits (ISO 13616, mod 97) hold."""
    iban = "".join(text.split()).upper()
    if not _IBAN.fullmatch(iban):
        raise ValueError("expected an IBAN such as FR76 3000 6000 0112 3456 7890 189")
    digits = "".join(str(int(char, 36)) for char in iban[4:] + iban[:4])
    if int(digits) % 97 != 1:
        raise ValueError("the IBAN's check digits are wrong (a typo?)")
    return iban


def parse_bic(text: str) -> str:
    """A BIC (ISO 9362) of 8 or 11 characters, upper case; ValueError otherwise."""
    bic = "".join(text.split()).upper()
    if not _BIC.fullmatch(bic):
        raise ValueError("expected a BIC of 8 or 11 characters such as AGRIFRPP")
    return bic


def grouped_iban(iban: str) -> str:
    """The IBAN as people read it, in groups of four."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
