"""The /v1 routes of the account's own settings, as `flask stripe setup` and `stripe check` use them:
webhook endpoints, billing portal configurations, payment method configurations, the account.

The sandbox keeps the endpoints it is given but still delivers its webhooks to the
one address it was started with (``--webhook-url``), signed with its own secret.
"""

from __future__ import annotations

import stripe.params as P
import stripe.params.billing_portal as portal_params

from .account_objects import (
    ACCOUNT_ID,
    build_account,
    build_payment_method_configuration,
    build_portal_configuration,
    build_webhook_endpoint,
    merge_portal_features,
    new_webhook_secret,
)
from .api import bp
from .api_support import endpoint, list_page, sandbox
from .errors import invalid
from .store import Store

# Stripe's limit of webhook endpoints per account and mode.
MAX_WEBHOOK_ENDPOINTS = 16


def _store() -> Store:
    return sandbox().store


def account_of(store: Store) -> dict:
    """The sandbox's account, made on first use (and again after a reset)."""
    return store.find(ACCOUNT_ID) or store.add(build_account(created=store.clock.now()))


def payment_method_configuration_of(store: Store) -> dict:
    """The account's default payment method configuration, made on first use."""
    existing = store.all("payment_method_configuration")
    return existing[0] if existing else store.add(build_payment_method_configuration())


def set_sepa_debit(store: Store, enabled: bool) -> None:
    """Turn SEPA Direct Debit on or off for the account (its capability and its display preference)."""
    account_of(store)["capabilities"]["sepa_debit_payments"] = "active" if enabled else "inactive"
    value = "on" if enabled else "off"
    payment_method_configuration_of(store)["sepa_debit"] = {
        "available": enabled,
        "display_preference": {"overridable": None, "preference": value, "value": value},
    }


# -- webhook endpoints ------------------------------------------------------------------
def _check_url(url: str, param: str = "url") -> None:
    if not url.startswith(("https://", "http://")) or len(url) > 2048:
        raise invalid(f"Invalid URL: {url}", param=param, code="url_invalid")


def _shown(endpoint_obj: dict) -> dict:
    # The signing secret is in the answer to the creation only.
    return {key: value for key, value in endpoint_obj.items() if key != "secret"}


@bp.post("/webhook_endpoints")
@endpoint(P.WebhookEndpointCreateParams)
def create_webhook_endpoint(params):
    store = _store()
    _check_url(params["url"])
    if params.get("connect"):
        raise invalid("The sandbox has no connected accounts: connect must be false.", param="connect")
    if len(store.all("webhook_endpoint")) >= MAX_WEBHOOK_ENDPOINTS:
        raise invalid(f"You have reached the maximum of {MAX_WEBHOOK_ENDPOINTS} test webhook endpoints.", param="url")
    created = build_webhook_endpoint(
        created=store.clock.now(),
        url=params["url"],
        enabled_events=params["enabled_events"],
        api_version=params.get("api_version"),
        description=params.get("description") or None,
        metadata=params.get("metadata"),
    )
    store.add(created)
    store.private[created["id"]]["secret"] = new_webhook_secret()
    return {**created, "secret": store.private[created["id"]]["secret"]}


@bp.get("/webhook_endpoints")
@endpoint(P.WebhookEndpointListParams)
def list_webhook_endpoints(params):
    return list_page([_shown(e) for e in _store().all("webhook_endpoint")], params, "/v1/webhook_endpoints", {})


@bp.get("/webhook_endpoints/<endpoint_id>")
@endpoint(P.WebhookEndpointRetrieveParams)
def retrieve_webhook_endpoint(params, endpoint_id):
    return _shown(_store().get(endpoint_id, "webhook_endpoint"))


@bp.post("/webhook_endpoints/<endpoint_id>")
@endpoint(P.WebhookEndpointUpdateParams)
def update_webhook_endpoint(params, endpoint_id):
    found = _store().get(endpoint_id, "webhook_endpoint")
    if "url" in params:
        _check_url(params["url"])
        found["url"] = params["url"]
    if "enabled_events" in params:
        found["enabled_events"] = list(params["enabled_events"])
    if "description" in params:
        found["description"] = params["description"] or None
    if "metadata" in params:
        found["metadata"] = {} if params["metadata"] == "" else {**found["metadata"], **params["metadata"]}
        found["metadata"] = {k: v for k, v in found["metadata"].items() if v != ""}
    if "disabled" in params:
        found["status"] = "disabled" if params["disabled"] else "enabled"
    return _shown(found)


@bp.delete("/webhook_endpoints/<endpoint_id>")
@endpoint(P.WebhookEndpointDeleteParams)
def delete_webhook_endpoint(params, endpoint_id):
    store = _store()
    store.get(endpoint_id, "webhook_endpoint")
    del store.objects[endpoint_id]
    store.by_type["webhook_endpoint"].remove(endpoint_id)
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}


# -- billing portal configurations ---------------------------------------------------------
def _check_portal_urls(params: dict) -> None:
    profile = params.get("business_profile") or {}
    for key in ("privacy_policy_url", "terms_of_service_url"):
        if profile.get(key):
            _check_url(profile[key], f"business_profile[{key}]")
    if params.get("default_return_url"):
        _check_url(params["default_return_url"], "default_return_url")
    cancel = (params.get("features") or {}).get("subscription_cancel") or {}
    if cancel.get("proration_behavior") == "create_prorations" and cancel.get("mode") != "immediately":
        raise invalid(
            "Prorations can only be created when canceling immediately.",
            param="features[subscription_cancel][proration_behavior]",
        )


@bp.post("/billing_portal/configurations")
@endpoint(portal_params.ConfigurationCreateParams)
def create_portal_configuration(params):
    store = _store()
    _check_portal_urls(params)
    return store.add(
        build_portal_configuration(
            created=store.clock.now(),
            features=params["features"],
            business_profile=params.get("business_profile"),
            default_return_url=params.get("default_return_url"),
            metadata=params.get("metadata"),
            name=params.get("name"),
        )
    )


@bp.get("/billing_portal/configurations")
@endpoint(portal_params.ConfigurationListParams)
def list_portal_configurations(params):
    return list_page(
        _store().all("billing_portal.configuration"),
        params,
        "/v1/billing_portal/configurations",
        {"active": lambda c: c["active"], "is_default": lambda c: c["is_default"]},
    )


@bp.get("/billing_portal/configurations/<configuration_id>")
@endpoint(portal_params.ConfigurationRetrieveParams)
def retrieve_portal_configuration(params, configuration_id):
    return _store().get(configuration_id, "billing_portal.configuration")


@bp.post("/billing_portal/configurations/<configuration_id>")
@endpoint(portal_params.ConfigurationUpdateParams)
def update_portal_configuration(params, configuration_id):
    store = _store()
    found = store.get(configuration_id, "billing_portal.configuration")
    _check_portal_urls(params)
    if "features" in params:
        found["features"] = merge_portal_features(found["features"], params["features"])
    if "business_profile" in params:
        found["business_profile"].update({k: (v or None) for k, v in params["business_profile"].items()})
    for key in ("default_return_url", "name"):
        if key in params:
            found[key] = params[key] or None
    if "metadata" in params:
        found["metadata"] = {**(found["metadata"] or {}), **params["metadata"]} or None
    if "active" in params:
        found["active"] = bool(params["active"])
    found["updated"] = store.clock.now()
    return found


# -- payment method configurations and the account ---------------------------------------------
@bp.get("/payment_method_configurations")
@endpoint(P.PaymentMethodConfigurationListParams)
def list_payment_method_configurations(params):
    store = _store()
    payment_method_configuration_of(store)
    return list_page(
        store.all("payment_method_configuration"),
        params,
        "/v1/payment_method_configurations",
        {"application": lambda c: c["application"], "active": lambda c: c["active"]},
    )


@bp.get("/payment_method_configurations/<configuration_id>")
@endpoint(P.PaymentMethodConfigurationRetrieveParams)
def retrieve_payment_method_configuration(params, configuration_id):
    store = _store()
    payment_method_configuration_of(store)
    return store.get(configuration_id, "payment_method_configuration")


@bp.get("/account")
@endpoint(P.AccountRetrieveCurrentParams)
def retrieve_account(params):
    return account_of(_store())
