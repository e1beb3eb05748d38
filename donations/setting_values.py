"""How each setting's text becomes its value: the parsers `config.SETTINGS` names, each raising
ValueError with a message for the operator. Pure functions, no web framework."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """A setting is missing, malformed or dangerous; the message names it."""


def _text(value: str) -> str:
    return value.strip()


def _int(value: str) -> int:
    return int(value.strip())


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def _decimal(value: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation as exc:
        raise ValueError("expected a decimal number such as 0.66") from exc
    if not number.is_finite():
        raise ValueError("expected a finite number")
    return number


def _rate(value: str) -> Decimal:
    rate = _decimal(value)
    if not 0 < rate <= 1:
        raise ValueError("expected a rate between 0 and 1, such as 0.66")
    return rate


def _euros_as_cents(value: str) -> int:
    from donations.money import AmountError, parse_euros

    try:
        return parse_euros(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from exc


def _iban(value: str) -> str:
    from donations.bank_details import parse_iban

    return parse_iban(value)


def _bic(value: str) -> str:
    from donations.bank_details import parse_bic

    return parse_bic(value)


def _cheque_tax_date(value: str) -> str:
    choice = value.strip().lower()
    if choice not in ("received", "cashed"):
        raise ValueError("expected received or cashed")
    return choice


def _impacts(value: str) -> dict[int, str]:
    from donations.giving.tax_explained import parse_impacts

    return parse_impacts(value)


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


def _month_day(value: str) -> tuple[int, int]:
    """An IFI filing deadline without its year, such as `06-12`."""
    match = re.fullmatch(r"\s*(\d{2})-(\d{2})\s*", value)
    if not match:
        raise ValueError("expected MM-DD, such as 06-12")
    month, day = int(match[1]), int(match[2])
    dt.date(2024, month, day)  # a leap year, so 02-29 is accepted; raises otherwise
    return month, day


def _http_url(value: str) -> str:
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http:// or https:// URL, such as https://tsa.example.org/tsr")
    return url


def _seconds(value: str) -> float:
    seconds = float(value.strip())
    if not 0 < seconds <= 300:
        raise ValueError("expected a number of seconds between 0 and 300, such as 10")
    return seconds


def _log_format(value: str) -> str:
    choice = value.strip().lower()
    if choice not in ("text", "json"):
        raise ValueError("expected text or json")
    return choice


MAIL_SECURITY_MODES = ("starttls", "ssl", "none")


def _mail_security(value: str) -> str:
    mode = value.strip().lower()
    if mode not in MAIL_SECURITY_MODES:
        raise ValueError("expected starttls, ssl or none")
    return mode


def mail_security(config: Mapping[str, Any]) -> str:
    """How the mail relay is reached: MAIL_SECURITY, or what the older MAIL_USE_SSL / MAIL_USE_TLS say."""
    if config.get("MAIL_SECURITY"):
        return str(config["MAIL_SECURITY"])
    if config.get("MAIL_USE_SSL"):
        return "ssl"
    return "starttls" if config.get("MAIL_USE_TLS") else "none"


def _database_url(value: str) -> str:
    url = value.strip()
    # Heroku-style URLs still say postgres://; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# Stripe takes amounts of at most 8 digits: 999 999,99 €.
