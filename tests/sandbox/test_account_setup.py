"""The sandbox's account settings: webhook endpoints, billing portal configurations, payment
method configurations and the account, through the real stripe client over HTTP, in the
shapes of Stripe's published examples."""

from __future__ import annotations

import json

import pytest
import stripe

from stripe_sandbox.account_objects import (
    build_account,
    build_payment_method_configuration,
    build_portal_configuration,
    build_webhook_endpoint,
)
from tests.support.stripe_examples import FIXTURES, T, differences

URL = "https://dons.example.org/stripe/webhook"
EVENTS = ["checkout.session.completed", "invoice.paid"]
FEATURES = {
    "payment_method_update": {"enabled": True},
    "subscription_cancel": {"enabled": True, "mode": "immediately", "proration_behavior": "none"},
}


def _wire(obj) -> dict:
    return json.loads(str(obj))


@pytest.fixture(scope="module")
def stripe_examples() -> dict:
    if not FIXTURES.exists():
        pytest.skip(f"Stripe's fixtures are not at {FIXTURES}: object shapes not checked")
    return json.loads(FIXTURES.read_text(encoding="utf-8"))["resources"]


def test_builders_match_stripes_examples(stripe_examples):
    built = {
        "webhook_endpoint": build_webhook_endpoint(created=T, url=URL, enabled_events=EVENTS, api_version=None),
        "billing_portal.configuration": build_portal_configuration(created=T, features=FEATURES),
        "payment_method_configuration": build_payment_method_configuration(),
        "account": build_account(created=T),
    }
    for object_type, ours in built.items():
        assert differences(stripe_examples[object_type], ours) == [], object_type


def test_served_objects_match_stripes_examples(stripe_examples, client):
    served = {
        "webhook_endpoint": client.v1.webhook_endpoints.create(params={"url": URL, "enabled_events": EVENTS}),
        "billing_portal.configuration": client.v1.billing_portal.configurations.create(params={"features": FEATURES}),
        "payment_method_configuration": client.v1.payment_method_configurations.list().data[0],
        "account": client.v1.accounts.retrieve_current(),
    }
    for object_type, obj in served.items():
        assert differences(stripe_examples[object_type], _wire(obj)) == [], object_type


def test_a_webhook_endpoint_shows_its_secret_at_creation_only(client):
    created = client.v1.webhook_endpoints.create(
        params={"url": URL, "enabled_events": EVENTS, "api_version": stripe.api_version}
    )
    assert created.secret.startswith("whsec_") and created.api_version == stripe.api_version
    listed = client.v1.webhook_endpoints.list().data
    assert [e.id for e in listed] == [created.id] and "secret" not in _wire(listed[0])
    assert "secret" not in _wire(client.v1.webhook_endpoints.retrieve(created.id))


def test_a_webhook_endpoint_is_updated_disabled_and_deleted(client):
    created = client.v1.webhook_endpoints.create(params={"url": URL, "enabled_events": EVENTS})
    updated = client.v1.webhook_endpoints.update(
        created.id, params={"enabled_events": ["charge.refunded"], "disabled": True}
    )
    assert (updated.enabled_events, updated.status) == (["charge.refunded"], "disabled")
    deleted = client.v1.webhook_endpoints.delete(created.id)
    assert deleted.deleted is True and client.v1.webhook_endpoints.list().data == []
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.webhook_endpoints.retrieve(created.id)
    assert gone.value.http_status == 404


def test_a_webhook_endpoint_for_an_unknown_event_or_a_bad_url_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.webhook_endpoints.create(params={"url": URL, "enabled_events": ["invoice.imagined"]})
    assert unknown.value.param.startswith("enabled_events")
    with pytest.raises(stripe.InvalidRequestError) as bad_url:
        client.v1.webhook_endpoints.create(params={"url": "not a url", "enabled_events": EVENTS})
    assert bad_url.value.param == "url"


def test_a_portal_configuration_is_listed_updated_and_used_by_portal_sessions(client, control, make_session):
    paid = control.pay(make_session(mode="subscription").id, card="4242424242424242")
    made = client.v1.billing_portal.configurations.create(
        params={"features": FEATURES, "metadata": {"managed_by": "x"}}
    )
    assert made.is_default is False and made.features.subscription_cancel.mode == "immediately"
    updated = client.v1.billing_portal.configurations.update(
        made.id,
        params={"features": {"invoice_history": {"enabled": True}}, "business_profile": {"headline": "Fondation"}},
    )
    assert updated.features.invoice_history.enabled and updated.features.payment_method_update.enabled
    assert updated.business_profile.headline == "Fondation"
    assert [c.id for c in client.v1.billing_portal.configurations.list(params={"is_default": False}).data] == [made.id]

    portal = client.v1.billing_portal.sessions.create(params={"customer": paid["customer"], "configuration": made.id})
    assert portal.configuration == made.id
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.billing_portal.sessions.create(params={"customer": paid["customer"], "configuration": "bpc_nope"})
    assert unknown.value.param == "configuration"


def test_without_saved_portal_settings_a_session_needs_a_configuration(client, control, make_session):
    paid = control.pay(make_session(mode="subscription").id, card="4242424242424242")
    control.post("/billing_portal/default", saved="off")
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.billing_portal.sessions.create(params={"customer": paid["customer"]})
    assert "default configuration has not been created" in str(refused.value)
    made = client.v1.billing_portal.configurations.create(params={"features": FEATURES})
    assert client.v1.billing_portal.sessions.create(params={"customer": paid["customer"], "configuration": made.id}).url


def test_sepa_debit_can_be_turned_off_for_the_account(client, control):
    configuration = client.v1.payment_method_configurations.list().data[0]
    assert configuration.sepa_debit.display_preference.value == "on"
    assert client.v1.accounts.retrieve_current().capabilities["sepa_debit_payments"] == "active"
    control.post("/account/sepa_debit", enabled="off")
    assert client.v1.payment_method_configurations.list().data[0].sepa_debit.available is False
    assert client.v1.accounts.retrieve_current().capabilities["sepa_debit_payments"] == "inactive"
