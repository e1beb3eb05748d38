"""Errors in the shape Stripe's API answers them, so stripe-python raises its usual exceptions."""

from __future__ import annotations


class StripeError(Exception):
    """An API error rendered as ``{"error": {...}}`` with an HTTP status.

    ``saved`` says whether an idempotent replay should return this answer:
    Stripe does not save results of requests that failed validation before
    the endpoint started executing, so a corrected retry with the same key
    can still go through.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        decline_code: str | None = None,
        saved: bool = True,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.param = param
        self.code = code
        self.decline_code = decline_code
        self.saved = saved
        self.extra = extra or {}

    def body(self) -> dict:
        """The JSON body Stripe would send for this error."""
        err: dict = {"type": self.type, "message": self.message}
        if self.param is not None:
            err["param"] = self.param
        if self.code is not None:
            err["code"] = self.code
            err["doc_url"] = "https://stripe.com/docs/error-codes/" + self.code.replace("_", "-")
        if self.decline_code is not None:
            err["decline_code"] = self.decline_code
        err.update(self.extra)
        return {"error": err}


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    """404 for an id the sandbox does not know, worded as Stripe words it."""
    return StripeError(f"No such {kind}: '{object_id}'", status=404, param=param, code="resource_missing")


def invalid(message: str, param: str | None = None, code: str | None = None, saved: bool = True) -> StripeError:
    """400 invalid_request_error."""
    return StripeError(message, param=param, code=code, saved=saved)


def unknown_parameter(path: str) -> StripeError:
    return StripeError(f"Received unknown parameter: {path}", param=path, code="parameter_unknown", saved=False)


def missing_parameter(path: str) -> StripeError:
    return StripeError(f"Missing required param: {path}.", param=path, code="parameter_missing", saved=False)
