"""The API as stripe-python sees it: keys, idempotency, validation, errors, lists."""

from __future__ import annotations

import pytest
import requests
import stripe

SESSION = {
    "mode": "payment",
    "success_url": "https://dons.example.org/ok",
    "line_items": [
        {"price_data": {"currency": "eur", "unit_amount": 1000, "product_data": {"name": "Don"}}, "quantity": 1}
    ],
}


def test_same_idempotency_key_replays_the_same_session(client, sandbox):
    first = client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "donation-42"})
    again = client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "donation-42"})
    assert again.id == first.id
    assert again.last_response.headers.get("Idempotent-Replayed") == "true"
    assert len(sandbox.sandbox.store.all("checkout.session")) == 1


def test_same_idempotency_key_with_other_parameters_is_an_idempotency_error(client):
    client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "donation-43"})
    with pytest.raises(stripe.IdempotencyError) as error:
        client.v1.checkout.sessions.create(
            params={**SESSION, "client_reference_id": "other"}, options={"idempotency_key": "donation-43"}
        )
    assert error.value.http_status == 400 and "same parameters" in error.value.user_message
    with pytest.raises(stripe.IdempotencyError):
        client.v1.customers.create(params={}, options={"idempotency_key": "donation-43"})


def test_a_request_refused_by_validation_can_be_retried_with_the_same_key(client):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params={**SESSION, "bogus": "1"}, options={"idempotency_key": "k9"})
    assert client.v1.checkout.sessions.create(params=SESSION, options={"idempotency_key": "k9"}).status == "open"


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({**SESSION, "payment_method_types": ["card"]}, "payment_method_types"),
        (
            {
                **SESSION,
                "line_items": [
                    {
                        "price_data": {
                            "currency": "eur",
                            "unit_amount": 1000,
                            "product_data": {"name": "Don", "colour": "red"},
                        }
                    }
                ],
            },
            "line_items[0][price_data][product_data][colour]",
        ),
        ({**SESSION, "subscription_data": {"metadata": {"a": "b"}, "trial_days": 3}}, "subscription_data[trial_days]"),
    ],
)
def test_unknown_parameters_are_refused_like_stripe(client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.create(params=params)
    assert error.value.user_message == f"Received unknown parameter: {param}"
    assert error.value.param == param and error.value.code == "parameter_unknown"


def test_stripe_cross_parameter_rules_are_enforced(client):
    recurring = {
        "currency": "eur",
        "unit_amount": 1000,
        "product_data": {"name": "Don"},
        "recurring": {"interval": "month"},
    }
    subscription = {**SESSION, "mode": "subscription", "line_items": [{"price_data": recurring, "quantity": 1}]}
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.create(params={**subscription, "submit_type": "donate"})
    assert error.value.param == "submit_type"
    assert (
        client.v1.checkout.sessions.create(params={**subscription, "submit_type": "subscribe"}).submit_type
        == "subscribe"
    )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params={**SESSION, "line_items": [{"price_data": recurring}]})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params={**SESSION, "customer": "cus_nope", "customer_email": "a@b.fr"})
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.create(params={**SESSION, "allowed_payment_method_types": ["ideal"]})
    assert error.value.param == "allowed_payment_method_types[0]"


def test_live_and_missing_keys_are_refused_with_stripes_401(sandbox, client_for):
    with pytest.raises(stripe.AuthenticationError) as error:
        client_for(sandbox.url, api_key="sk_live_abcdefghijklmnop").v1.customers.create()
    assert error.value.http_status == 401 and "sk_live_" in error.value.user_message
    http = requests.Session()
    http.trust_env = False
    missing = http.get(sandbox.url + "/v1/customers")
    assert missing.status_code == 401 and "did not provide an API key" in missing.json()["error"]["message"]


def test_unknown_ids_and_urls_answer_stripe_404s(client, sandbox):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.retrieve("cs_test_missing")
    assert error.value.http_status == 404 and error.value.code == "resource_missing"
    assert "No such checkout.session: 'cs_test_missing'" in error.value.user_message
    http = requests.Session()
    http.trust_env = False
    unknown = http.get(sandbox.url + "/v1/coupons", headers={"Authorization": "Bearer sk_test_x"})
    assert unknown.status_code == 404 and "Unrecognized request URL" in unknown.json()["error"]["message"]


def test_customers_create_update_and_customer_updated_event(client, control, receiver):
    customer = client.v1.customers.create(
        params={
            "email": "ada@example.org",
            "name": "Ada Lovelace",
            "metadata": {"donor_id": "7"},
            "preferred_locales": ["fr"],
        }
    )
    updated = client.v1.customers.update(
        customer.id, params={"email": "ada@lovelace.example", "metadata": {"donor_id": ""}}
    )
    control.wait()
    assert updated.email == "ada@lovelace.example" and updated.metadata.to_dict() == {}
    assert receiver.types == ["customer.created", "customer.updated"]
    changed = receiver.of_type("customer.updated")[0].data.previous_attributes
    assert changed.email == "ada@example.org"
    session = client.v1.checkout.sessions.create(params={**SESSION, "customer": customer.id})
    assert session.customer == customer.id


def test_events_list_pages_newest_first_and_filters(make_session, control, client):
    for _ in range(3):
        control.pay(
            make_session().id, card="4242424242424242"
        )  # 6 events each (charge.updated brings the balance transaction)
    everything = list(client.v1.events.list(params={"limit": 4}).auto_paging_iter())
    assert len(everything) == 18
    created = [e.created for e in everything]
    assert created == sorted(created, reverse=True)
    assert everything[0].type == "checkout.session.completed" and everything[-1].type == "customer.created"

    page = client.v1.events.list(params={"limit": 4})
    assert page.has_more is True and len(page.data) == 4
    after = client.v1.events.list(params={"limit": 4, "starting_after": page.data[-1].id})
    assert [e.id for e in after.data] == [e.id for e in everything[4:8]]
    before = client.v1.events.list(params={"limit": 2, "ending_before": after.data[0].id})
    assert [e.id for e in before.data] == [e.id for e in everything[2:4]] and before.has_more is True

    completed = client.v1.events.list(params={"type": "checkout.session.completed"})
    assert len(completed.data) == 3
    several = client.v1.events.list(params={"types": ["charge.succeeded", "customer.created"], "limit": 100})
    assert {e.type for e in several.data} == {"charge.succeeded", "customer.created"} and len(several.data) == 6
    wildcard = client.v1.events.list(params={"type": "payment_intent.*", "limit": 100})
    assert len(wildcard.data) == 6
    assert client.v1.events.list(params={"created": {"gt": created[0]}}).data == []
    assert len(client.v1.events.list(params={"created": {"lte": created[0]}, "limit": 100}).data) == 18
    one = client.v1.events.retrieve(everything[0].id)
    assert one.id == everything[0].id and one.pending_webhooks == 0
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.events.list(params={"limit": 101})


def test_filtered_event_pages_walk_from_any_event_each_event_once(make_session, control, client):
    for _ in range(4):
        control.pay(make_session().id, card="4242424242424242")
    everything = [e.id for e in client.v1.events.list(params={"limit": 100}).data]
    charges = [e.id for e in client.v1.events.list(params={"type": "charge.*", "limit": 100}).data]
    assert len(everything) == 24 and len(charges) == 8
    walked = list(client.v1.events.list(params={"type": "charge.*", "limit": 3}).auto_paging_iter())
    assert [e.id for e in walked] == charges
    # A cursor the filter leaves out (a checkout.session.completed): the page starts beside it, as at Stripe.
    cursor = everything[0]
    older = client.v1.events.list(params={"type": "charge.*", "limit": 100, "starting_after": cursor}).data
    assert [e.id for e in older] == charges
    assert client.v1.events.list(params={"type": "charge.*", "ending_before": cursor}).data == []
    # ending_before gives the nearest newer events, newest first.
    newer = client.v1.events.list(params={"type": "charge.*", "limit": 2, "ending_before": charges[-1]})
    assert [e.id for e in newer.data] == charges[-3:-1] and newer.has_more is True
    with pytest.raises(stripe.InvalidRequestError, match="No such object"):
        client.v1.events.list(params={"starting_after": "evt_unknown"})


def test_checkout_sessions_list_filters_by_payment_intent(make_session, control, client):
    paid = control.pay(make_session().id, card="4242424242424242")
    make_session()
    found = client.v1.checkout.sessions.list(params={"payment_intent": paid["payment_intent"]})
    assert [s.id for s in found.data] == [paid["session"]]
    assert len(client.v1.checkout.sessions.list().data) == 2
    items = client.v1.checkout.sessions.line_items.list(paid["session"])
    assert items.data[0].amount_total == 5000 and items.data[0].price.currency == "eur"


def test_expand_rejects_properties_that_cannot_be_expanded(make_session, client):
    session = make_session()
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["currency"]})
    assert "cannot be expanded" in error.value.user_message
    expanded = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["line_items", "payment_intent"]})
    assert expanded.line_items.data[0].description == "Don à la fondation" and expanded.payment_intent is None


def test_reset_forgets_everything(make_session, control, client, sandbox):
    session = make_session()
    control.pay(session.id, card="4242424242424242")
    control.wait()
    assert control.post("/reset") == {"reset": True}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.retrieve(session.id)
    assert client.v1.events.list().data == []
    assert control.get("/webhooks")["delivered"] == 0
