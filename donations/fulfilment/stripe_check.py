"""What is wrong with the Stripe set-up: `flask --app wsgi stripe check`.

Each finding is one line, OK or PROBLEM, and a PROBLEM says what to do: the
key's mode against FLASK_ENV_NAME, the account, the webhook endpoint (API
version, events missing or extra, enabled), the billing portal configuration,
card and SEPA Direct Debit enabled, and the last event the service received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import stripe
from sqlalchemy.orm import Session

from donations.fulfilment.event_objects import HANDLED_EVENTS
from donations.fulfilment.health import webhook_health
from donations.fulfilment.stripe_setup import MANAGED_BY, live_key
from donations.platform import stripe_account
from donations.platform.stripe_api import PINNED_API_VERSION, PaymentServiceError

SETUP = "flask --app wsgi stripe setup --url {url}"


@dataclass(frozen=True)
class Finding:
    """One line of the check: what was looked at, whether it is right, and what to do if not."""

    ok: bool
    topic: str
    message: str

    def line(self) -> str:
        return f"{'OK' if self.ok else 'PROBLEM':8} {self.topic}: {self.message}"


def key_mode(config: Mapping[str, Any]) -> Finding:
    """Test key in development and testing, live key in production."""
    env_name = config.get("ENV_NAME") or "development"
    if config.get("STRIPE_USES_SANDBOX"):
        return Finding(
            env_name != "production",
            "key mode",
            f"no STRIPE_SECRET_KEY: the local sandbox at {config.get('STRIPE_API_BASE')} (FLASK_ENV_NAME={env_name})",
        )
    if live_key(config):
        if env_name == "production":
            return Finding(True, "key mode", "live key in production")
        return Finding(
            False,
            "key mode",
            f"a live key with FLASK_ENV_NAME={env_name}: real money moves; use the test key (sk_test_…) outside production",
        )
    if env_name == "production":
        return Finding(
            False,
            "key mode",
            "a test key in production: no gift is really paid; set STRIPE_SECRET_KEY to the live key (sk_live_…)",
        )
    return Finding(True, "key mode", f"test key with FLASK_ENV_NAME={env_name}")


def account_finding(account: dict[str, Any], live: bool) -> Finding:
    name = ((account.get("settings") or {}).get("dashboard") or {}).get("display_name") or account.get("id")
    facts = f"{name} ({account.get('country')}, {account.get('default_currency')})"
    if not account.get("charges_enabled"):
        if live:
            return Finding(
                False,
                "account",
                f"{facts} cannot take payments yet: finish the account's activation in Stripe's Dashboard",
            )
        return Finding(True, "account", f"{facts}, test mode (live payments need the account's activation)")
    return Finding(True, "account", f"{facts} takes payments")


def endpoint_findings(endpoints: list[dict[str, Any]], url: str) -> Finding:
    """The endpoint at `url`: one, enabled, on the pinned version, with exactly the handled events."""
    at_url = [e for e in endpoints if e.get("url") == url]
    setup = SETUP.format(url=url)
    if not at_url:
        elsewhere = ", ".join(sorted(str(e.get("url")) for e in endpoints)) or "none"
        return Finding(
            False, "webhook endpoint", f"none at {url} (endpoints of this account: {elsewhere}); run: {setup}"
        )
    if len(at_url) > 1:
        ids = ", ".join(e["id"] for e in at_url)
        return Finding(
            False,
            "webhook endpoint",
            f"{len(at_url)} endpoints at {url} ({ids}): each event comes several times, signed with other secrets; run: {setup}",
        )
    endpoint = at_url[0]
    wrong = []
    if endpoint.get("status") != "enabled":
        wrong.append(f"it is {endpoint.get('status')}")
    if endpoint.get("api_version") != PINNED_API_VERSION:
        version = endpoint.get("api_version") or "the account's default version"
        wrong.append(f"it sends events in {version}, not {PINNED_API_VERSION}")
    enabled = set(endpoint.get("enabled_events") or [])
    missing = sorted(set(HANDLED_EVENTS) - enabled) if "*" not in enabled else []
    extra = sorted(enabled - set(HANDLED_EVENTS))
    if missing:
        wrong.append("events missing: " + ", ".join(missing))
    if extra:
        wrong.append("events the service ignores: " + ", ".join(extra))
    if wrong:
        return Finding(False, "webhook endpoint", f"{endpoint['id']} at {url}: " + "; ".join(wrong) + f"; run: {setup}")
    return Finding(
        True,
        "webhook endpoint",
        f"{endpoint['id']} at {url}, API {PINNED_API_VERSION}, the {len(HANDLED_EVENTS)} events the service handles",
    )


def portal_finding(client: stripe.StripeClient, configured_id: str | None, url: str) -> Finding:
    """The configuration portal sessions use: STRIPE_PORTAL_CONFIGURATION, or the account's default."""
    setup = SETUP.format(url=url)
    if configured_id:
        configuration = stripe_account.retrieve_portal_configuration(client, configured_id)
        if configuration is None:
            return Finding(
                False,
                "billing portal",
                f"STRIPE_PORTAL_CONFIGURATION={configured_id} does not exist in this account (or mode); run: {setup}",
            )
        features = configuration.get("features") or {}
        wrong = []
        if not configuration.get("active"):
            wrong.append("it is not active")
        if not (features.get("payment_method_update") or {}).get("enabled"):
            wrong.append("donors cannot update their card or IBAN")
        if not (features.get("subscription_cancel") or {}).get("enabled"):
            wrong.append("donors cannot stop a monthly gift")
        if wrong:
            return Finding(False, "billing portal", f"{configured_id}: " + "; ".join(wrong) + f"; run: {setup}")
        return Finding(
            True, "billing portal", f"configuration {configured_id}: card or IBAN update, stopping a monthly gift"
        )
    configurations = stripe_account.list_portal_configurations(client)
    ours = [c for c in configurations if (c.get("metadata") or {}).get("managed_by") == MANAGED_BY and c.get("active")]
    if ours:
        return Finding(
            False,
            "billing portal",
            f"STRIPE_PORTAL_CONFIGURATION is not set: set it to {ours[0]['id']} (made by stripe setup) and restart the service",
        )
    if any(c.get("is_default") and c.get("active") for c in configurations):
        return Finding(True, "billing portal", "the account's default configuration (saved in the Dashboard) is used")
    return Finding(
        False,
        "billing portal",
        f"no configuration: Stripe refuses every portal session; run: {setup}, then set STRIPE_PORTAL_CONFIGURATION",
    )


def _method_on(configuration: dict[str, Any], method: str) -> bool:
    entry = configuration.get(method) or {}
    return bool(entry.get("available")) and (entry.get("display_preference") or {}).get("value") == "on"


def payment_methods_finding(configurations: list[dict[str, Any]], account: dict[str, Any]) -> Finding:
    """Card and SEPA Direct Debit: on in the account's default payment method configuration, capability active."""
    chosen = next((c for c in configurations if c.get("is_default") and not c.get("parent")), None) or (
        configurations[0] if configurations else None
    )
    capabilities = account.get("capabilities") or {}
    wrong = []
    if chosen is not None and not _method_on(chosen, "card"):
        wrong.append("cards are off (Dashboard → Settings → Payment methods → Cards)")
    sepa_capability = capabilities.get("sepa_debit_payments", "active")
    if (chosen is not None and not _method_on(chosen, "sepa_debit")) or sepa_capability != "active":
        wrong.append(
            "SEPA Direct Debit is not enabled (capability: "
            + str(capabilities.get("sepa_debit_payments", "not requested"))
            + "): turn it on in Dashboard → Settings → Payment methods → SEPA Direct Debit (Stripe asks for more "
            "verification); until then donors can pay by card only"
        )
    if chosen is None:
        wrong.append("the account has no payment method configuration")
    if wrong:
        return Finding(False, "payment methods", "; ".join(wrong))
    return Finding(True, "payment methods", "card and SEPA Direct Debit enabled")


def last_event_finding(session: Session, now: dt.datetime) -> Finding:
    health = webhook_health(session, now)
    if health.last_event_at is None:
        return Finding(
            False,
            "last event",
            "no Stripe event received yet: make a test gift, or send a test event to the endpoint from the Dashboard",
        )
    ago = now - health.last_event_at
    when = f"{health.last_event_type} at {health.last_event_at:%Y-%m-%d %H:%M} UTC ({_duration(ago)} ago)"
    if health.failures_waiting:
        return Finding(
            False,
            "last event",
            f"{when}; {health.failures_waiting} event(s) wait after a failure: see the finance dashboard, then run flask --app wsgi stripe reconcile",
        )
    return Finding(True, "last event", when)


def _duration(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _asking(topic: str, ask: Callable[[], Finding]) -> Finding:
    try:
        return ask()
    except PaymentServiceError as error:
        return Finding(False, topic, f"{error}: check STRIPE_SECRET_KEY (a restricted key needs read access to this)")


def check_stripe(
    client: stripe.StripeClient, session: Session, config: Mapping[str, Any], url: str, now: dt.datetime
) -> list[Finding]:
    """Every finding, in the order they are printed; nothing is changed."""
    findings = [key_mode(config)]
    try:
        account = stripe_account.retrieve_account(client)
    except PaymentServiceError as error:
        findings.append(Finding(False, "account", f"{error}: check STRIPE_SECRET_KEY"))
        account = None
    if account is not None:
        findings.append(account_finding(account, live_key(config)))
    findings.append(
        _asking("webhook endpoint", lambda: endpoint_findings(stripe_account.list_webhook_endpoints(client), url))
    )
    findings.append(
        _asking("billing portal", lambda: portal_finding(client, config.get("STRIPE_PORTAL_CONFIGURATION"), url))
    )
    findings.append(
        _asking(
            "payment methods",
            lambda: payment_methods_finding(stripe_account.list_payment_method_configurations(client), account or {}),
        )
    )
    findings.append(last_event_finding(session, now))
    return findings
