"""One error type for every call to Stripe: PaymentServiceError, and the decorator (stripe_call) that turns Stripe's errors into it."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import stripe


class PaymentServiceError(RuntimeError):
    """Stripe could not be reached or refused a call; the message is safe to log.

    `user_message` is Stripe's explanation meant for people (a refused refund's reason),
    `code` its error code (`resource_missing`…), `unreachable` true when Stripe did not
    answer (a timeout, a network failure): then a retry may succeed.
    """

    def __init__(self, message: str, *, user_message: str = "", code: str = "", unreachable: bool = False) -> None:
        super().__init__(message)
        self.user_message = user_message or message
        self.code = code
        self.unreachable = unreachable


Call = TypeVar("Call", bound=Callable[..., Any])


class ReadsFromMemory:
    """Handed to the functions of `stripe_api` in place of the client, it answers them itself
    (`donations.platform.stripe_reads.StripeReads`: the reads fetched before a write transaction)."""

    def answer(self, call: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        raise NotImplementedError


def stripe_call(function: Call) -> Call:
    """Every function of this module: Stripe's errors come out as one `PaymentServiceError`."""

    def translated(error: stripe.StripeError) -> PaymentServiceError:
        return PaymentServiceError(
            f"Stripe: {function.__name__} failed ({type(error).__name__}): {error.user_message or error}",
            user_message=error.user_message or "",
            code=error.code or "",
            unreachable=isinstance(error, stripe.APIConnectionError),
        )

    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def pages(*args: Any, **kwargs: Any) -> Any:
            if args and isinstance(args[0], ReadsFromMemory):
                yield from args[0].answer(pages, args[1:], kwargs)
                return
            try:
                yield from function(*args, **kwargs)
            except stripe.StripeError as error:
                raise translated(error) from error

        pages.stripe_call = True  # type: ignore[attr-defined]
        return pages  # type: ignore[return-value]

    @functools.wraps(function)
    def call(*args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], ReadsFromMemory):
            return args[0].answer(call, args[1:], kwargs)
        try:
            return function(*args, **kwargs)
        except stripe.StripeError as error:
            raise translated(error) from error

    call.stripe_call = True  # type: ignore[attr-defined]
    return call  # type: ignore[return-value]
