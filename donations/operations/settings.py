"""The monitoring settings (METRICS_*, ALERT_*): how their text becomes a value, and what
`Config.validate()` refuses. No web framework: `donations.config` calls these at start-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from donations.setting_values import ConfigError

_METRICS_PATH = re.compile(r"/[A-Za-z0-9._~/-]+")
# The paths the service itself answers on: the metrics cannot take one of them.
_TAKEN_PREFIXES = ("/static", "/stripe", "/finance", "/my", "/receipts", "/api", "/embed", "/donate", "/c/")
TOKEN_MIN_LENGTH = 32


def parse_traffic_hours(value: str) -> tuple[int, int]:
    """`08-22`: the hours (Paris time) gifts and Stripe's events are expected, start included, end excluded."""
    match = re.fullmatch(r"\s*(\d{1,2})\s*-\s*(\d{1,2})\s*", value)
    if not match:
        raise ValueError("expected two hours such as 08-22 (Paris time, from the first to the second)")
    start, end = int(match[1]), int(match[2])
    if not 0 <= start < end <= 24:
        raise ValueError("expected 0 <= first hour < second hour <= 24, such as 08-22")
    return start, end


def alert_recipients(config: Mapping[str, Any]) -> list[str]:
    """The addresses of ALERT_EMAILS (comma-separated); empty: no alert is sent."""
    return [part.strip() for part in str(config.get("ALERT_EMAILS") or "").split(",") if part.strip()]


def metrics_path(config: Mapping[str, Any]) -> str | None:
    """Where /metrics is served: METRICS_PATH, else /metrics when only a token is set; None: nowhere."""
    path = str(config.get("METRICS_PATH") or "")
    if path:
        return path
    return "/metrics" if config.get("METRICS_TOKEN") else None


def check_monitoring(config: Mapping[str, Any], production: bool) -> None:
    """Refuse metrics served unprotected in production, and thresholds that make no sense."""
    from email_validator import EmailNotValidError, validate_email

    path = str(config.get("METRICS_PATH") or "")
    if path and (not _METRICS_PATH.fullmatch(path) or path.startswith(_TAKEN_PREFIXES) or path == "/healthz"):
        raise ConfigError(
            f"METRICS_PATH={path!r} must be a path of its own such as /metrics (letters, digits, . _ ~ - /)"
        )
    token = str(config.get("METRICS_TOKEN") or "")
    if token and len(token) < TOKEN_MIN_LENGTH:
        raise ConfigError(f"METRICS_TOKEN must be a random string of {TOKEN_MIN_LENGTH} characters or more")
    if production and path and not token:
        raise ConfigError(
            "METRICS_TOKEN must be set in production when METRICS_PATH is: the metrics would be open to anyone"
        )
    for address in alert_recipients(config):
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError as error:
            raise ConfigError(f"ALERT_EMAILS: {address!r} is not an email address ({error})") from error
    for name in (
        "ALERT_WEBHOOK_SILENCE_MINUTES",
        "ALERT_FAILED_EVENTS",
        "ALERT_UNSENT_RECEIPTS",
        "ALERT_UNSENT_RECEIPT_MINUTES",
    ):
        if int(config.get(name) or 0) < 1:
            raise ConfigError(f"{name} must be a whole number of 1 or more")
