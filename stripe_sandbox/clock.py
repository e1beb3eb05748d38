"""The sandbox's clock: wall time plus an offset that tests and demos can move, and each customer's own time.

Every ``created``, period and expiry the sandbox writes comes from here.
``/_sandbox/clock/advance`` moves the whole simulated world together. A
subscription renewal moves only its customer's time, as a Stripe test clock
does for the customers attached to it: what is done for that customer (its
invoices, charges, refunds, events) is dated in its own time, inside
``with clock.customer(id):``, while every other customer and the Checkout
Sessions still open keep theirs (renewing one donor never expires another's
checkout). Webhook signatures deliberately use real time instead: receivers
check them against their own wall clock.
"""

from __future__ import annotations

import calendar
import contextlib
import contextvars
import datetime as dt
import functools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any


class Clock:
    """Epoch seconds, movable forward: the world's, and each customer's ahead of it."""

    def __init__(self) -> None:
        self._offset = 0
        self._customers: dict[str, int] = {}  # customer id -> seconds ahead of the world
        self._current: contextvars.ContextVar[str | None] = contextvars.ContextVar(
            f"sandbox-clock-{id(self)}", default=None
        )
        self._lock = threading.Lock()

    def now(self, customer: str | None = None) -> int:
        """Current sandbox time in epoch seconds: ``customer``'s, else the current customer's, else the world's."""
        customer = customer or self._current.get()
        with self._lock:
            return int(time.time()) + self._offset + self._customers.get(customer or "", 0)

    def advance(self, seconds: int) -> int:
        """Move the whole world forward by ``seconds`` (never backward) and return the new time."""
        with self._lock:
            self._offset += max(0, int(seconds))
        return self.now()

    def advance_to(self, timestamp: int, customer: str | None = None) -> int:
        """Move ``customer``'s time (the current customer's, else the world's) so that its ``now() >= timestamp``."""
        customer = customer or self._current.get()
        if customer is None:
            return self.advance(timestamp - self.now())
        with self._lock:
            ahead = self._customers.get(customer, 0)
            self._customers[customer] = ahead + max(0, int(timestamp) - (int(time.time()) + self._offset + ahead))
        return self.now(customer)

    @contextlib.contextmanager
    def customer(self, customer: str | None) -> Iterator[None]:
        """Within the block, ``now()`` is ``customer``'s time (unchanged for ``None``)."""
        token = self._current.set(customer or self._current.get())
        try:
            yield
        finally:
            self._current.reset(token)

    def reset(self) -> None:
        with self._lock:
            self._offset = 0
            self._customers.clear()


def in_customer_time(customer_of: Callable[..., str | None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the decorated ``f(store, ...)`` in the time of the customer ``customer_of(store, ...)`` names."""

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def run(store: Any, *args: Any, **kwargs: Any) -> Any:
            with store.clock.customer(customer_of(store, *args, **kwargs)):
                return function(store, *args, **kwargs)

        return run

    return decorate


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
    start = dt.datetime.fromtimestamp(anchor, dt.UTC)
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())
