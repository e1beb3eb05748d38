"""Monthly gifts: subscription creation, renewals, changes, pauses and cancellation."""

from __future__ import annotations

import pytest
import stripe


@pytest.fixture
def monthly(make_session, control, receiver):
    """A paid monthly gift of 25 EUR; returns the pay answer."""
    session = make_session(mode="subscription", amount=2500, methods=("card", "sepa_debit"))
    answer = control.pay(session.id, card="4242424242424242", name="Marie Curie")
    control.wait()
    return answer


def test_subscription_checkout_creates_active_subscription_and_paid_first_invoice(monthly, client, receiver):
    assert monthly["status"] == "succeeded" and monthly["session_status"] == "complete"
    assert receiver.types == [
        "customer.created",
        "payment_method.attached",
        "customer.subscription.created",
        "invoice.created",
        "invoice.finalized",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
        "charge.updated",
        "invoice.paid",
        "invoice.payment_succeeded",
        "customer.subscription.updated",
        "checkout.session.completed",
    ]
    sub = client.v1.subscriptions.retrieve(monthly["subscription"])
    assert sub.status == "active" and sub.metadata.to_dict() == {"donation_id": "42"}
    item = sub["items"].data[0]
    assert item.price.unit_amount == 2500 and item.price.recurring.interval == "month"
    assert item.current_period_end > item.current_period_start
    invoice = client.v1.invoices.retrieve(monthly["invoice"], params={"expand": ["payments"]})
    assert invoice.billing_reason == "subscription_create" and invoice.status == "paid"
    assert invoice.amount_paid == 2500
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.parent.subscription_details.metadata.to_dict() == {"donation_id": "42"}
    assert invoice.payments.data[0].payment.payment_intent == monthly["payment_intent"]
    assert invoice.lines.data[0].metadata.to_dict() == {"donation_id": "42"}
    session = client.v1.checkout.sessions.retrieve(monthly["session"])
    assert session.subscription == sub.id and session.invoice == invoice.id and session.payment_status == "paid"


def test_invoice_hides_includable_payments_unless_expanded(monthly, client, receiver):
    invoice = client.v1.invoices.retrieve(monthly["invoice"])
    # Nor the legacy top-level subscription: the pinned version has it under parent only.
    assert "payments" not in invoice and "subscription" not in invoice
    listed = client.v1.invoice_payments.list(params={"invoice": monthly["invoice"]})
    assert listed.data[0].payment.payment_intent == monthly["payment_intent"]
    paid_event = receiver.of_type("invoice.paid")[0].data.object
    assert "payments" not in paid_event


def test_two_renewals_bill_one_month_each(monthly, client, control, receiver):
    receiver.clear()
    sub = client.v1.subscriptions.retrieve(monthly["subscription"])
    first_end = sub["items"].data[0].current_period_end

    one = control.post(f"/subscriptions/{sub.id}/advance")
    two = control.post(f"/subscriptions/{sub.id}/advance")
    control.wait()

    assert one["invoice_status"] == "paid" and two["invoice_status"] == "paid"
    assert one["now"] >= first_end
    assert receiver.types.count("invoice.paid") == 2
    assert receiver.types[:3] == ["customer.subscription.updated", "invoice.created", "invoice.finalized"]
    renewal = client.v1.invoices.retrieve(two["invoice"])
    assert renewal.billing_reason == "subscription_cycle" and renewal.amount_paid == 2500
    assert renewal.created >= first_end
    sub = client.v1.subscriptions.retrieve(sub.id)
    assert sub["items"].data[0].current_period_start > first_end
    paid = receiver.of_type("invoice.paid")
    assert paid[1].created >= paid[0].created >= first_end
    charges = client.v1.charges.list(params={"customer": sub.customer})
    assert len(charges.data) == 3


def test_failed_renewal_makes_subscription_past_due_and_next_success_restores_it(monthly, client, control, receiver):
    receiver.clear()
    failed = control.post(f"/subscriptions/{monthly['subscription']}/advance", fail=1)
    control.wait()
    assert failed["status"] == "past_due" and failed["invoice_status"] == "open"
    assert receiver.types[-3:] == [
        "payment_intent.payment_failed",
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    ok = control.post(f"/subscriptions/{monthly['subscription']}/advance")
    assert ok["status"] == "active"


def test_card_that_declines_later_fails_the_renewal(monthly, client, control, receiver):
    customer = client.v1.subscriptions.retrieve(monthly["subscription"]).customer
    control.post(f"/customers/{customer}/card", card="4000000000000341")
    answer = control.post(f"/subscriptions/{monthly['subscription']}/advance")
    assert answer["status"] == "past_due"


def test_changing_the_monthly_amount_reports_previous_attributes(monthly, client, control, receiver):
    sub = client.v1.subscriptions.retrieve(monthly["subscription"])
    item = sub["items"].data[0]
    receiver.clear()
    updated = client.v1.subscriptions.update(
        sub.id,
        params={
            "items": [
                {
                    "id": item.id,
                    "price_data": {
                        "currency": "eur",
                        "unit_amount": 4000,
                        "product": item.price.product,
                        "recurring": {"interval": "month"},
                    },
                }
            ],
            "proration_behavior": "none",
            "metadata": {"changed": "yes"},
        },
    )
    control.wait()
    assert updated["items"].data[0].price.unit_amount == 4000
    event = receiver.of_type("customer.subscription.updated")[0]
    assert event.data.previous_attributes["items"].data[0].price.unit_amount == 2500
    assert event.data.previous_attributes.metadata.to_dict() == {"donation_id": "42"}
    renewal = control.post(f"/subscriptions/{sub.id}/advance")
    assert client.v1.invoices.retrieve(renewal["invoice"]).amount_paid == 4000


def test_paused_subscription_is_not_charged_and_resumes(monthly, client, control, receiver):
    sub_id = monthly["subscription"]
    client.v1.subscriptions.update(sub_id, params={"pause_collection": {"behavior": "void"}})
    receiver.clear()
    paused = control.post(f"/subscriptions/{sub_id}/advance")
    control.wait()
    assert paused["invoice_status"] == "void" and paused["payment_intent"] is None
    assert "charge.succeeded" not in receiver.types and "invoice.voided" in receiver.types

    resumed = client.v1.subscriptions.update(sub_id, params={"pause_collection": ""})
    assert resumed.pause_collection is None
    assert control.post(f"/subscriptions/{sub_id}/advance")["invoice_status"] == "paid"


def test_cancel_at_period_end_ends_the_subscription_at_the_next_advance(monthly, client, control, receiver):
    sub_id = monthly["subscription"]
    pending = client.v1.subscriptions.update(sub_id, params={"cancel_at_period_end": True})
    assert pending.cancel_at_period_end is True and pending.status == "active"
    answer = control.post(f"/subscriptions/{sub_id}/advance")
    control.wait()
    assert answer["status"] == "canceled" and answer["invoice"] is None
    assert receiver.types[-1] == "customer.subscription.deleted"


def test_cancel_now_sends_deleted_and_further_renewals_are_refused(monthly, client, control, receiver):
    canceled = client.v1.subscriptions.cancel(monthly["subscription"])
    control.wait()
    assert canceled.status == "canceled" and canceled.canceled_at is not None
    assert receiver.types[-1] == "customer.subscription.deleted"
    error = control.post(f"/subscriptions/{monthly['subscription']}/advance", expect=400)
    assert "canceled" in error["error"]["message"]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.update(monthly["subscription"], params={"pause_collection": {"behavior": "void"}})


def test_declined_card_in_subscription_checkout_creates_nothing(make_session, control, client, sandbox):
    session = make_session(mode="subscription")
    answer = control.pay(session.id, card="4000000000009995")
    assert answer["declined"] is True and "insufficient funds" in answer["message"]
    assert answer["subscription"] is None and sandbox.sandbox.store.all("subscription") == []
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_billing_portal_session_and_card_update(monthly, client, control, receiver):
    import requests

    customer = client.v1.subscriptions.retrieve(monthly["subscription"]).customer
    portal = client.v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": "https://dons.example.org/my"}
    )
    assert portal.id.startswith("bps_") and portal.url.endswith(f"/billing_portal/{portal.id}")
    http = requests.Session()
    http.trust_env = False
    page = http.get(portal.url)
    assert "•••• 4242" in page.text and "25,00" in page.text and "https://dons.example.org/my" in page.text
    receiver.clear()
    saved = http.post(portal.url, data={"card_number": "5555 5555 5555 4444", "expiry": "10/33", "cvc": "321"})
    control.wait()
    assert saved.status_code == 200 and "•••• 4444" in saved.text
    assert receiver.types[:2] == ["payment_method.attached", "customer.updated"]
    refused = http.post(portal.url, data={"card_number": "4000000000000002", "expiry": "10/33", "cvc": "321"})
    assert refused.status_code == 402
