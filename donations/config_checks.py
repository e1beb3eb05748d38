"""The checks of `validate` that concern one area each (accounts, checkout limits, giving extras,
mail): kept apart so that config.py stays the list of settings and the start-up rules."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from donations.setting_values import ConfigError, mail_security

CHECKOUT_RATE_SETTINGS = (
    "CHECKOUT_LIMIT_PER_ADDRESS",
    "CHECKOUT_LIMIT_PER_EMAIL",
    "CHECKOUT_LIMIT_GLOBAL",
    "CHECKOUT_BURST_FAILURES",
)


ACCOUNT_SETTINGS = (
    "ACCOUNT_INDIVIDUAL_GIFTS",
    "ACCOUNT_COMPANY_GIFTS",
    "ACCOUNT_BANK_FEES",
    "ACCOUNT_BANK",
    "ACCOUNT_STRIPE",
    "ACCOUNT_CASH",
)


def validate_accounts(config: Mapping[str, Any]) -> None:
    """The FEC's accounts: numbers of the chart (digits), each used for one thing only."""
    numbers = {name: str(config.get(name) or "") for name in ACCOUNT_SETTINGS if config.get(name) is not None}
    for name, number in numbers.items():
        if not (number.isdigit() and 3 <= len(number) <= 20):
            raise ConfigError(f"{name} must be an account number of the chart (3 to 20 digits), not {number!r}")
    if len(set(numbers.values())) != len(numbers):
        raise ConfigError(f"the accounts {', '.join(ACCOUNT_SETTINGS)} must all differ")


def validate_proxies_and_checkout_limits(config: Mapping[str, Any], env_name: str) -> None:
    """TRUSTED_PROXIES, CHECKOUT_* and ALTCHA_*: each a value that makes sense, and no checkout
    without its limits in production."""
    from limits import parse_many

    if not 0 <= int(config.get("TRUSTED_PROXIES") or 0) <= 10:
        raise ConfigError("TRUSTED_PROXIES must be the number of reverse proxies in front of the service (0 to 10)")
    if not config.get("CHECKOUT_LIMITS", True):
        if env_name == "production":
            raise ConfigError(
                "CHECKOUT_LIMITS=off is for load tests and scripted harnesses; it is refused in production"
            )
        return
    for name in CHECKOUT_RATE_SETTINGS:
        try:
            rates = parse_many(str(config[name]))
        except ValueError as exc:
            raise ConfigError(f"{name}={config[name]!r} is not valid: expected a rate such as '10 per hour'") from exc
        if len(rates) != 1:
            raise ConfigError(f"{name}={config[name]!r} is not valid: expected one rate such as '10 per hour'")
    for name in ("CHECKOUT_CHALLENGE_AFTER", "CHECKOUT_GLOBAL_CHALLENGE_AFTER"):
        if int(config[name]) < 0:
            raise ConfigError(f"{name} must be 0 (always ask) or a number of checkouts")
    if not 1 <= int(config["CHECKOUT_BURST_FACTOR"]) <= 100:
        raise ConfigError(
            "CHECKOUT_BURST_FACTOR must be between 1 and 100 (how many times a checkout counts during a burst)"
        )
    if not 1000 <= int(config["ALTCHA_COST"]) <= 1_000_000:
        raise ConfigError("ALTCHA_COST must be between 1000 and 1000000 (PBKDF2 iterations of the challenge)")
    if not 1 <= int(config["ALTCHA_CHALLENGE_MINUTES"]) <= 24 * 60:
        raise ConfigError("ALTCHA_CHALLENGE_MINUTES must be between 1 and 1440")
    key = config.get("ALTCHA_HMAC_KEY") or ""
    if key and len(key) < 32:
        raise ConfigError(
            "ALTCHA_HMAC_KEY must be a random string of 32 characters or more (or unset: derived from SECRET_KEY)"
        )


def validate_giving_extras(config: Mapping[str, Any]) -> None:
    """FEES_* are formulas the fee estimate can use; EMBED_ALLOWED_ORIGINS lists bare origins."""
    from donations.giving.embedding import allowed_origins
    from donations.giving.fees import FEE_SETTINGS, parse_fee_formula

    for name in FEE_SETTINGS.values():
        try:
            parse_fee_formula(str(config.get(name) or ""))
        except ValueError as exc:
            raise ConfigError(f"{name}={config.get(name)!r} is not valid: {exc}") from exc
    try:
        allowed_origins(config)
    except ValueError as exc:
        raise ConfigError(f"EMBED_ALLOWED_ORIGINS is not valid: {exc}") from exc


def validate_mail(config: Mapping[str, Any], env_name: str) -> None:
    """The mail relay's settings: a CA file that exists, no password sent in clear in production."""
    ca_file = config.get("MAIL_CA_FILE")
    if ca_file and not Path(ca_file).is_file():
        raise ConfigError(f"MAIL_CA_FILE={ca_file!r}: no such file")
    if env_name == "production" and config.get("MAIL_USERNAME") and mail_security(config) == "none":
        raise ConfigError(
            "MAIL_SECURITY must be starttls or ssl in production when MAIL_USERNAME is set (the password would travel in clear)"
        )
