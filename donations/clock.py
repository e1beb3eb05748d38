"""The one clock of the service, and the Paris calendar that decides tax years."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime."""
    return dt.datetime.now(dt.UTC)


def from_timestamp(seconds: int | float) -> dt.datetime:
    """An aware UTC datetime from a Unix timestamp (Stripe's `created` and the like)."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def paris_date(instant: dt.datetime) -> dt.date:
    """The calendar date in Paris of an aware instant: the date that decides a tax year."""
    if instant.tzinfo is None:
        raise ValueError("paris_date needs an aware datetime")
    return instant.astimezone(PARIS).date()
