"""Our object builders (and the running sandbox) against Stripe's published fixtures.

``shared/stripe/fixtures3.json`` (Stripe's own example objects, current API
version) stays outside the project: it is read here only when present, and
these tests skip with a message when it is not.

The rule, for each object type: every top-level key of Stripe's example is
present in ours; wherever both sides hold an object (or a list of objects),
the same holds one level down; and where both values are non-null, their JSON
types agree.
"""

from __future__ import annotations

import json

import pytest

from stripe_sandbox import cards
from stripe_sandbox.billing_objects import (
    build_invoice,
    build_invoice_line,
    build_invoice_payment,
    build_subscription,
    build_subscription_item,
)
from stripe_sandbox.objects import (
    build_balance_transaction,
    build_billing_portal_session,
    build_charge,
    build_checkout_line_item,
    build_checkout_session,
    build_customer,
    build_customer_details,
    build_dispute,
    build_event,
    build_payment_intent,
    build_payment_method,
    build_price,
    build_product,
    build_refund,
    card_charge_details,
)
from tests.support.stripe_examples import ABSENT_FROM_PINNED_VERSION, FIXTURES, NOT_COMPARED, T, differences, pinned  # noqa: F401

pytestmark = pytest.mark.skipif(
    not FIXTURES.exists(), reason=f"Stripe's fixtures are not at {FIXTURES}: object shapes not checked"
)


def built_objects() -> dict[str, dict]:
    """One object of each type, made by our builders as the sandbox makes them."""
    customer = build_customer(created=T, email="marie@example.org", name="Marie Curie")
    product = build_product(created=T, name="Don mensuel", description="Recherche")
    price = build_price(created=T, product=product["id"], unit_amount=2500, interval="month")
    one_time = build_price(created=T, product=product["id"], unit_amount=5000)
    pm = build_payment_method(
        created=T,
        kind="card",
        details=cards.card_details("4242424242424242", 12, 2034),
        customer=customer["id"],
        name="Marie Curie",
        email="marie@example.org",
    )
    intent = build_payment_intent(created=T, amount=5000, customer=customer["id"], metadata={"donation_id": "1"})
    charge = build_charge(
        created=T,
        amount=5000,
        payment_intent=intent["id"],
        payment_method=pm,
        details=card_charge_details(pm["card"], three_d_secure=True),
        customer=customer["id"],
        balance_transaction="txn_x",
    )
    session = build_checkout_session(
        created=T,
        expires_at=T + 86400,
        mode="payment",
        url="http://sandbox/checkout/x",
        amount_total=5000,
        payment_method_types=["card", "sepa_debit"],
        success_url="https://a.test/ok",
        customer_email="marie@example.org",
        customer_details=build_customer_details(email="marie@example.org", name="Marie Curie"),
    )
    subscription = build_subscription(created=T, customer=customer["id"], metadata={"donation_id": "2"})
    item = build_subscription_item(
        created=T, price=price, subscription=subscription["id"], period_start=T, period_end=T + 2678400
    )
    subscription["items"]["data"].append(item)
    invoice = build_invoice(
        created=T,
        customer=customer,
        subscription=subscription,
        billing_reason="subscription_create",
        lines=[],
        period_start=T,
        period_end=T,
    )
    line = build_invoice_line(
        invoice=invoice["id"],
        item=item,
        subscription=subscription,
        period_start=T,
        period_end=T + 2678400,
        product_name="Don mensuel",
    )
    invoice["lines"]["data"].append(line)
    refund = build_refund(created=T, amount=1000, charge=charge, reason="requested_by_customer")
    return {
        "customer": customer,
        "product": product,
        "price": price,
        "payment_method": pm,
        "payment_intent": intent,
        "charge": charge,
        "checkout.session": session,
        "subscription": subscription,
        "subscription_item": item,
        "invoice": invoice,
        "line_item": line,
        "refund": refund,
        "item": build_checkout_line_item(price=one_time, product=product, quantity=1),
        "invoice_payment": build_invoice_payment(created=T, invoice=invoice, payment_intent=intent["id"]),
        "balance_transaction": build_balance_transaction(created=T, amount=5000, fee=100, source=charge["id"]),
        "dispute": build_dispute(created=T, charge=charge, amount=5000),
        "billing_portal.session": build_billing_portal_session(
            created=T,
            customer=customer["id"],
            url="http://sandbox/billing_portal/x",
            return_url="https://a.test/my",
            configuration="bpc_x",
        ),
        "event": build_event(created=T, event_type="charge.succeeded", data_object=charge),
    }


@pytest.fixture(scope="module")
def stripe_examples() -> dict:
    return json.loads(FIXTURES.read_text(encoding="utf-8"))["resources"]


@pytest.mark.parametrize("object_type", sorted(built_objects()))
def test_builder_matches_stripes_example_field_by_field(stripe_examples, object_type):
    ours = built_objects()[object_type]
    assert ours["object"] == stripe_examples[object_type]["object"]
    assert differences(pinned(stripe_examples[object_type], object_type), ours) == []


def test_objects_served_by_the_sandbox_match_stripes_examples(stripe_examples, make_session, control, client):
    monthly = control.pay(make_session(mode="subscription").id, card="4242424242424242")
    one_off = control.pay(make_session().id, card="4242424242424242")
    intent = client.v1.payment_intents.retrieve(one_off["payment_intent"])
    client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 100})
    dispute = control.post(f"/charges/{intent.latest_charge}/dispute")
    invoice = client.v1.invoices.retrieve(monthly["invoice"], params={"expand": ["payments"]})
    served = {
        "checkout.session": client.v1.checkout.sessions.retrieve(one_off["session"]),
        "payment_intent": intent,
        "charge": client.v1.charges.retrieve(intent.latest_charge, params={"expand": ["refunds"]}),
        "customer": client.v1.customers.retrieve(one_off["customer"]),
        "subscription": client.v1.subscriptions.retrieve(monthly["subscription"]),
        "invoice": invoice,
        "invoice_payment": invoice.payments.data[0],
        "line_item": invoice.lines.data[0],
        "refund": client.v1.refunds.list().data[0],
        "dispute": client.v1.disputes.retrieve(dispute["dispute"]),
        "event": client.v1.events.list().data[0],
        "billing_portal.session": client.v1.billing_portal.sessions.create(params={"customer": one_off["customer"]}),
    }
    for object_type, obj in served.items():
        as_json = json.loads(str(obj))  # the wire form (to_dict() turns decimal strings into Decimal)
        assert differences(pinned(stripe_examples[object_type], object_type), as_json) == [], object_type
