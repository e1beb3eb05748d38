"""Builders for the Stripe objects of payments, in the current API's shapes.

Each builder returns a plain dict with every field real Stripe returns for
that object (checked field by field against Stripe's published fixtures by
tests/sandbox/test_conformance.py), filled with what the sandbox knows and
``None`` where Stripe would say null. Billing objects (subscriptions,
invoices) are in billing_objects.py.
"""

from __future__ import annotations

import secrets
import string

import stripe

API_VERSION = stripe.api_version
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """An id like Stripe's: prefix plus random alphanumerics."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_checkout_session_id() -> str:
    # Stripe's Checkout Session ids are much longer than other ids (66 chars);
    # mimic that so a too-narrow database column fails here, not in production.
    return "cs_test_a1" + new_id("", 56)


def address(country: str | None = None) -> dict:
    return {"city": None, "country": country, "line1": None, "line2": None, "postal_code": None, "state": None}


def build_customer(
    *,
    created: int,
    email: str | None = None,
    name: str | None = None,
    description: str | None = None,
    phone: str | None = None,
    metadata: dict | None = None,
    preferred_locales: list | None = None,
    customer_id: str | None = None,
) -> dict:
    """A customer with no payment method yet."""
    return {
        "id": customer_id or new_id("cus_", 14),
        "object": "customer",
        "address": None,
        "balance": 0,
        "created": created,
        "currency": None,
        "default_source": None,
        "delinquent": False,
        "description": description,
        "discount": None,
        "email": email,
        "invoice_prefix": new_id("", 8).upper(),
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": None,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": dict(metadata or {}),
        "name": name,
        "next_invoice_sequence": 1,
        "phone": phone,
        "preferred_locales": list(preferred_locales or []),
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
        "customer_account": None,
    }


def build_product(
    *, created: int, name: str, description: str | None = None, metadata: dict | None = None, active: bool = True
) -> dict:
    """A product, as created inline by ``price_data[product_data]``."""
    return {
        "id": new_id("prod_", 14),
        "object": "product",
        "active": active,
        "created": created,
        "default_price": None,
        "description": description,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": dict(metadata or {}),
        "name": name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": None,
        "updated": created,
        "url": None,
    }


def build_price(
    *,
    created: int,
    product: str,
    unit_amount: int,
    currency: str = "eur",
    interval: str | None = None,
    interval_count: int = 1,
    active: bool = True,
) -> dict:
    """A one-time or recurring per-unit price."""
    recurring = None
    if interval:
        recurring = {
            "interval": interval,
            "interval_count": interval_count,
            "meter": None,
            "usage_type": "licensed",
            "trial_period_days": None,
        }
    return {
        "id": new_id("price_"),
        "object": "price",
        "active": active,
        "billing_scheme": "per_unit",
        "created": created,
        "currency": currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": product,
        "recurring": recurring,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring" if interval else "one_time",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def build_checkout_line_item(*, price: dict, product: dict, quantity: int) -> dict:
    """An ``item`` of a session's ``line_items`` list (expand[]=line_items)."""
    total = price["unit_amount"] * quantity
    return {
        "id": new_id("li_"),
        "object": "item",
        "adjustable_quantity": None,
        "amount_discount": 0,
        "amount_subtotal": total,
        "amount_tax": 0,
        "amount_total": total,
        "currency": price["currency"],
        "description": product["name"],
        "metadata": {},
        "price": price,
        "quantity": quantity,
    }


def build_checkout_session(
    *,
    created: int,
    expires_at: int,
    mode: str,
    url: str,
    amount_total: int,
    currency: str = "eur",
    payment_method_types: list,
    allowed_payment_method_types: list | None = None,
    success_url: str | None = None,
    cancel_url: str | None = None,
    customer: str | None = None,
    customer_email: str | None = None,
    client_reference_id: str | None = None,
    metadata: dict | None = None,
    locale: str | None = None,
    submit_type: str | None = None,
    billing_address_collection: str | None = None,
    customer_creation: str | None = None,
    session_id: str | None = None,
    customer_details: dict | None = None,
) -> dict:
    """An open, unpaid Checkout Session."""
    payment = mode == "payment"
    return {
        "id": session_id or new_checkout_session_id(),
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "allowed_payment_method_types": allowed_payment_method_types,
        "amount_subtotal": amount_total,
        "amount_total": amount_total,
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": billing_address_collection,
        "branding_settings": None,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "client_secret": None,
        "collected_information": None,
        "consent": None,
        "consent_collection": None,
        "created": created,
        "currency": currency,
        "currency_conversion": None,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": customer,
        "customer_account": None,
        "customer_creation": customer_creation
        if customer_creation
        else ("if_required" if payment and not customer else None),
        "customer_details": customer_details,
        "customer_email": customer_email,
        "discounts": [],
        "excluded_payment_method_types": None,
        "expires_at": expires_at,
        "integration_identifier": None,
        "invoice": None,
        "invoice_creation": (
            {
                "enabled": False,
                "invoice_data": {
                    "account_tax_ids": None,
                    "custom_fields": None,
                    "description": None,
                    "footer": None,
                    "issuer": None,
                    "metadata": {},
                    "rendering_options": None,
                },
            }
            if payment
            else None
        ),
        "livemode": False,
        "locale": locale,
        "managed_payments": None,
        "metadata": dict(metadata or {}),
        "mode": mode,
        "name_collection": None,
        "optional_items": None,
        "origin_context": None,
        "payment_intent": None,
        "payment_link": None,
        "payment_method_collection": None if payment else "always",
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": list(payment_method_types),
        "payment_status": "unpaid",
        "permissions": None,
        "phone_number_collection": {"enabled": False},
        "presentment_details": None,
        "recovered_from": None,
        "redirect_on_completion": None,
        "return_url": None,
        "saved_payment_method_options": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": "open",
        "submit_type": submit_type,
        "subscription": None,
        "success_url": success_url,
        "tax_id_collection": None,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted_page",
        "url": url,
        "wallet_options": None,
    }


def build_customer_details(*, email: str | None, name: str | None = None, address: dict | None = None) -> dict:
    """A completed session's ``customer_details``: what the person entered on the payment page."""
    return {
        "address": address,
        "business_name": None,
        "email": email,
        "individual_name": None,
        "name": name,
        "phone": None,
        "tax_exempt": "none",
        "tax_ids": [],
    }


def build_billing_portal_session(
    *, created: int, customer: str, url: str, return_url: str | None, locale: str | None = None, configuration: str
) -> dict:
    """A customer portal session."""
    return {
        "id": new_id("bps_"),
        "object": "billing_portal.session",
        "configuration": configuration,
        "created": created,
        "customer": customer,
        "customer_account": None,
        "flow": None,
        "livemode": False,
        "locale": locale,
        "on_behalf_of": None,
        "return_url": return_url,
        "url": url,
    }


def build_event(
    *,
    created: int,
    event_type: str,
    data_object: dict,
    previous_attributes: dict | None = None,
    pending_webhooks: int = 0,
    request_id: str | None = None,
    idempotency_key: str | None = None,
) -> dict:
    """An event carrying a snapshot of ``data_object``."""
    data: dict = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": new_id("evt_"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": pending_webhooks,
        "request": {"id": request_id, "idempotency_key": idempotency_key},
        "type": event_type,
    }


from stripe_sandbox.payment_objects import (  # noqa: F401, E402  (they need what is above)
    build_balance_transaction,
    build_charge,
    build_dispute,
    build_payment_intent,
    build_payment_method,
    build_refund,
    card_charge_details,
    sepa_charge_details,
)
