"""Limits on failed staff sign-ins: growing delays per address and email together, and a
ceiling per address.

An email alone never throttles: strangers failing on a staff member's email from
their own addresses slow down themselves, never the staff member signing in from
theirs. After FREE_FAILURES failures in a row for one email from one address, each
failure makes that pair wait twice as long as the last (30 s, 1 min, 2 min … up to
MAX_WAIT) before its next attempt; a good password ends the row. One address
failing on any emails is held after PER_ADDRESS failures in its window. The counts
live in the rate limiter's storage (RATELIMIT_STORAGE_URI: Redis when several
workers serve), so every worker sees the same rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import time

from limits import parse
from limits.strategies import FixedWindowRateLimiter

from donations.clock import utcnow
from donations.extensions import limiter

log = logging.getLogger(__name__)

PER_ADDRESS = parse("30 per 15 minutes")
FREE_FAILURES = 9
FIRST_WAIT_SECONDS = 30
MAX_WAIT = dt.timedelta(minutes=15)
# A row of failures is forgotten a day after it started.
ROW_LIFETIME = dt.timedelta(days=1)


def _keys(address: str | None, email: str) -> tuple[str, str]:
    # Hashed: what strangers type as an email (a password, sometimes) is not kept in the storage.
    pair = hashlib.sha256(f"{address or '-'}|{email or '-'}".encode()).hexdigest()[:32]
    return f"staff-sign-in/failures/{pair}", f"staff-sign-in/wait-until/{pair}"


def _address_key(address: str | None) -> str:
    return f"staff-sign-in/address/{address or '-'}"


def seconds_to_wait(address: str | None, email: str) -> int:
    """How long this address must still wait before trying this email again (0: it may try now)."""
    if not limiter.enabled:
        return 0
    _failures, wait_key = _keys(address, email)
    try:
        until = limiter.storage.get(wait_key)
        per_address = FixedWindowRateLimiter(limiter.storage)
        if not per_address.test(PER_ADDRESS, _address_key(address)):
            reset_at = per_address.get_window_stats(PER_ADDRESS, _address_key(address)).reset_time
            until = max(until, reset_at - time.time() + utcnow().timestamp())  # type: ignore[assignment]
    except Exception:  # a storage outage must not lock staff out
        log.exception("sign-in back-off: the limiter's storage cannot be read")
        return 0
    return max(0, math.ceil(until - utcnow().timestamp()))


def wait_after(failures: int) -> int:
    """Seconds to wait after this many failures in a row: none at first, then doubling, capped."""
    if failures < FREE_FAILURES:
        return 0
    doublings = min(failures - FREE_FAILURES, 30)
    return int(min(FIRST_WAIT_SECONDS * 2**doublings, MAX_WAIT.total_seconds()))


def record_failure(address: str | None, email: str) -> int:
    """Count a failed sign-in of this email from this address; the seconds it must now wait."""
    if not limiter.enabled:
        return 0
    failures_key, wait_key = _keys(address, email)
    try:
        FixedWindowRateLimiter(limiter.storage).hit(PER_ADDRESS, _address_key(address))
        failures = limiter.storage.incr(failures_key, int(ROW_LIFETIME.total_seconds()))
        wait = wait_after(failures)
        if wait:
            # The storage keeps numbers: the end of the wait is kept as a timestamp, and the key
            # expires soon after it (the clock of the service decides, so tests can move it).
            limiter.storage.clear(wait_key)
            limiter.storage.incr(wait_key, wait + 60, amount=math.ceil(utcnow().timestamp()) + wait)
        return wait
    except Exception:
        log.exception("sign-in back-off: the limiter's storage cannot be written")
        return 0


def forget_failures(address: str | None, email: str) -> None:
    """A good password ends the row of failures of this email from this address."""
    if not limiter.enabled:
        return
    for key in _keys(address, email):
        try:
            limiter.storage.clear(key)
        except Exception:
            log.exception("sign-in back-off: the limiter's storage cannot be cleared")
