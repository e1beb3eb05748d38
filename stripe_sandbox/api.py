"""The /v1 subset of Stripe's API that the donation service uses."""

from __future__ import annotations

import stripe.params as P
import stripe.params.billing_portal as portal_params
import stripe.params.checkout as checkout_params
from flask import Blueprint

from . import checkout_flow, payouts, refunds, subscriptions
from .api_support import endpoint, list_log_page, list_page, sandbox
from .errors import invalid, no_such
from .objects import build_billing_portal_session, build_customer, new_id

bp = Blueprint("stripe_api", __name__, url_prefix="/v1")

# Retrieve endpoints that only read: url segment -> (object type, parameter class).
RETRIEVABLE = {
    "payment_intents": ("payment_intent", P.PaymentIntentRetrieveParams),
    "charges": ("charge", P.ChargeRetrieveParams),
    "invoices": ("invoice", P.InvoiceRetrieveParams),
    "invoice_payments": ("invoice_payment", P.InvoicePaymentRetrieveParams),
    "subscription_items": ("subscription_item", P.SubscriptionItemRetrieveParams),
    "refunds": ("refund", P.RefundRetrieveParams),
    "disputes": ("dispute", P.DisputeRetrieveParams),
    "prices": ("price", P.PriceRetrieveParams),
    "products": ("product", P.ProductRetrieveParams),
    "payment_methods": ("payment_method", P.PaymentMethodRetrieveParams),
    "balance_transactions": ("balance_transaction", P.BalanceTransactionRetrieveParams),
    "payouts": ("payout", P.PayoutRetrieveParams),
}


def _store():
    return sandbox().store


def _make_retrieve(segment: str, object_type: str, params_cls: type) -> None:
    @endpoint(params_cls)
    def retrieve(params, object_id):
        return _store().get(object_id, object_type)

    retrieve.__name__ = f"retrieve_{segment}"
    bp.add_url_rule(f"/{segment}/<object_id>", view_func=retrieve, methods=["GET"])


for _segment, (_type, _cls) in RETRIEVABLE.items():
    _make_retrieve(_segment, _type, _cls)


# -- customers ---------------------------------------------------------------------
_CUSTOMER_FIELDS = ("email", "name", "description", "phone")


def _apply_customer(customer: dict, params: dict) -> None:
    for key in _CUSTOMER_FIELDS:
        if key in params:
            customer[key] = params[key] or None
    if "metadata" in params:
        customer["metadata"] = subscriptions.merge_metadata(customer["metadata"], params["metadata"])
    if "preferred_locales" in params:
        customer["preferred_locales"] = params["preferred_locales"] or []
    if "address" in params:
        customer["address"] = (
            None
            if params["address"] == ""
            else {
                key: params["address"].get(key) for key in ("city", "country", "line1", "line2", "postal_code", "state")
            }
        )
    default_pm = (params.get("invoice_settings") or {}).get("default_payment_method")
    if default_pm is not None:
        if default_pm:
            _store().get(default_pm, "payment_method", param="invoice_settings[default_payment_method]")
        customer["invoice_settings"]["default_payment_method"] = default_pm or None


@bp.post("/customers")
@endpoint(P.CustomerCreateParams)
def create_customer(params):
    store = _store()
    customer = build_customer(created=store.clock.now())
    _apply_customer(customer, params)
    store.add(customer)
    store.emit("customer.created", customer)
    return customer


@bp.get("/customers/<customer_id>")
@endpoint(P.CustomerRetrieveParams)
def retrieve_customer(params, customer_id):
    return _store().get(customer_id, "customer")


@bp.post("/customers/<customer_id>")
@endpoint(P.CustomerUpdateParams)
def update_customer(params, customer_id):
    store = _store()
    customer = store.get(customer_id, "customer")
    if customer.get("deleted"):
        raise no_such("customer", customer_id, "id")
    before = store.render(customer)
    _apply_customer(customer, params)
    changes = subscriptions.diff(before, store.render(customer))
    if changes:
        store.emit("customer.updated", customer, previous_attributes=changes)
    return customer


@bp.delete("/customers/<customer_id>")
@endpoint(P.CustomerDeleteParams)
def delete_customer(params, customer_id):
    """Stripe deletes the customer for good: what is left answers only that it was deleted."""
    store = _store()
    customer = store.get(customer_id, "customer")
    store.emit("customer.deleted", customer)
    customer.clear()
    customer.update({"id": customer_id, "object": "customer", "deleted": True})
    return customer


@bp.get("/customers")
@endpoint(P.CustomerListParams)
def list_customers(params):
    live = [c for c in _store().all("customer") if not c.get("deleted")]
    return list_page(live, params, "/v1/customers", {"email": lambda c: c["email"]})


# -- checkout sessions -------------------------------------------------------------------
@bp.post("/checkout/sessions")
@endpoint(checkout_params.SessionCreateParams)
def create_checkout_session(params):
    return checkout_flow.create_session(_store(), params)


@bp.get("/checkout/sessions/<session_id>")
@endpoint(checkout_params.SessionRetrieveParams)
def retrieve_checkout_session(params, session_id):
    return _store().get(session_id, "checkout.session")


@bp.post("/checkout/sessions/<session_id>/expire")
@endpoint(checkout_params.SessionExpireParams)
def expire_checkout_session(params, session_id):
    store = _store()
    return checkout_flow.expire(store, store.get(session_id, "checkout.session"))


@bp.get("/checkout/sessions/<session_id>/line_items")
@endpoint(checkout_params.SessionLineItemListParams)
def list_checkout_line_items(params, session_id):
    store = _store()
    store.get(session_id, "checkout.session")
    items = store.private[session_id].get("line_items", [])
    return list_page(list(reversed(items)), params, f"/v1/checkout/sessions/{session_id}/line_items", {})


@bp.get("/checkout/sessions")
@endpoint(checkout_params.SessionListParams)
def list_checkout_sessions(params):
    return list_page(
        _store().all("checkout.session"),
        params,
        "/v1/checkout/sessions",
        {
            "payment_intent": lambda s: s["payment_intent"],
            "subscription": lambda s: s["subscription"],
            "customer": lambda s: s["customer"],
            "status": lambda s: s["status"],
            "customer_details": lambda s: s["customer_details"],
        },
    )


# -- payments, invoices and their lists --------------------------------------------------
@bp.get("/payment_intents")
@endpoint(P.PaymentIntentListParams)
def list_payment_intents(params):
    return list_page(
        _store().all("payment_intent"), params, "/v1/payment_intents", {"customer": lambda p: p["customer"]}
    )


@bp.get("/charges")
@endpoint(P.ChargeListParams)
def list_charges(params):
    return list_page(
        _store().all("charge"),
        params,
        "/v1/charges",
        {"customer": lambda c: c["customer"], "payment_intent": lambda c: c["payment_intent"]},
    )


@bp.get("/invoices")
@endpoint(P.InvoiceListParams)
def list_invoices(params):
    return list_page(
        _store().all("invoice"),
        params,
        "/v1/invoices",
        {
            "customer": lambda i: i["customer"],
            "status": lambda i: i["status"],
            "subscription": lambda i: (i["parent"]["subscription_details"] or {}).get("subscription"),
            "collection_method": lambda i: i["collection_method"],
        },
    )


@bp.get("/invoice_payments")
@endpoint(P.InvoicePaymentListParams)
def list_invoice_payments(params):
    return list_page(
        _store().all("invoice_payment"),
        params,
        "/v1/invoice_payments",
        {"invoice": lambda p: p["invoice"], "status": lambda p: p["status"], "payment": lambda p: p["payment"]},
    )


@bp.get("/refunds")
@endpoint(P.RefundListParams)
def list_refunds(params):
    return list_page(
        _store().all("refund"),
        params,
        "/v1/refunds",
        {"charge": lambda r: r["charge"], "payment_intent": lambda r: r["payment_intent"]},
    )


@bp.post("/refunds")
@endpoint(P.RefundCreateParams)
def create_refund(params):
    return refunds.create_refund(_store(), params)


@bp.get("/balance_transactions")
@endpoint(P.BalanceTransactionListParams)
def list_balance_transactions(params):
    store = _store()
    return list_page(
        store.all("balance_transaction"),
        params,
        "/v1/balance_transactions",
        {
            "payout": lambda t: payouts.payout_of(store, t),
            "type": lambda t: t["type"],
            "source": lambda t: t["source"],
            "currency": lambda t: t["currency"],
        },
    )


@bp.get("/payouts")
@endpoint(P.PayoutListParams)
def list_payouts(params):
    return list_page(_store().all("payout"), params, "/v1/payouts", {"status": lambda p: p["status"]})


# -- subscriptions -------------------------------------------------------------------
@bp.get("/subscriptions/<subscription_id>")
@endpoint(P.SubscriptionRetrieveParams)
def retrieve_subscription(params, subscription_id):
    return _store().get(subscription_id, "subscription")


@bp.post("/subscriptions/<subscription_id>")
@endpoint(P.SubscriptionUpdateParams)
def update_subscription(params, subscription_id):
    store = _store()
    return subscriptions.update(store, store.get(subscription_id, "subscription"), params)


@bp.delete("/subscriptions/<subscription_id>")
@endpoint(P.SubscriptionCancelParams)
def cancel_subscription(params, subscription_id):
    store = _store()
    details = params.get("cancellation_details", {})
    return subscriptions.cancel(
        store,
        store.get(subscription_id, "subscription"),
        comment=details.get("comment") or None,
        feedback=details.get("feedback") or None,
    )


@bp.get("/subscriptions")
@endpoint(P.SubscriptionListParams)
def list_subscriptions(params):
    def status_of(sub):
        return sub["status"]

    if params.get("status") == "all":
        params = {k: v for k, v in params.items() if k != "status"}
    items = _store().all("subscription")
    if "status" not in params:
        # Stripe lists every status but canceled unless asked for.
        items = [s for s in items if s["status"] != "canceled"]
    return list_page(items, params, "/v1/subscriptions", {"customer": lambda s: s["customer"], "status": status_of})


# -- billing portal ------------------------------------------------------------------
@bp.post("/billing_portal/sessions")
@endpoint(portal_params.SessionCreateParams)
def create_portal_session(params):
    store = _store()
    if "customer" not in params:
        raise invalid("Missing required param: customer.", param="customer", code="parameter_missing")
    if "flow_data" in params:
        raise invalid("The sandbox's portal does not support flow_data.", param="flow_data")
    customer = store.get(params["customer"], "customer", param="customer")
    if "configuration" in params:
        chosen = store.get(params["configuration"], "billing_portal.configuration", param="configuration")
        if not chosen["active"]:
            raise invalid(f"The configuration {chosen['id']} is not active.", param="configuration")
    elif not getattr(store, "portal_default_saved", True):
        raise invalid(
            "No configuration provided and your test mode default configuration has not been created. "
            "Provide a configuration or create your default by saving your customer portal settings in "
            "test mode at https://dashboard.stripe.com/test/settings/billing/portal."
        )
    configuration = store.private["billing_portal"].setdefault("configuration", new_id("bpc_"))
    session_id = new_id("bps_")
    portal = build_billing_portal_session(
        created=store.clock.now(),
        customer=customer["id"],
        url=f"{store.public_url}/billing_portal/{session_id}",
        return_url=params.get("return_url"),
        locale=params.get("locale"),
        configuration=params.get("configuration", configuration),
    )
    portal["id"] = session_id
    return store.add(portal)


# -- events ----------------------------------------------------------------------------
@bp.get("/events/<event_id>")
@endpoint(P.EventRetrieveParams)
def retrieve_event(params, event_id):
    return _store().get(event_id, "event")


@bp.get("/events")
@endpoint(P.EventListParams)
def list_events(params):
    store = _store()
    if "type" in params and "types" in params:
        raise invalid("You may only specify one of these parameters: type, types.", param="types")
    filters = {
        "type": lambda e: e["type"],
        "types": lambda e: e["type"],
        "delivery_success": lambda e: e["pending_webhooks"] == 0,
    }
    return list_log_page(store.events, store.event_positions, store.objects, params, "/v1/events", filters)
