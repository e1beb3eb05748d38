"""Security headers on every answer."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request


def content_security_policy(checkout_origins: list[str], frame_ancestors: str = "'self'") -> str:
    """The page policy; the donate form redirects to Stripe Checkout, so it is a form target.
    Only the embedded form (/embed/donate) widens `frame_ancestors` (donations/giving/embedding.py)."""
    return "; ".join(
        [
            "default-src 'self'",
            "img-src 'self' data:",
            "style-src 'self'",
            "script-src 'self'",
            "connect-src 'self'",
            # The donation form's proof of work runs in a worker served from the site (no blob:).
            "worker-src 'self'",
            "form-action 'self' " + " ".join(checkout_origins),
            "frame-ancestors " + frame_ancestors,
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


_SIGN_IN_TOKEN = re.compile(r"(/my/sign-in/)[^\s\"'?#/]+")
# The access logs of the development server and of gunicorn: each line names the path asked for.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def redact_sign_in_tokens(path: str) -> str:
    """A path with any sign-in token in it replaced by [redacted]."""
    return _SIGN_IN_TOKEN.sub(r"\1[redacted]", path)


def _redacted(value: Any) -> Any:
    return _SIGN_IN_TOKEN.sub(r"\1[redacted]", value) if isinstance(value, str) else value


class SignInTokenRedaction(logging.Filter):
    """Access-log lines never show a donor's sign-in token (the link's path carries it; until the
    donor clicks, whoever reads the log could sign in as them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(record.msg)
        if isinstance(record.args, dict):
            for key, value in list(record.args.items()):  # gunicorn's atoms: changed in place, keeping their class
                record.args[key] = _redacted(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(_redacted(value) for value in record.args)
        return True


def redact_sign_in_tokens_in_access_logs() -> None:
    """Put the redaction on the access loggers, once per process."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, SignInTokenRedaction) for existing in logger.filters):
            logger.addFilter(SignInTokenRedaction())


def no_store(response: Response) -> Response:
    """Pages with personal data (portal, back office, thank-you page, receipts) are kept by no cache,
    shared or in the browser: the next person at the computer cannot bring them back."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"  # HTTP/1.0 caches
    return response


def checkout_origins(config: Any) -> list[str]:
    """Where the forms may send the donor: Stripe's pages (or the local sandbox's)."""
    origins = ["https://checkout.stripe.com", "https://billing.stripe.com"]
    if config.get("STRIPE_USES_SANDBOX"):
        sandbox = urlsplit(config["STRIPE_API_BASE"])
        origins.append(f"{sandbox.scheme}://{sandbox.netloc}")
    return origins


def allow_framing(response: Response, config: Any, frame_ancestors: str) -> Response:
    """Let the pages of `frame_ancestors` frame this answer (the embedded form only); without any
    origin beyond 'self', the answer keeps refusing other sites like every page."""
    response.headers["Content-Security-Policy"] = content_security_policy(checkout_origins(config), frame_ancestors)
    if frame_ancestors.strip() != "'self'":
        # X-Frame-Options cannot name another origin; the CSP above is what browsers obey.
        response.framable = True  # type: ignore[attr-defined]
    return response


def register_security_headers(app: Flask) -> None:
    policy = content_security_policy(checkout_origins(app.config))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if not getattr(response, "framable", False):
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
