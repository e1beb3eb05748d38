"""Builders for the account's own settings: webhook endpoints, billing portal configurations,
payment method configurations and the account itself, in the current API's shapes.

Like objects.py, each returns every field real Stripe returns for that object
(checked against Stripe's published fixtures by tests/sandbox/test_account_setup.py).
"""

from __future__ import annotations

from .objects import API_VERSION, address, new_id

# The sandbox's one account: a French foundation in test mode, with cards and SEPA debits.
ACCOUNT_ID = "acct_1SandboxFondation"

# The payment methods a payment method configuration lists (Stripe's example has these keys).
PAYMENT_METHOD_KEYS = (
    "acss_debit",
    "affirm",
    "afterpay_clearpay",
    "alipay",
    "amazon_pay",
    "apple_pay",
    "bacs_debit",
    "bancontact",
    "blik",
    "card",
    "cartes_bancaires",
    "cashapp",
    "customer_balance",
    "eps",
    "giropay",
    "google_pay",
    "ideal",
    "klarna",
    "link",
    "multibanco",
    "p24",
    "sepa_debit",
    "sofort",
    "us_bank_account",
    "wechat_pay",
    "zip",
)
ON_BY_DEFAULT = ("card", "sepa_debit", "apple_pay", "google_pay", "cartes_bancaires", "link")


def build_webhook_endpoint(
    *,
    created: int,
    url: str,
    enabled_events: list,
    api_version: str | None,
    description: str | None = None,
    metadata: dict | None = None,
) -> dict:
    """An enabled webhook endpoint (its signing secret is kept apart: Stripe shows it at creation only)."""
    return {
        "id": new_id("we_"),
        "object": "webhook_endpoint",
        "api_version": api_version,
        "application": None,
        "created": created,
        "description": description,
        "enabled_events": list(enabled_events),
        "livemode": False,
        "metadata": dict(metadata or {}),
        "status": "enabled",
        "url": url,
    }


def new_webhook_secret() -> str:
    return "whsec_" + new_id("", 32)


def _portal_features(features: dict) -> dict:
    """The features of a configuration, Stripe's defaults filled in where the request said nothing."""
    customer_update = features.get("customer_update") or {}
    cancel = features.get("subscription_cancel") or {}
    reason = cancel.get("cancellation_reason") or {}
    update = features.get("subscription_update") or {}
    payment_method = features.get("payment_method_update") or {}
    return {
        "customer_update": {
            "allowed_updates": list(customer_update.get("allowed_updates") or []),
            "enabled": bool(customer_update.get("enabled", False)),
        },
        "invoice_history": {"enabled": bool((features.get("invoice_history") or {}).get("enabled", False))},
        "payment_method_update": {
            "enabled": bool(payment_method.get("enabled", False)),
            "payment_method_configuration": payment_method.get("payment_method_configuration") or None,
        },
        "subscription_cancel": {
            "cancellation_reason": {
                "enabled": bool(reason.get("enabled", False)),
                "options": list(reason.get("options") or []),
            },
            "enabled": bool(cancel.get("enabled", False)),
            "mode": cancel.get("mode", "at_period_end"),
            "proration_behavior": cancel.get("proration_behavior", "none"),
        },
        "subscription_update": {
            "default_allowed_updates": list(update.get("default_allowed_updates") or []),
            "enabled": bool(update.get("enabled", False)),
            "proration_behavior": update.get("proration_behavior", "none"),
            "schedule_at_period_end": {"conditions": []},
            "trial_update_behavior": "end_trial",
            "billing_cycle_anchor": update.get("billing_cycle_anchor"),
        },
    }


def build_portal_configuration(
    *,
    created: int,
    features: dict,
    business_profile: dict | None = None,
    default_return_url: str | None = None,
    metadata: dict | None = None,
    name: str | None = None,
    is_default: bool = False,
) -> dict:
    """A billing portal configuration (one made through the API is never the default)."""
    profile = business_profile or {}
    return {
        "id": new_id("bpc_"),
        "object": "billing_portal.configuration",
        "active": True,
        "application": None,
        "business_profile": {
            "headline": profile.get("headline") or None,
            "privacy_policy_url": profile.get("privacy_policy_url"),
            "terms_of_service_url": profile.get("terms_of_service_url"),
        },
        "created": created,
        "default_return_url": default_return_url or None,
        "features": _portal_features(features),
        "is_default": is_default,
        "livemode": False,
        "login_page": {"enabled": False, "url": None},
        "metadata": dict(metadata) if metadata else None,
        "name": name or None,
        "updated": created,
    }


def merge_portal_features(current: dict, changes: dict) -> dict:
    """The features after an update: each feature named in `changes` is merged over what it was."""
    merged = {key: dict(value) for key, value in current.items()}
    for key, value in changes.items():
        merged[key] = {**merged.get(key, {}), **value}
    return _portal_features(merged)


def _display(on: bool) -> dict:
    value = "on" if on else "off"
    return {"available": on, "display_preference": {"overridable": None, "preference": value, "value": value}}


def build_payment_method_configuration(*, enabled: tuple = ON_BY_DEFAULT) -> dict:
    """The account's default payment method configuration (what Checkout may offer)."""
    config = {key: _display(key in enabled) for key in PAYMENT_METHOD_KEYS}
    config.update(
        {
            "id": new_id("pmc_"),  # type: ignore[dict-item]
            "object": "payment_method_configuration",  # type: ignore[dict-item]
            "active": True,  # type: ignore[dict-item]
            "application": None,  # type: ignore[dict-item]
            "is_default": True,  # type: ignore[dict-item]
            "livemode": False,  # type: ignore[dict-item]
            "name": "Default",  # type: ignore[dict-item]
            "parent": None,  # type: ignore[dict-item]
        }
    )  # type: ignore[dict-item]
    return config


def build_account(*, created: int, sepa_debit: bool = True) -> dict:
    """The sandbox's own account (GET /v1/account): a French standard account able to charge."""
    requirements = {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": [],
        "disabled_reason": None,  # type: ignore[var-annotated]
        "errors": [],
        "eventually_due": [],
        "past_due": [],
        "pending_verification": [],
    }
    return {
        "id": ACCOUNT_ID,
        "object": "account",
        "business_profile": {
            "annual_revenue": {"amount": None, "currency": None, "fiscal_year_end": None},
            "estimated_worker_count": None,
            "mcc": "8398",
            "name": "Fondation (sandbox)",
            "product_description": None,
            "support_address": address("FR"),
            "support_email": None,
            "support_phone": None,
            "support_url": None,
            "url": None,
            "minority_owned_business_designation": None,
        },
        "business_type": "non_profit",
        "capabilities": {
            "card_payments": "active",
            "sepa_debit_payments": "active" if sepa_debit else "inactive",
            "transfers": "active",
        },
        "charges_enabled": True,
        "controller": {"type": "account"},
        "country": "FR",
        "created": created,
        "default_currency": "eur",
        "details_submitted": True,
        "email": None,
        "external_accounts": {
            "data": [],
            "has_more": False,
            "object": "list",
            "url": f"/v1/accounts/{ACCOUNT_ID}/external_accounts",
        },
        "future_requirements": dict(requirements),
        "metadata": {},
        "payouts_enabled": True,
        "requirements": dict(requirements),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {
                "decline_on": {"avs_failure": False, "cvc_failure": True},
                "statement_descriptor_prefix": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "dashboard": {"display_name": "Fondation (sandbox)", "timezone": "Europe/Paris"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": None},
            "payments": {
                "statement_descriptor": "FONDATION",
                "statement_descriptor_kana": None,
                "statement_descriptor_kanji": None,
                "statement_descriptor_prefix_kana": None,
                "statement_descriptor_prefix_kanji": None,
            },
            "payouts": {
                "debit_negative_balances": True,
                "schedule": {"delay_days": 7, "interval": "daily"},
                "statement_descriptor": None,
            },
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": created, "ip": None, "user_agent": None},
        "type": "standard",
    }


__all__ = [
    "API_VERSION",
    "build_account",
    "build_payment_method_configuration",
    "build_portal_configuration",
    "build_webhook_endpoint",
    "merge_portal_features",
    "new_webhook_secret",
]
