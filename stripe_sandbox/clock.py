"""The sandbox's clock: wall time plus an offset that tests and demos can move.

Every ``created``, period and expiry the sandbox writes comes from here, so
advancing it (a subscription renewal, ``/_sandbox/clock/advance``) moves the
whole simulated world together. Webhook signatures deliberately use real
time instead: receivers check them against their own wall clock.
"""
from __future__ import annotations

import calendar
import datetime as dt
import threading
import time


class Clock:
    """Epoch seconds, movable forward."""

    def __init__(self) -> None:
        self._offset = 0
        self._lock = threading.Lock()

    def now(self) -> int:
        """Current sandbox time in epoch seconds."""
        with self._lock:
            return int(time.time()) + self._offset

    def advance(self, seconds: int) -> int:
        """Move forward by ``seconds`` (never backward) and return the new time."""
        with self._lock:
            self._offset += max(0, int(seconds))
        return self.now()

    def advance_to(self, timestamp: int) -> int:
        """Move forward so that ``now() >= timestamp``."""
        return self.advance(timestamp - self.now())

    def reset(self) -> None:
        with self._lock:
            self._offset = 0


def add_interval(anchor: int, interval: str, count: int) -> int:
    """``anchor`` plus ``count`` billing intervals, as Stripe bills them.

    Months keep the anchor's day of month, clamped to the month's length
    (an anchor on the 31st bills on Feb 28/29, then on Mar 31 again).
    """
    if interval == "day":
        return anchor + 86400 * count
    if interval == "week":
        return anchor + 7 * 86400 * count
    months = count * (12 if interval == "year" else 1)
    start = dt.datetime.fromtimestamp(anchor, dt.timezone.utc)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())
