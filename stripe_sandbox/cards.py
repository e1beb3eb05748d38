"""Stripe's documented test cards and test IBANs, and what each one does.

Only these numbers are accepted, as in Stripe test mode: a real-looking but
unknown card or IBAN is refused with a message that points to the test ones.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class CardBehaviour:
    brand: str
    outcome: str  # "succeeds", "declined", "authenticate" (3-D Secure on-session), "attach_then_decline"
    decline_code: str | None = None
    country: str = "US"
    funding: str = "credit"


CARDS = {
    "4242424242424242": CardBehaviour("visa", "succeeds"),
    "4000056655665556": CardBehaviour("visa", "succeeds", funding="debit"),
    "5555555555554444": CardBehaviour("mastercard", "succeeds"),
    "4000002500000003": CardBehaviour("visa", "succeeds", country="FR"),
    "4000000000000002": CardBehaviour("visa", "declined", "generic_decline"),
    "4000000000009995": CardBehaviour("visa", "declined", "insufficient_funds"),
    "4000000000009987": CardBehaviour("visa", "declined", "lost_card"),
    "4000000000009979": CardBehaviour("visa", "declined", "stolen_card"),
    "4000000000000069": CardBehaviour("visa", "declined", "expired_card"),
    "4000000000000127": CardBehaviour("visa", "declined", "incorrect_cvc"),
    # 3-D Secure required for on-session payments; saved and reused off-session
    # (subscription renewals) it needs no further authentication.
    "4000002500003155": CardBehaviour("visa", "authenticate"),
    # Can be saved (billing portal) but every charge is declined: renewals fail.
    "4000000000000341": CardBehaviour("visa", "attach_then_decline", "generic_decline"),
}

DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
}
DECLINE_CODES = {"expired_card": "expired_card", "incorrect_cvc": "incorrect_cvc"}


@dataclass(frozen=True)
class IbanBehaviour:
    country: str
    succeeds: bool
    failure_code: str | None = None


IBANS = {
    "FR1420041010050500013M02606": IbanBehaviour("FR", True),
    "FR3020041010050500013M02609": IbanBehaviour("FR", True),  # Stripe: succeeds after ~3 minutes
    "FR8420041010050500013M02606": IbanBehaviour("FR", False, "insufficient_funds"),
    "DE89370400440532013000": IbanBehaviour("DE", True),
    "DE62370400440532013001": IbanBehaviour("DE", False, "insufficient_funds"),
    "AT611904300234573201": IbanBehaviour("AT", True),
    "AT861904300235473202": IbanBehaviour("AT", False, "insufficient_funds"),
}
SEPA_FAILURE_MESSAGES = {"insufficient_funds": "The customer's account has insufficient funds to cover this payment."}


def normalise_number(text: str) -> str:
    return re.sub(r"[\s-]", "", text or "")


def normalise_iban(text: str) -> str:
    return re.sub(r"\s", "", text or "").upper()


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, digit in enumerate(reversed(number)):
        value = int(digit) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_valid(iban: str) -> bool:
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def fingerprint(value: str) -> str:
    """Stable per number, like Stripe's fingerprints (never the number itself)."""
    return hashlib.sha256(("sandbox:" + value).encode()).hexdigest()[:16]


def card_details(number: str, exp_month: int, exp_year: int) -> dict:
    """The ``card`` sub-object of a payment method for a known test card."""
    card = CARDS[number]
    return {
        "brand": card.brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "country": card.country,
        "display_brand": card.brand,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "fingerprint": fingerprint(number),
        "funding": card.funding,
        "generated_from": None,
        "last4": number[-4:],
        "networks": {"available": [card.brand], "preferred": None},
        "regulated_status": "unregulated",
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }


def sepa_details(iban: str) -> dict:
    """The ``sepa_debit`` sub-object of a payment method for a test IBAN."""
    return {
        "bank_code": iban[4:9],
        "branch_code": iban[9:14],
        "country": iban[:2],
        "fingerprint": fingerprint(iban),
        "generated_from": None,
        "last4": iban[-4:],
    }


def parse_expiry(text: str) -> tuple[int, int] | None:
    """``"12/34"`` or ``"12/2034"`` -> (12, 2034); None when malformed."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", text or "")
    if not match:
        return None
    month, year = int(match.group(1)), int(match.group(2))
    if year < 100:
        year += 2000
    if not 1 <= month <= 12:
        return None
    return month, year
