"""Security headers, cookie flags and what never reaches the logs."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.production import PRODUCTION


@pytest.mark.parametrize("path", ["/", "/donate", "/my", "/api/tax-reduction?amount=1&scheme=ifi", "/no-such-page"])
def test_every_answer_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_hsts_only_over_https(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://dons.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_production_cookies_are_secure_httponly_and_samesite(make_app: Callable[..., Flask]) -> None:
    app = make_app(**PRODUCTION)
    response = app.test_client().get("/?lang=en", base_url="https://dons.example.org")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_oversized_bodies_are_refused_early(client: FlaskClient) -> None:
    response = client.post("/donate", data={"first_name": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
    assert (
        client.post(
            "/stripe/webhook", data=b"{" * (2 * 1024 * 1024), headers={"Stripe-Signature": "t=1,v1=0"}
        ).status_code
        == 413
    )


def test_secrets_and_card_numbers_never_reach_the_logs(live, give, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    checkout = give(kind="one_off", amount="50").headers["Location"]
    live.control(f"checkout/{checkout.rsplit('/', 1)[-1]}/pay", card="4242424242424242")
    live.settle_webhooks()
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "donation" in text  # the flow was logged…
    for secret in (
        live.app.config["SECRET_KEY"],
        live.app.config["STRIPE_WEBHOOK_SECRET"],
        "4242424242424242",
        "sk_test_local_sandbox",
    ):
        assert secret not in text  # …without its secrets
