"""Every call the service makes to Stripe's API, and nothing else.

One `StripeClient` per application (built by `make_client`), pointed at the
local sandbox when no key is configured. Each function takes the client as
an argument, sends explicit idempotency keys where a retry could create
something twice, and returns Stripe's objects as plain dicts. Each raises one
error type, `PaymentServiceError`, whatever went wrong (`stripe_call`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import quote

import stripe

from donations.config import SANDBOX_API_KEY
from donations.platform.stripe_errors import (  # noqa: F401  (moved there)
    Call,
    PaymentServiceError,
    stripe_call,
)

log = logging.getLogger(__name__)

# Stripe's hosted checkout takes cards and SEPA Direct Debit for this service.
PAYMENT_METHOD_TYPES = ["card", "sepa_debit"]
# Stripe's default lifetime of a Checkout Session, used when `expires_at` is not sent (it never is).
CHECKOUT_LIFETIME = dt.timedelta(hours=24)
# The API version every call is made in (stripe-python pins it): webhook endpoints are created in
# it, and an event in another version is read again through the API.
PINNED_API_VERSION: str = stripe.api_version


def make_client(config: Mapping[str, Any]) -> stripe.StripeClient:
    """The application's one Stripe client: real Stripe with a key, else the sandbox.

    Every attempt is bounded by STRIPE_TIMEOUT and retried STRIPE_MAX_NETWORK_RETRIES
    times (with Stripe's idempotency keys, a retry never creates anything twice), so a
    donor facing a Stripe outage waits `longest_wait_seconds` at most, not minutes.
    """
    options: dict[str, Any] = {
        "max_network_retries": config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
        "http_client": stripe.RequestsClient(timeout=config.get("STRIPE_TIMEOUT") or 6.0),
    }
    if config.get("STRIPE_USES_SANDBOX"):
        base = config["STRIPE_API_BASE"].rstrip("/")
        return stripe.StripeClient(
            SANDBOX_API_KEY,
            base_addresses={"api": base, "files": base, "connect": base, "meter_events": base},
            **options,
        )
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], **options)


# Stripe's client waits between attempts 0.5 s, then twice as long each time, at most 5 s.
_RETRY_DELAYS = tuple(min(0.5 * 2**n, 5.0) for n in range(10))


def longest_wait_seconds(config: Mapping[str, Any]) -> float:
    """How long a call to an unresponsive Stripe can keep a request waiting, retries included."""
    retries = int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2))
    timeout = float(config.get("STRIPE_TIMEOUT") or 6.0)
    return timeout * (retries + 1) + sum(_RETRY_DELAYS[:retries]) + 5.0 * max(0, retries - len(_RETRY_DELAYS))


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _get(client: stripe.StripeClient, path: str, object_id: str, **params: Any) -> dict[str, Any]:
    """GET one object of the API as the plain JSON Stripe sent, through the client's own requestor
    (its key, pinned version, timeouts and retries; errors raised as the typed calls raise them).
    The typed resources would build a StripeObject tree only for `_plain` to turn it back into
    dicts: about 5 ms of a web worker's CPU for a PaymentIntent with its charge expanded."""
    answer = client.raw_request("get", f"/v1/{path}/{quote(object_id, safe='')}", **params)
    return cast(dict[str, Any], answer.data)


@dataclass(frozen=True)
class CheckoutRequest:
    """What a Checkout Session for one donation needs; built by the giving flow."""

    donation_public_id: str
    monthly: bool
    amount_cents: int
    product_name: str
    description: str
    locale: str
    success_url: str
    cancel_url: str
    customer_email: str
    # Stripe's limit on one SEPA debit (SEPA_DEBIT_MAX): above it, the card only.
    sepa_debit_max_cents: int | None = None
    # Only these methods (a donor covering the fees of one method); None: by amount, as below.
    payment_method_types: list[str] | None = None


def payment_method_types(amount_cents: int, sepa_debit_max_cents: int | None) -> list[str]:
    """Card and SEPA Direct Debit, or the card alone above Stripe's limit on one SEPA debit."""
    if sepa_debit_max_cents is not None and amount_cents > sepa_debit_max_cents:
        return ["card"]
    return list(PAYMENT_METHOD_TYPES)


def checkout_params(request: CheckoutRequest) -> dict[str, Any]:
    """The parameters of the Checkout Session (kept apart so tests can check every key).

    They depend on the donation alone, never on the time or the request, so that
    every retry under the donation's idempotency key sends the very same request.
    """
    metadata = {"donation_id": request.donation_public_id}
    price_data: dict[str, Any] = {
        "currency": "eur",
        "unit_amount": request.amount_cents,
        "product_data": {"name": request.product_name},
    }
    params: dict[str, Any] = {
        "line_items": [{"price_data": price_data, "quantity": 1}],
        "allowed_payment_method_types": request.payment_method_types
        or payment_method_types(request.amount_cents, request.sepa_debit_max_cents),
        "locale": request.locale,
        "client_reference_id": request.donation_public_id,
        "metadata": metadata,
        "success_url": request.success_url,
        "cancel_url": request.cancel_url,
        # No `expires_at`: a value computed from our clock would make a retry after a lost
        # answer differ from the first request (Stripe refuses a reused idempotency key with
        # other parameters for 24 h), and a skewed clock could put it outside Stripe's
        # 30 min..24 h window. Stripe's default is 24 h; the session's own `expires_at` is kept.
    }
    # Only the email, never an existing customer: see giving.open_checkout.
    params["customer_email"] = request.customer_email
    if request.monthly:
        price_data["recurring"] = {"interval": "month"}
        params["mode"] = "subscription"
        params["subscription_data"] = {"metadata": metadata, "description": request.description}
    else:
        params["mode"] = "payment"
        # Stripe allows submit_type only in payment mode.
        params["submit_type"] = "donate"
        params["payment_intent_data"] = {"metadata": metadata, "description": request.description}
        params["customer_creation"] = "always"
    return params


@stripe_call
def create_checkout_session(client: stripe.StripeClient, request: CheckoutRequest) -> dict[str, Any]:
    """Create the Checkout Session of a donation; a repeat for the same donation returns the same session."""
    session = client.v1.checkout.sessions.create(
        params=checkout_params(request),  # type: ignore[arg-type]
        options={"idempotency_key": f"checkout-{request.donation_public_id}"},
    )
    return _plain(session)


@stripe_call
def retrieve_checkout_session(client: stripe.StripeClient, session_id: str) -> dict[str, Any]:
    """The Checkout Session as Stripe has it now."""
    return _get(client, "checkout/sessions", session_id)


@stripe_call
def retrieve_payment_intent(client: stripe.StripeClient, payment_intent_id: str) -> dict[str, Any]:
    """The PaymentIntent with its latest charge expanded (amount, method, refunds).

    The charge's balance transaction is expanded too: its `created` is when
    the money was booked (for a SEPA debit, days after the charge was made).
    """
    return _get(client, "payment_intents", payment_intent_id, expand=["latest_charge.balance_transaction"])


@stripe_call
def retrieve_charge(client: stripe.StripeClient, charge_id: str) -> dict[str, Any]:
    """The Charge as Stripe has it now."""
    return _get(client, "charges", charge_id)


@stripe_call
def retrieve_refund(client: stripe.StripeClient, refund_id: str) -> dict[str, Any]:
    """The Refund as Stripe has it now (pending, succeeded, failed or canceled)."""
    return _get(client, "refunds", refund_id)


@stripe_call
def refunds_of_charge(client: stripe.StripeClient, charge_id: str) -> list[dict[str, Any]]:
    """Every refund of a charge as Stripe has them now, failed and canceled ones included."""
    page = client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
    return [_plain(refund) for refund in page.auto_paging_iter()]


@stripe_call
def retrieve_balance_transaction(client: stripe.StripeClient, balance_transaction_id: str) -> dict[str, Any]:
    """A balance transaction: what Stripe booked for a charge, its fee and the net that reaches the balance."""
    return _get(client, "balance_transactions", balance_transaction_id)


@stripe_call
def retrieve_payout(client: stripe.StripeClient, payout_id: str) -> dict[str, Any]:
    """The Payout as Stripe has it now (its status decides whether it reached the bank)."""
    return _get(client, "payouts", payout_id)


@stripe_call
def payout_balance_transactions(client: stripe.StripeClient, payout_id: str) -> Iterator[dict[str, Any]]:
    """Every balance transaction a payout paid out, its source (charge, refund, dispute) expanded.

    Pages are fetched as the iterator goes (a payout may hold thousands of payments).
    """
    page = client.v1.balance_transactions.list(params={"payout": payout_id, "limit": 100, "expand": ["data.source"]})
    for txn in page.auto_paging_iter():
        yield _plain(txn)


@stripe_call
def retrieve_invoice(client: stripe.StripeClient, invoice_id: str) -> dict[str, Any]:
    """The Invoice as Stripe has it now, with its payments (Stripe includes them only when expanded)."""
    return _get(client, "invoices", invoice_id, expand=["payments"])


@stripe_call
def invoice_of_payment_intent(client: stripe.StripeClient, payment_intent_id: str) -> str | None:
    """The id of the invoice a PaymentIntent pays, if any (PaymentIntents no longer name their invoice)."""
    page = client.v1.invoice_payments.list(
        params={"payment": {"type": "payment_intent", "payment_intent": payment_intent_id}, "limit": 1}
    )
    for invoice_payment in page.data:
        invoice = _plain(invoice_payment).get("invoice")
        return invoice.get("id") if isinstance(invoice, dict) else invoice
    return None


@stripe_call
def retrieve_dispute(client: stripe.StripeClient, dispute_id: str) -> dict[str, Any]:
    """The Dispute as Stripe has it now (its status decides what we record)."""
    return _get(client, "disputes", dispute_id)


@stripe_call
def retrieve_subscription(client: stripe.StripeClient, subscription_id: str) -> dict[str, Any]:
    """The Subscription as Stripe has it now (status, pause, amount)."""
    return _get(client, "subscriptions", subscription_id)


@stripe_call
def list_events(
    client: stripe.StripeClient, created_gte: int, created_lt: int | None = None
) -> Iterator[dict[str, Any]]:
    """Every event Stripe still holds created at or after `created_gte` (and before `created_lt`,
    when given; Unix times), newest first.

    Stripe keeps events for 30 days; pages are fetched as the iterator goes.
    Each event is a dict as a webhook body would carry it (decimal amounts
    stay strings), so it can be stored as JSON like a delivered one.
    """
    created: dict[str, int] = {"gte": created_gte}
    if created_lt is not None:
        created["lt"] = created_lt
    page = client.v1.events.list(params={"created": created, "limit": 100})  # type: ignore[arg-type]
    for event in page.auto_paging_iter():
        yield event.to_dict(for_json=True)


# --- monthly gifts managed by the donor (portal) and by finance -------------------------


@stripe_call
def change_subscription_amount(
    client: stripe.StripeClient, subscription_id: str, amount_cents: int, idempotency_key: str
) -> dict[str, Any]:
    """Charge `amount_cents` a month from the next invoice on (no proration: a gift is not prorated)."""
    current = retrieve_subscription(client, subscription_id)
    item = current["items"]["data"][0]
    price = item["price"]
    product = price["product"]["id"] if isinstance(price.get("product"), dict) else price["product"]
    params = {
        "items": [
            {
                "id": item["id"],
                "price_data": {
                    "currency": "eur",
                    "unit_amount": amount_cents,
                    "product": product,
                    "recurring": {"interval": "month"},
                },
            }
        ],
        "proration_behavior": "none",
    }
    return _plain(
        client.v1.subscriptions.update(subscription_id, params=params, options={"idempotency_key": idempotency_key})  # type: ignore[arg-type]
    )


@stripe_call
def pause_subscription(client: stripe.StripeClient, subscription_id: str) -> dict[str, Any]:
    """Stop collecting the monthly gift until it is resumed (invoices are voided meanwhile)."""
    return _plain(client.v1.subscriptions.update(subscription_id, params={"pause_collection": {"behavior": "void"}}))


@stripe_call
def resume_subscription(client: stripe.StripeClient, subscription_id: str) -> dict[str, Any]:
    """Collect the monthly gift again from the next invoice."""
    return _plain(client.v1.subscriptions.update(subscription_id, params={"pause_collection": ""}))  # type: ignore[typeddict-item]


@stripe_call
def cancel_subscription(client: stripe.StripeClient, subscription_id: str) -> dict[str, Any]:
    """Stop a monthly gift now; the customer.subscription.deleted webhook records it."""
    return _plain(client.v1.subscriptions.cancel(subscription_id))


@stripe_call
def create_billing_portal_session(
    client: stripe.StripeClient, customer_id: str, return_url: str, configuration: str | None = None
) -> dict[str, Any]:
    """A Stripe billing portal session where the donor updates their card or IBAN.

    `configuration` is the one `flask stripe setup` made (STRIPE_PORTAL_CONFIGURATION);
    without it Stripe uses the account's default, which exists only once the portal's
    settings were saved in the Dashboard.
    """
    params: dict[str, Any] = {"customer": customer_id, "return_url": return_url}
    if configuration:
        params["configuration"] = configuration
    return _plain(client.v1.billing_portal.sessions.create(params=params))  # type: ignore[arg-type]


@stripe_call
def delete_customer(client: stripe.StripeClient, customer_id: str) -> None:
    """Delete a Stripe customer and what Stripe holds with it (email, name, address, saved
    cards): the donor's data erasure. A customer already gone counts as deleted.
    """
    try:
        client.v1.customers.delete(customer_id)
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing":
            raise


# --- refunds asked by finance ------------------------------------------------------------


@stripe_call
def refund_payment(
    client: stripe.StripeClient, payment_intent_id: str, amount_cents: int, idempotency_key: str
) -> dict[str, Any]:
    """Refund `amount_cents` of a PaymentIntent's charge; the charge.refunded webhook records it.

    The idempotency key makes a repeated request (a double submit, a network
    retry) refund once. Stripe refuses an amount above what remains unrefunded.
    """
    return _plain(
        client.v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount_cents},
            options={"idempotency_key": idempotency_key},
        )
    )
