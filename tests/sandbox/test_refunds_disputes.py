"""Refunds (full, partial, too much) and disputes of a paid gift."""

from __future__ import annotations

import pytest
import stripe


@pytest.fixture
def paid(make_session, control):
    session = make_session(amount=10000)
    answer = control.pay(session.id, card="4242424242424242")
    control.wait()
    return answer


def test_full_refund_marks_charge_refunded(paid, client, control, receiver):
    receiver.clear()
    refund = client.v1.refunds.create(
        params={
            "payment_intent": paid["payment_intent"],
            "reason": "requested_by_customer",
            "metadata": {"by": "finance"},
        },
        options={"idempotency_key": "refund-1"},
    )
    control.wait()
    assert refund.status == "succeeded" and refund.amount == 10000 and refund.id.startswith("re_")
    assert receiver.types == ["refund.created", "charge.refunded"]
    charge = receiver.of_type("charge.refunded")[0].data.object
    assert charge.amount_refunded == 10000 and charge.refunded is True
    assert "refunds" not in charge  # includable: only with expand[]=refunds
    expanded = client.v1.charges.retrieve(charge.id, params={"expand": ["refunds"]})
    assert [r.id for r in expanded.refunds.data] == [refund.id]
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"charge": charge.id})
    assert error.value.code == "charge_already_refunded"


def test_partial_refunds_add_up_and_over_refund_is_refused(paid, client, control, receiver):
    intent = client.v1.payment_intents.retrieve(paid["payment_intent"])
    first = client.v1.refunds.create(params={"charge": intent.latest_charge, "amount": 3000})
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert first.amount == 3000 and charge.amount_refunded == 3000 and charge.refunded is False

    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"charge": intent.latest_charge, "amount": 7001})
    assert error.value.param == "amount" and error.value.http_status == 400
    assert "greater than unrefunded amount" in error.value.user_message

    rest = client.v1.refunds.create(params={"charge": intent.latest_charge})
    assert rest.amount == 7000
    assert client.v1.charges.retrieve(intent.latest_charge).refunded is True
    listed = client.v1.refunds.list(params={"payment_intent": paid["payment_intent"]})
    assert [r.amount for r in listed.data] == [7000, 3000]


def test_lost_dispute_is_reported_and_blocks_refunds(paid, client, control, receiver):
    charge_id = client.v1.payment_intents.retrieve(paid["payment_intent"]).latest_charge
    receiver.clear()
    opened = control.post(f"/charges/{charge_id}/dispute")
    assert opened["status"] == "needs_response" and opened["amount"] == 10000
    closed = control.post(f"/disputes/{opened['dispute']}/close", outcome="lost")
    control.wait()

    assert closed["status"] == "lost"
    assert receiver.types == ["charge.dispute.created", "charge.dispute.funds_withdrawn", "charge.dispute.closed"]
    dispute = receiver.of_type("charge.dispute.closed")[0].data.object
    assert dispute.status == "lost" and dispute.charge == charge_id
    assert dispute.payment_intent == paid["payment_intent"]
    assert client.v1.charges.retrieve(charge_id).disputed is True
    assert client.v1.disputes.retrieve(opened["dispute"]).status == "lost"
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"charge": charge_id})
    assert error.value.code == "charge_disputed"
    control.post(f"/disputes/{opened['dispute']}/close", expect=400, outcome="won")


def test_won_dispute_reinstates_funds(paid, client, control, receiver):
    charge_id = client.v1.payment_intents.retrieve(paid["payment_intent"]).latest_charge
    opened = control.post(f"/charges/{charge_id}/dispute", amount=4000, reason="product_not_received")
    control.post(f"/disputes/{opened['dispute']}/close", outcome="won")
    control.wait()
    assert receiver.types[-2:] == ["charge.dispute.closed", "charge.dispute.funds_reinstated"]
    assert client.v1.disputes.retrieve(opened["dispute"]).reason == "product_not_received"


def test_processing_sepa_debit_cannot_be_refunded_yet(make_session, control, client):
    session = make_session()
    answer = control.pay(session.id, iban="FR1420041010050500013M02606", name="A B", email="a@example.org")
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.refunds.create(params={"payment_intent": answer["payment_intent"]})
    assert error.value.code == "charge_not_refundable"
