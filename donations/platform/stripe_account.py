"""The Stripe calls about the account's own settings, beside `donations.platform.stripe_api`.

`flask stripe setup` and `flask stripe check` go through these alone: webhook
endpoints, billing portal configurations, payment method configurations and the
account. Same client, same error type (`PaymentServiceError`) and plain dicts
as `donations.platform.stripe_api`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import stripe

from donations.platform.stripe_api import PINNED_API_VERSION, PaymentServiceError, stripe_call

T = TypeVar("T")

# The API version this service's client speaks; webhook endpoints are created on it.


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _calling(what: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except stripe.StripeError as error:
        raise PaymentServiceError(f"Stripe refused to {what}: {error.user_message or error}") from error


def _all(page: Any) -> list[dict[str, Any]]:
    return [_plain(item) for item in page.auto_paging_iter()]


# --- webhook endpoints ---------------------------------------------------------------


@stripe_call
def list_webhook_endpoints(client: stripe.StripeClient) -> list[dict[str, Any]]:
    """Every webhook endpoint of the account (in the key's mode)."""
    return _calling("list the webhook endpoints", lambda: _all(client.v1.webhook_endpoints.list(params={"limit": 100})))


@stripe_call
def create_webhook_endpoint(
    client: stripe.StripeClient, url: str, events: list[str], description: str
) -> dict[str, Any]:
    """A webhook endpoint on the pinned API version; the answer holds its signing secret (shown only now)."""
    params: dict[str, Any] = {
        "url": url,
        "enabled_events": events,
        "api_version": PINNED_API_VERSION,
        "description": description,
        "metadata": {"managed_by": "donations"},
    }
    # No key of ours: the client's own retries of this call share the key it generates, and a
    # run after a lost answer finds the endpoint by its address first (a fixed key would hand
    # back, for 24 h, an endpoint deleted since).
    return _calling(
        "create the webhook endpoint",
        lambda: _plain(client.v1.webhook_endpoints.create(params=params)),  # type: ignore[arg-type]
    )


@stripe_call
def update_webhook_endpoint(
    client: stripe.StripeClient, endpoint_id: str, events: list[str], description: str
) -> dict[str, Any]:
    """Enable exactly `events` on an endpoint (and enable the endpoint if it was disabled)."""
    params: dict[str, Any] = {"enabled_events": events, "description": description, "disabled": False}
    return _calling(
        "update the webhook endpoint",
        lambda: _plain(client.v1.webhook_endpoints.update(endpoint_id, params=params)),  # type: ignore[arg-type]
    )


@stripe_call
def delete_webhook_endpoint(client: stripe.StripeClient, endpoint_id: str) -> None:
    """Delete a webhook endpoint (one on another API version, or a duplicate)."""
    _calling("delete the webhook endpoint", lambda: client.v1.webhook_endpoints.delete(endpoint_id))


# --- billing portal configurations ---------------------------------------------------


@stripe_call
def list_portal_configurations(client: stripe.StripeClient) -> list[dict[str, Any]]:
    """Every billing portal configuration of the account, the default (Dashboard) one included."""
    return _calling(
        "list the billing portal configurations",
        lambda: _all(client.v1.billing_portal.configurations.list(params={"limit": 100})),
    )


@stripe_call
def retrieve_portal_configuration(client: stripe.StripeClient, configuration_id: str) -> dict[str, Any] | None:
    """The configuration, or None when Stripe has no such configuration."""
    try:
        return _plain(client.v1.billing_portal.configurations.retrieve(configuration_id))
    except stripe.InvalidRequestError as error:
        if error.code == "resource_missing":
            return None
        raise PaymentServiceError(f"Stripe refused to read the billing portal configuration: {error}") from error
    except stripe.StripeError as error:
        raise PaymentServiceError(f"Stripe could not read the billing portal configuration: {error}") from error


@stripe_call
def create_portal_configuration(client: stripe.StripeClient, params: dict[str, Any]) -> dict[str, Any]:
    """A new billing portal configuration."""
    return _calling(
        "create the billing portal configuration",
        lambda: _plain(client.v1.billing_portal.configurations.create(params=params)),  # type: ignore[arg-type]
    )


@stripe_call
def update_portal_configuration(
    client: stripe.StripeClient, configuration_id: str, params: dict[str, Any]
) -> dict[str, Any]:
    """Bring a billing portal configuration to `params` (and make it active)."""
    return _calling(
        "update the billing portal configuration",
        lambda: _plain(
            client.v1.billing_portal.configurations.update(configuration_id, params={**params, "active": True})  # type: ignore[arg-type]
        ),  # type: ignore[arg-type]
    )


# --- payment methods and the account ---------------------------------------------------


@stripe_call
def list_payment_method_configurations(client: stripe.StripeClient) -> list[dict[str, Any]]:
    """The account's payment method configurations (which methods Checkout may offer)."""
    return _calling(
        "list the payment method configurations",
        lambda: _all(client.v1.payment_method_configurations.list(params={"limit": 100})),
    )


@stripe_call
def retrieve_account(client: stripe.StripeClient) -> dict[str, Any]:
    """The account the key belongs to (country, capabilities, whether it can charge)."""
    return _calling("read the account", lambda: _plain(client.v1.accounts.retrieve_current()))
