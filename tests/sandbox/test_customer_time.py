"""Each customer's own time, as Stripe's test clocks keep it: renewing one donor's subscription moves only theirs.

The sandbox's world clock (`/_sandbox/clock`) dates the Checkout Sessions and
what is done for no customer in particular; a renewal moves its customer's
time to the end of the period, and what follows for that customer (invoices,
charges, refunds, disputes, events) is dated in it. So a checkout opened by
anyone else, before or after, never expires because someone's gift renewed.
"""

from __future__ import annotations

import time

import pytest

CARD = "4242424242424242"
MONTH = 28 * 86400  # at least


@pytest.fixture
def monthly(make_session, control):
    """Return a callable: a paid monthly gift of 25 EUR from `email`; its pay answer."""

    def give(email: str = "marie.curie@example.org") -> dict:
        session = make_session(mode="subscription", amount=2500, customer_email=email)
        answer = control.pay(session.id, card=CARD, email=email)
        control.wait()
        return answer

    return give


def period_end(client, subscription: str) -> int:
    return client.v1.subscriptions.retrieve(subscription)["items"].data[0].current_period_end


def test_renewing_a_subscription_never_expires_an_open_checkout_or_fails_a_later_one(monthly, make_session, control):
    waiting = make_session(amount=4000)  # another donor is on the checkout page
    renewed = monthly()
    for _ in range(3):  # three months on for this donor, far past any session's 24 hours
        assert control.post(f"/subscriptions/{renewed['subscription']}/advance")["invoice_status"] == "paid"

    assert control.pay(waiting.id, card=CARD)["status"] == "succeeded"
    later = make_session(amount=3000)
    assert control.pay(later.id, card=CARD)["status"] == "succeeded"
    assert monthly("paul.durand@example.org")["status"] == "succeeded"  # a new monthly donor starts today


def test_a_renewal_moves_its_customers_time_and_dates_what_it_bills_in_it(monthly, client, control, receiver):
    first = monthly()
    customer = client.v1.subscriptions.retrieve(first["subscription"]).customer
    end = period_end(client, first["subscription"])
    receiver.clear()

    renewal = control.post(f"/subscriptions/{first['subscription']}/advance")
    control.wait()

    assert renewal["now"] >= end
    assert control.get(f"/clock?customer={customer}")["now"] >= end
    assert control.get("/clock")["now"] <= time.time() + 5  # the world did not move
    invoice = client.v1.invoices.retrieve(renewal["invoice"])
    charge = client.v1.charges.retrieve(client.v1.payment_intents.retrieve(renewal["payment_intent"]).latest_charge)
    assert invoice.created >= end and charge.created >= end
    assert min(event.created for event in receiver.events) >= end
    # What is done for that donor later (a refund of the renewal) is dated in their time too.
    refund = client.v1.refunds.create(params={"charge": charge.id})
    assert refund.created >= charge.created


def test_another_customers_subscription_keeps_its_own_time(monthly, client, control):
    marie = monthly()
    paul = monthly("paul.durand@example.org")
    paul_end = period_end(client, paul["subscription"])
    for _ in range(2):
        control.post(f"/subscriptions/{marie['subscription']}/advance")

    assert period_end(client, paul["subscription"]) == paul_end  # nothing billed, nothing moved for Paul
    paul_customer = client.v1.subscriptions.retrieve(paul["subscription"]).customer
    assert control.get(f"/clock?customer={paul_customer}")["now"] < paul_end
    renewal = control.post(f"/subscriptions/{paul['subscription']}/advance")
    invoice = client.v1.invoices.retrieve(renewal["invoice"])
    assert paul_end <= invoice.created < paul_end + MONTH  # his first renewal, a month on, not three


def test_the_world_clock_moves_everyone_and_a_reset_forgets_every_customers_lead(monthly, client, control):
    marie = monthly()
    customer = client.v1.subscriptions.retrieve(marie["subscription"]).customer
    control.post(f"/subscriptions/{marie['subscription']}/advance")
    lead = control.get(f"/clock?customer={customer}")["now"] - control.get("/clock")["now"]
    assert lead >= MONTH - 60

    world = control.post("/clock/advance", seconds=3600)["now"]
    assert control.get(f"/clock?customer={customer}")["now"] >= world + lead - 5

    control.post("/reset")
    assert abs(control.get("/clock")["now"] - time.time()) < 5


def test_the_time_of_an_unknown_customer_is_a_404_in_stripes_error_shape(control):
    answer = control.http.get(control.handle.url + "/_sandbox/clock?customer=cus_nobody")
    assert answer.status_code == 404
    assert answer.json()["error"]["param"] == "customer"
