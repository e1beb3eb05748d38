"""The sandbox's payment objects as Stripe's API shows them for the pinned version: payment methods, PaymentIntents, charges, balance transactions, refunds, disputes."""

from __future__ import annotations

from stripe_sandbox.objects import address, new_id


def build_payment_method(
    *,
    created: int,
    kind: str,
    details: dict,
    customer: str | None = None,
    name: str | None = None,
    email: str | None = None,
) -> dict:
    """A card or sepa_debit payment method; ``details`` is the type's sub-object."""
    return {
        "id": new_id("pm_"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": {"address": address(), "email": email, "name": name, "phone": None, "tax_id": None},
        kind: details,
        "created": created,
        "customer": customer,
        "customer_account": None,
        "livemode": False,
        "metadata": {},
        "type": kind,
    }


def build_payment_intent(
    *,
    created: int,
    amount: int,
    currency: str = "eur",
    customer: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
    payment_method_types: list | None = None,
) -> dict:
    """A PaymentIntent waiting for a payment method."""
    intent_id = new_id("pi_")
    return {
        "id": intent_id,
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": amount,
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic_async",
        "client_secret": f"{intent_id}_secret_{new_id('', 25)}",
        "confirmation_method": "automatic",
        "created": created,
        "currency": currency,
        "customer": customer,
        "customer_account": None,
        "description": description,
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": dict(metadata or {}),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {},
        "payment_method_types": list(payment_method_types or ["card"]),
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }


def card_charge_details(card: dict, three_d_secure: bool = False) -> dict:
    """``payment_method_details`` of a card charge, from a payment method's ``card``."""
    secure = None
    if three_d_secure:
        secure = {
            "authentication_flow": "challenge",
            "electronic_commerce_indicator": "05",
            "exemption_indicator": None,
            "result": "authenticated",
            "result_reason": None,
            "transaction_id": new_id("", 32),
            "version": "2.2.0",
        }
    return {
        "type": "card",
        "card": {
            "amount_authorized": None,
            "authorization_code": None,
            "brand": card["brand"],
            "checks": card["checks"],
            "country": card["country"],
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "extended_authorization": {"status": "disabled"},
            "fingerprint": card["fingerprint"],
            "funding": card["funding"],
            "incremental_authorization": {"status": "unavailable"},
            "installments": None,
            "last4": card["last4"],
            "mandate": None,
            "multicapture": {"status": "unavailable"},
            "network": card["brand"],
            "network_token": {"used": False},
            "network_transaction_id": new_id("", 15),
            "overcapture": None,
            "regulated_status": "unregulated",
            "three_d_secure": secure,
            "transaction_link_id": None,
            "wallet": None,
        },
    }


def sepa_charge_details(sepa: dict, mandate: str) -> dict:
    """``payment_method_details`` of a SEPA Direct Debit charge."""
    return {
        "type": "sepa_debit",
        "sepa_debit": {
            "bank_code": sepa["bank_code"],
            "branch_code": sepa["branch_code"],
            "country": sepa["country"],
            "fingerprint": sepa["fingerprint"],
            "last4": sepa["last4"],
            "mandate": mandate,
        },
    }


def build_charge(
    *,
    created: int,
    amount: int,
    payment_intent: str,
    payment_method: dict,
    details: dict,
    currency: str = "eur",
    customer: str | None = None,
    description: str | None = None,
    metadata: dict | None = None,
    status: str = "succeeded",
    failure_code: str | None = None,
    failure_message: str | None = None,
    balance_transaction: str | None = None,
) -> dict:
    """A charge of a PaymentIntent; SEPA debits get Stripe's ``py_`` prefix."""
    prefix = "py_" if details["type"] == "sepa_debit" else "ch_"
    charge_id = new_id(prefix)
    paid = status == "succeeded"
    outcome = {
        "advice_code": None,
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "approved_by_network",
        "reason": None,
        "risk_level": "normal",
        "seller_message": "Payment complete.",
        "type": "authorized",
    }
    if status == "failed":
        outcome.update(
            network_status="declined_by_network",
            reason=failure_code,
            type="issuer_declined",
            seller_message="The bank did not return any further details with this decline.",
        )
    billing = payment_method["billing_details"]
    return {
        "id": charge_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if paid else 0,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "authorization_code": None,
        "balance_transaction": balance_transaction,
        "billing_details": dict(billing),
        "calculated_statement_descriptor": "FONDATION",
        "captured": status != "failed",
        "created": created,
        "currency": currency,
        "customer": customer,
        "description": description,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": failure_code,
        "failure_message": failure_message,
        "fraud_details": {},
        "livemode": False,
        "metadata": dict(metadata or {}),
        "on_behalf_of": None,
        "outcome": outcome,
        "paid": paid,
        "payment_intent": payment_intent,
        "payment_method": payment_method["id"],
        "payment_method_details": details,
        "presentment_details": None,
        "radar_options": None,
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{new_id('', 48)}",
        "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{charge_id}/refunds"},
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer": None,
        "transfer_data": None,
        "transfer_group": None,
    }


def build_balance_transaction(
    *,
    created: int,
    amount: int,
    fee: int,
    source: str,
    kind: str = "charge",
    currency: str = "eur",
    description: str | None = None,
) -> dict:
    """The ledger entry of a charge (positive) or a refund/dispute (negative)."""
    return {
        "id": new_id("txn_"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created + 7 * 86400,
        "balance_type": "payments",
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": amount - fee,
        "reporting_category": kind,
        "source": source,
        "status": "pending",
        "type": kind,
    }


def build_refund(
    *,
    created: int,
    amount: int,
    charge: dict,
    reason: str | None = None,
    metadata: dict | None = None,
    balance_transaction: str | None = None,
) -> dict:
    """A succeeded refund of (part of) a charge."""
    card = charge["payment_method_details"]["type"] == "card"
    return {
        "id": new_id("re_"),
        "object": "refund",
        "amount": amount,
        "balance_transaction": balance_transaction,
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "customer": charge["customer"],
        "customer_account": None,
        "destination_details": (
            {
                "type": "card",
                "card": {
                    "reference": None,
                    "reference_status": "pending",
                    "reference_type": "acquirer_reference_number",
                    "type": "refund",
                },
            }
            if card
            else None
        ),
        "failure_reason": None,
        "metadata": dict(metadata or {}),
        "payment_intent": charge["payment_intent"],
        "payment_method": charge["payment_method"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }


def build_dispute(*, created: int, charge: dict, amount: int, reason: str = "fraudulent") -> dict:
    """A dispute waiting for the merchant's evidence."""
    details = charge["payment_method_details"]
    # Stripe's dispute details name cards and wallets only (no sepa_debit entry in the pinned type).
    method = {"type": details["type"], "card": None}
    if details["type"] == "card":
        method["card"] = {
            "brand": details["card"]["brand"],
            "case_type": "chargeback",
            "network": details["card"]["network"],
            "network_reason_code": "10.4",
        }
    evidence_keys = [
        "access_activity_log",
        "billing_address",
        "cancellation_policy",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "customer_communication",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "customer_signature",
        "duplicate_charge_documentation",
        "duplicate_charge_explanation",
        "duplicate_charge_id",
        "product_description",
        "receipt",
        "refund_policy",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "service_date",
        "service_documentation",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_documentation",
        "shipping_tracking_number",
        "uncategorized_file",
        "uncategorized_text",
    ]
    evidence = {key: None for key in evidence_keys}
    evidence["enhanced_evidence"] = {}  # type: ignore[assignment]
    return {
        "id": new_id("dp_"),
        "object": "dispute",
        "amount": amount,
        "balance_transactions": [],
        "charge": charge["id"],
        "created": created,
        "currency": charge["currency"],
        "enhanced_eligibility_types": [],
        "evidence": evidence,
        "evidence_details": {
            "due_by": created + 7 * 86400,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "submission_method": "not_submitted",
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "payment_method_details": method,
        "reason": reason,
        "status": "needs_response",
    }
