"""Security headers on every answer."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request


def content_security_policy(checkout_origins: list[str]) -> str:
    """The page policy; the donate form redirects to Stripe Checkout, so it is a form target."""
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
            "frame-ancestors 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def register_security_headers(app: Flask) -> None:
    origins = ["https://checkout.stripe.com", "https://billing.stripe.com"]
    if app.config.get("STRIPE_USES_SANDBOX"):
        sandbox = urlsplit(app.config["STRIPE_API_BASE"])
        origins.append(f"{sandbox.scheme}://{sandbox.netloc}")
    policy = content_security_policy(origins)

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
