"""Stripe's answers fetched before a write transaction, replayed inside it.

A webhook's handler reads Stripe (a PaymentIntent, a subscription as it is now)
while it moves donations and issues receipts. Made inside the write transaction,
each read would hold that transaction open, and on SQLite the database's one
write lock with it, for a network round trip: every other event would wait
behind it. So the handler runs with a `StripeReads` in place of the client: a
read fetched beforehand is answered from memory; one not fetched yet raises
`NeedsStripe`, and the caller rolls its transaction back, fetches the read with
no transaction open and runs the handler again (`donations.fulfilment.events`).

Only the functions of `donations.platform.stripe_api` (each a `stripe_call`)
are answered this way; the stand-in is not a client and has nothing else.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any, cast

import stripe

from donations.clock import utcnow
from donations.platform.stripe_errors import PaymentServiceError, ReadsFromMemory

Key = tuple[Callable[..., Any], tuple[Any, ...], tuple[tuple[str, Any], ...]]


def _key(call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Key:
    return call, args, tuple(sorted(kwargs.items()))


class NeedsStripe(Exception):  # a request to the caller, not an error
    """A read the handler needs that was not fetched yet: roll back, fetch it, apply again."""

    def __init__(self, call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        super().__init__(f"Stripe read {getattr(call, '__name__', call)}{args} not fetched yet")
        self.call, self.args, self.kwargs = call, args, kwargs


class StaleReads(Exception):
    """Another event of the same donation was applied since the reads were made: make them all again."""


Wanted = NeedsStripe | StaleReads


class _Failed:
    """A read Stripe failed: the handler that asks for it gets its error."""

    def __init__(self, error: PaymentServiceError) -> None:
        self.error = error


class StripeReads(ReadsFromMemory):
    """The Stripe reads of one event, made with `client` while no transaction is open."""

    def __init__(self, client: stripe.StripeClient) -> None:
        self.client = client
        self._answers: dict[Key, Any] = {}
        # When the oldest read held was made: an event applied since may have seen newer Stripe state.
        self.fetched_at: dt.datetime | None = None
        self.answered = False  # whether a handler was answered from memory

    @property
    def as_client(self) -> stripe.StripeClient:
        """This stand-in where the handlers expect the client: `stripe_call` answers from it."""
        return cast(stripe.StripeClient, self)

    def fetch(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """Make the read now, for the handler to find (it waits on the network: no transaction may be open).

        Raises what the read raises (`PaymentServiceError`)."""
        if self.fetched_at is None:
            self.fetched_at = utcnow()
        result = call(self.client, *args, **kwargs)
        self._answers[_key(call, args, kwargs)] = list(result) if inspect.isgenerator(result) else result

    def fetch_ahead(self, call: Callable[..., Any], *args: Any) -> None:
        """Make a read the handler is expected to ask for. If Stripe fails it, the handler is told so
        when it asks, and only then: it may refuse the event for a reason of its own first."""
        try:
            self.fetch(call, *args)
        except PaymentServiceError as error:
            self._answers[_key(call, args, {})] = _Failed(error)

    def fetch_wanted(self, wanted: Wanted) -> None:
        """Make the read a handler asked for, or every read again when they went stale."""
        if isinstance(wanted, NeedsStripe):
            self.fetch(wanted.call, *wanted.args, **wanted.kwargs)
            return
        keys = list(self._answers)
        self._answers.clear()
        self.fetched_at = None
        for call, args, kwargs in keys:
            self.fetch(call, *args, **dict(kwargs))

    def answer(self, call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            found = self._answers[_key(call, args, kwargs)]
        except KeyError:
            raise NeedsStripe(call, args, kwargs) from None
        if isinstance(found, _Failed):
            raise found.error
        self.answered = True
        return copy.deepcopy(found)  # a handler run again finds the answer as Stripe gave it
