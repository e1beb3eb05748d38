"""Setting a Stripe account up for this service: `flask --app wsgi stripe setup --url URL`.

Two things an account needs and that nothing else makes:
- the webhook endpoint at the service's URL, on the API version the client is
  pinned to, receiving exactly the events the service handles
  (`fulfilment.event_objects.HANDLED_EVENTS`);
- a billing portal configuration (card or IBAN update, stopping a monthly
  gift): without one, Stripe refuses every portal session on an account whose
  portal settings were never saved in the Dashboard.

Running it again brings both up to date and never makes a second endpoint for
the same URL. Stripe cannot change an endpoint's API version: an endpoint on
another version is replaced (the new one made first, so no event goes
undelivered; its new secret must then be set).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import stripe

from donations.config import stripe_live_mode
from donations.fulfilment.event_objects import HANDLED_EVENTS
from donations.platform import stripe_account
from donations.platform.stripe_api import PINNED_API_VERSION

MANAGED_BY = "donations"
ENDPOINT_DESCRIPTION = "Donation service: payments, monthly gifts, refunds and disputes (flask stripe setup)"
PORTAL_NAME = "Donation service: donors' card, IBAN and monthly gifts (flask stripe setup)"


class SetupError(ValueError):
    """What the operator asked cannot be set up; the message says why."""


@dataclass(frozen=True)
class EndpointSetup:
    """What became of the webhook endpoint: its id, whether it is new (then its secret), what was removed."""

    endpoint_id: str
    url: str
    created: bool
    secret: str | None
    events: tuple[str, ...]
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PortalSetup:
    configuration_id: str
    created: bool


@dataclass(frozen=True)
class SetupReport:
    endpoint: EndpointSetup
    portal: PortalSetup
    notes: list[str] = field(default_factory=list)


def default_webhook_url(config: Mapping[str, Any]) -> str:
    """Where Stripe reaches this service's webhook: PUBLIC_BASE_URL + /stripe/webhook."""
    return str(config["PUBLIC_BASE_URL"]).rstrip("/") + "/stripe/webhook"


def live_key(config: Mapping[str, Any]) -> bool:
    return stripe_live_mode(config.get("STRIPE_SECRET_KEY"))


def check_webhook_url(url: str, *, live: bool) -> None:
    """Refuse an address Stripe could not deliver to (SetupError)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SetupError(
            f"--url must be the service's webhook address, such as https://dons.example.org/stripe/webhook (not {url!r})"
        )
    if live and parts.scheme != "https":
        raise SetupError("Stripe sends live events to https addresses only: give the https address of the webhook")
    if parts.path.rstrip("/") != "/stripe/webhook":
        raise SetupError(f"the service receives Stripe's events at /stripe/webhook, not {parts.path or '/'!r}")


def set_up_webhook_endpoint(client: stripe.StripeClient, url: str) -> EndpointSetup:
    """Create or update the one endpoint at `url`: pinned API version, exactly the handled events."""
    events = list(HANDLED_EVENTS)
    at_url = [e for e in stripe_account.list_webhook_endpoints(client) if e.get("url") == url]
    current = [e for e in at_url if e.get("api_version") == PINNED_API_VERSION]
    if current:
        kept = stripe_account.update_webhook_endpoint(client, current[0]["id"], events, ENDPOINT_DESCRIPTION)
        secret, created = None, False
    else:
        kept = stripe_account.create_webhook_endpoint(client, url, events, ENDPOINT_DESCRIPTION)
        secret, created = kept.get("secret"), True
    # Made (or kept) first, removed after: an event is never left without an endpoint.
    removed = tuple(e["id"] for e in at_url if e["id"] != kept["id"])
    for endpoint_id in removed:
        stripe_account.delete_webhook_endpoint(client, endpoint_id)
    return EndpointSetup(kept["id"], url, created, secret, tuple(kept.get("enabled_events") or events), removed)


def portal_configuration_params(
    config: Mapping[str, Any], privacy_policy_url: str | None = None, terms_of_service_url: str | None = None
) -> dict[str, Any]:
    """The portal this service sends donors to: card or IBAN update and stopping a monthly gift, nothing
    else (amounts and addresses change in the service's own portal, which prints them on receipts)."""
    profile: dict[str, Any] = {"headline": str(config["FOUNDATION_NAME"])[:60]}
    if privacy_policy_url:
        profile["privacy_policy_url"] = privacy_policy_url
    if terms_of_service_url:
        profile["terms_of_service_url"] = terms_of_service_url
    return {
        "business_profile": profile,
        "default_return_url": str(config["PUBLIC_BASE_URL"]).rstrip("/") + "/my",
        "features": {
            "payment_method_update": {"enabled": True},
            # Stopped now, as the service's own "stop" does; the deleted event records it.
            "subscription_cancel": {"enabled": True, "mode": "immediately", "proration_behavior": "none"},
            "subscription_update": {"enabled": False},
            "customer_update": {"enabled": False},
            "invoice_history": {"enabled": False},
        },
        "metadata": {"managed_by": MANAGED_BY},
        "name": PORTAL_NAME,
    }


def _ours(configuration: dict[str, Any]) -> bool:
    return (configuration.get("metadata") or {}).get("managed_by") == MANAGED_BY


def set_up_portal_configuration(
    client: stripe.StripeClient, params: dict[str, Any], configured_id: str | None
) -> PortalSetup:
    """Update the configuration in use (STRIPE_PORTAL_CONFIGURATION, else the one this command made), or make one."""
    existing = stripe_account.retrieve_portal_configuration(client, configured_id) if configured_id else None
    if existing is None:
        existing = next((c for c in stripe_account.list_portal_configurations(client) if _ours(c)), None)
    if existing is not None:
        return PortalSetup(stripe_account.update_portal_configuration(client, existing["id"], params)["id"], False)
    return PortalSetup(stripe_account.create_portal_configuration(client, params)["id"], True)


def set_up_stripe(
    client: stripe.StripeClient,
    config: Mapping[str, Any],
    url: str,
    privacy_policy_url: str | None = None,
    terms_of_service_url: str | None = None,
) -> SetupReport:
    """Set the account up for the service at `url` (SetupError, PaymentServiceError)."""
    check_webhook_url(url, live=live_key(config))
    endpoint = set_up_webhook_endpoint(client, url)
    params = portal_configuration_params(config, privacy_policy_url, terms_of_service_url)
    portal = set_up_portal_configuration(client, params, config.get("STRIPE_PORTAL_CONFIGURATION"))
    notes = []
    if config.get("STRIPE_USES_SANDBOX"):
        notes.append(
            "This is the local sandbox: it keeps the endpoint but delivers to the address it was started with."
        )
    return SetupReport(endpoint, portal, notes)


def report_lines(report: SetupReport, config: Mapping[str, Any]) -> list[str]:
    """What `stripe setup` prints: what it did, and the settings to put in the service's environment."""
    endpoint, portal = report.endpoint, report.portal
    done = "created" if endpoint.created else "updated"
    lines = [
        f"webhook endpoint {endpoint.endpoint_id} {done}: {endpoint.url} (API {PINNED_API_VERSION}, {len(endpoint.events)} events)"
    ]
    lines += [
        f"webhook endpoint {old} at the same address removed (another API version, or a duplicate)"
        for old in endpoint.removed
    ]
    lines.append(f"billing portal configuration {portal.configuration_id} {'created' if portal.created else 'updated'}")
    settings = []
    if endpoint.secret:
        settings.append(f"STRIPE_WEBHOOK_SECRET={endpoint.secret}")
    if config.get("STRIPE_PORTAL_CONFIGURATION") != portal.configuration_id:
        settings.append(f"STRIPE_PORTAL_CONFIGURATION={portal.configuration_id}")
    if settings:
        lines.append("Set in the service's environment, then restart it:")
        lines += [f"  {setting}" for setting in settings]
    if not endpoint.secret:
        lines.append(
            "The endpoint's signing secret is unchanged: keep STRIPE_WEBHOOK_SECRET as it is "
            "(Stripe shows it only at creation; the Dashboard's page of the endpoint reveals it)."
        )
    lines += report.notes
    lines.append("Then run: flask --app wsgi stripe check")
    return lines
