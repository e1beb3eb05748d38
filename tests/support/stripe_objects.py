"""Stripe events and objects as the webhook tests build them by hand."""

from __future__ import annotations

import secrets
import time
from typing import Any

import stripe

SECRET = "whsec_test_suite"  # the test configuration's (tests/support/app_factory.py)


# Builders in the shapes of Stripe's published fixtures (../shared/stripe/fixtures3.json),
# trimmed to the fields that identify the objects and the ones the service reads.
def stripe_event(event_type: str, obj: dict[str, Any], *, livemode: bool = False) -> dict[str, Any]:
    return {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": livemode,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def checkout_session(donation_id: str, *, livemode: bool = False) -> dict[str, Any]:
    now = int(time.time())
    return {
        "id": "cs_test_a1" + secrets.token_hex(28),
        "object": "checkout.session",
        "amount_total": 5000,
        "client_reference_id": donation_id,
        "created": now,
        "currency": "eur",
        "customer": "cus_" + secrets.token_hex(7),
        "expires_at": now + 86400,
        "livemode": livemode,
        "metadata": {"donation_id": donation_id},
        "mode": "payment",
        "payment_intent": "pi_" + secrets.token_hex(12),
        "payment_method_types": ["card", "sepa_debit"],
        "payment_status": "paid",
        "status": "complete",
        "subscription": None,
    }
