"""`flask --app wsgi stripe setup` and `stripe check`, run against the real sandbox over HTTP.

Setup makes the one webhook endpoint (pinned API version, exactly the events
the service dispatches) and the billing portal configuration, and prints the
settings to set; run again, it updates them and never makes a second endpoint.
Check prints a line per finding, OK or PROBLEM with what to do, and exits 1
on a problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import stripe
from flask import Flask

from donations.fulfilment.dispatch import HANDLERS
from donations.fulfilment.event_objects import HANDLED_EVENTS
from donations.fulfilment.stripe_check import key_mode
from stripe_sandbox import SandboxHandle, serve_in_thread
from tests.support.recorded_events import QUIET_MAIL, WEBHOOK_SECRET
from tests.support.webhook_delivery import deliver

URL = "https://dons.example.org/stripe/webhook"
PINNED = stripe.api_version


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = serve_in_thread({"sepa_delay": None})
    yield handle
    handle.stop()


@pytest.fixture
def stripe_app(make_app: Callable[..., Flask], sandbox: SandboxHandle) -> Flask:
    return make_app(STRIPE_API_BASE=sandbox.url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, **QUIET_MAIL)


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["stripe", *args])


def endpoints(sandbox: SandboxHandle) -> list[dict]:
    return sandbox.sandbox.store.all("webhook_endpoint")


def printed(output: str, name: str) -> str | None:
    match = re.search(rf"^  {name}=(\S+)$", output, re.M)
    return match.group(1) if match else None


def client_of(sandbox: SandboxHandle) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_sandbox", base_addresses={k: sandbox.url for k in ("api", "files", "connect", "meter_events")}
    )


def control(sandbox: SandboxHandle, action: str, **data: str) -> None:
    assert requests.post(f"{sandbox.url}/_sandbox/{action}", data=data, timeout=10).status_code == 200


def test_the_handled_events_are_the_ones_the_service_dispatches() -> None:
    assert sorted(HANDLED_EVENTS) == sorted(HANDLERS) and len(set(HANDLED_EVENTS)) == len(HANDLED_EVENTS)
    assert {"checkout.session.completed", "invoice.paid", "charge.refunded", "charge.dispute.closed"} <= set(
        HANDLED_EVENTS
    )


def test_setup_creates_the_endpoint_and_the_portal_configuration_and_prints_the_settings(
    stripe_app: Flask, sandbox: SandboxHandle
) -> None:
    result = run(stripe_app, "setup", "--url", URL, "--privacy-url", "https://dons.example.org/confidentialite")
    assert result.exit_code == 0, result.output

    [endpoint] = endpoints(sandbox)
    assert endpoint["url"] == URL and endpoint["api_version"] == PINNED and endpoint["status"] == "enabled"
    assert sorted(endpoint["enabled_events"]) == sorted(HANDLED_EVENTS)
    assert printed(result.output, "STRIPE_WEBHOOK_SECRET") == sandbox.sandbox.store.private[endpoint["id"]]["secret"]
    [configuration] = sandbox.sandbox.store.all("billing_portal.configuration")
    assert printed(result.output, "STRIPE_PORTAL_CONFIGURATION") == configuration["id"]
    features = configuration["features"]
    assert features["payment_method_update"]["enabled"] and features["subscription_cancel"]["enabled"]
    assert features["subscription_cancel"]["mode"] == "immediately"
    assert not features["subscription_update"]["enabled"] and not features["customer_update"]["enabled"]
    assert configuration["business_profile"]["headline"] == stripe_app.config["FOUNDATION_NAME"][:60]
    assert configuration["business_profile"]["privacy_policy_url"] == "https://dons.example.org/confidentialite"


def test_setup_run_again_updates_and_never_makes_a_second_endpoint(stripe_app: Flask, sandbox: SandboxHandle) -> None:
    first = run(stripe_app, "setup", "--url", URL)
    [endpoint] = endpoints(sandbox)
    # Someone trims the events and disables the endpoint in the Dashboard.
    client_of(sandbox).v1.webhook_endpoints.update(
        endpoint["id"], params={"enabled_events": ["charge.refunded", "customer.created"], "disabled": True}
    )

    again = run(stripe_app, "setup", "--url", URL)

    assert again.exit_code == 0, again.output
    [same] = endpoints(sandbox)
    assert same["id"] == endpoint["id"] and same["status"] == "enabled"
    assert sorted(same["enabled_events"]) == sorted(HANDLED_EVENTS)
    assert printed(again.output, "STRIPE_WEBHOOK_SECRET") is None
    assert "signing secret is unchanged" in again.output
    assert len(sandbox.sandbox.store.all("billing_portal.configuration")) == 1
    assert printed(again.output, "STRIPE_PORTAL_CONFIGURATION") == printed(first.output, "STRIPE_PORTAL_CONFIGURATION")


def test_setup_replaces_an_endpoint_on_an_older_api_version_and_removes_duplicates(
    stripe_app: Flask, sandbox: SandboxHandle
) -> None:
    client = client_of(sandbox)
    old = [
        client.v1.webhook_endpoints.create(params={"url": URL, "enabled_events": ["*"], "api_version": "2024-06-20"})
        for _ in range(2)
    ]
    elsewhere = client.v1.webhook_endpoints.create(
        params={"url": "https://other.example.org/hook", "enabled_events": ["*"]}
    )

    result = run(stripe_app, "setup", "--url", URL)

    assert result.exit_code == 0, result.output
    at_url = [e for e in endpoints(sandbox) if e["url"] == URL]
    assert len(at_url) == 1 and at_url[0]["api_version"] == PINNED and at_url[0]["id"] not in {o.id for o in old}
    assert printed(result.output, "STRIPE_WEBHOOK_SECRET") == sandbox.sandbox.store.private[at_url[0]["id"]]["secret"]
    assert all(f"{o.id} at the same address removed" in result.output for o in old)
    assert elsewhere.id in {e["id"] for e in endpoints(sandbox)}  # another service's endpoint is left alone


def test_setup_after_the_endpoint_was_deleted_by_hand_makes_a_new_one(
    stripe_app: Flask, sandbox: SandboxHandle
) -> None:
    first = run(stripe_app, "setup", "--url", URL)
    [endpoint] = endpoints(sandbox)
    client_of(sandbox).v1.webhook_endpoints.delete(endpoint["id"])

    again = run(stripe_app, "setup", "--url", URL)

    [new] = endpoints(sandbox)
    assert new["id"] != endpoint["id"]
    secret = printed(again.output, "STRIPE_WEBHOOK_SECRET")
    assert (
        secret == sandbox.sandbox.store.private[new["id"]]["secret"] != printed(first.output, "STRIPE_WEBHOOK_SECRET")
    )


def test_setup_whose_answer_was_lost_finds_its_endpoint_when_run_again(
    stripe_app: Flask, sandbox: SandboxHandle
) -> None:
    # Every attempt of the client (1 + 2 retries) is carried out by Stripe but its answer lost.
    control(sandbox, "faults/lose-answers", path="/v1/webhook_endpoints", count="3")
    lost = run(stripe_app, "setup", "--url", URL)
    assert lost.exit_code == 1 and "nothing more was set up" in lost.output
    assert len(endpoints(sandbox)) == 1  # the retries shared one idempotency key: one endpoint

    again = run(stripe_app, "setup", "--url", URL)

    assert again.exit_code == 0, again.output
    assert len(endpoints(sandbox)) == 1 and "the Dashboard's page of the endpoint reveals it" in again.output


@pytest.mark.parametrize(
    "url",
    ["dons.example.org/stripe/webhook", "https://dons.example.org/webhook", "ftp://dons.example.org/stripe/webhook"],
)
def test_setup_refuses_an_address_stripe_could_not_use(stripe_app: Flask, sandbox: SandboxHandle, url: str) -> None:
    result = run(stripe_app, "setup", "--url", url)
    assert result.exit_code == 2
    assert "/stripe/webhook" in result.output
    assert endpoints(sandbox) == []


def test_setup_says_so_when_stripe_cannot_be_reached(make_app: Callable[..., Flask]) -> None:
    app = make_app(STRIPE_MAX_NETWORK_RETRIES="0")  # the test suite's closed port
    result = run(app, "setup", "--url", URL)
    assert result.exit_code == 1 and "nothing more was set up" in result.output


def test_check_on_an_account_never_set_up_reports_each_problem_and_exits_1(
    stripe_app: Flask, sandbox: SandboxHandle
) -> None:
    control(sandbox, "billing_portal/default", saved="off")
    result = run(stripe_app, "check", "--url", URL)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("OK       key mode: no STRIPE_SECRET_KEY: the local sandbox") for line in lines)
    assert f"PROBLEM  webhook endpoint: none at {URL}" in result.output and f"stripe setup --url {URL}" in result.output
    assert "PROBLEM  billing portal: no configuration" in result.output
    assert "PROBLEM  last event: no Stripe event received yet" in result.output
    assert "OK       payment methods: card and SEPA Direct Debit enabled" in result.output
    assert lines[-1] == "3 OK, 3 PROBLEM"


def test_check_names_the_wrong_version_and_the_missing_and_extra_events(
    stripe_app: Flask, sandbox: SandboxHandle
) -> None:
    client_of(sandbox).v1.webhook_endpoints.create(
        params={"url": URL, "enabled_events": ["charge.refunded", "customer.created"], "api_version": "2024-06-20"}
    )
    result = run(stripe_app, "check", "--url", URL)
    line = next(line for line in result.output.splitlines() if "webhook endpoint" in line)
    assert line.startswith("PROBLEM")
    assert f"it sends events in 2024-06-20, not {PINNED}" in line
    assert "events missing: charge.dispute.closed" in line and "invoice.paid" in line and "charge.refunded," not in line
    assert "events the service ignores: customer.created" in line
    assert result.exit_code == 1


def test_check_after_setup_and_a_first_event_is_all_ok(stripe_app: Flask, sandbox: SandboxHandle) -> None:
    setup = run(stripe_app, "setup", "--url", URL)
    stripe_app.config["STRIPE_PORTAL_CONFIGURATION"] = printed(
        setup.output, "STRIPE_PORTAL_CONFIGURATION"
    )  # set, and restarted
    event = {
        "id": "evt_1FirstOne",
        "object": "event",
        "type": "customer.created",
        "created": 1_764_547_200,
        "livemode": False,
        "api_version": PINNED,
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }
    assert deliver(stripe_app.test_client(), event).status_code == 200

    result = run(stripe_app, "check", "--url", URL)

    assert result.exit_code == 0, result.output
    assert not [line for line in result.output.splitlines() if line.startswith("PROBLEM")]
    assert re.search(
        r"^OK       last event: customer.created at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(0 min ago\)$", result.output, re.M
    )
    assert "OK       billing portal: configuration bpc_" in result.output
    assert result.output.splitlines()[-1] == "6 OK, 0 PROBLEM"


def test_check_reports_sepa_debit_turned_off(stripe_app: Flask, sandbox: SandboxHandle) -> None:
    control(sandbox, "account/sepa_debit", enabled="off")
    result = run(stripe_app, "check", "--url", URL)
    line = next(line for line in result.output.splitlines() if "payment methods" in line)
    assert line.startswith("PROBLEM") and "SEPA Direct Debit is not enabled (capability: inactive)" in line
    assert result.exit_code == 1


def test_check_reports_a_portal_configuration_that_is_gone(stripe_app: Flask, sandbox: SandboxHandle) -> None:
    stripe_app.config["STRIPE_PORTAL_CONFIGURATION"] = "bpc_1NotThere"
    result = run(stripe_app, "check", "--url", URL)
    assert "PROBLEM  billing portal: STRIPE_PORTAL_CONFIGURATION=bpc_1NotThere does not exist" in result.output


def test_check_with_stripe_unreachable_reports_problems_instead_of_failing(make_app: Callable[..., Flask]) -> None:
    app = make_app(STRIPE_MAX_NETWORK_RETRIES="0")
    result = run(app, "check")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "PROBLEM  account: Stripe refused to read the account" in result.output
    assert "PROBLEM  webhook endpoint: Stripe refused to list the webhook endpoints" in result.output


@pytest.mark.parametrize(
    ("key", "env_name", "ok", "says"),
    [
        ("sk_test_abc", "production", False, "a test key in production"),
        ("sk_live_abc", "development", False, "a live key with FLASK_ENV_NAME=development"),
        ("sk_live_abc", "production", True, "live key in production"),
        ("rk_test_abc", "testing", True, "test key with FLASK_ENV_NAME=testing"),
    ],
)
def test_key_mode_must_match_the_environment(key: str, env_name: str, ok: bool, says: str) -> None:
    finding = key_mode({"STRIPE_SECRET_KEY": key, "ENV_NAME": env_name, "STRIPE_USES_SANDBOX": False})
    assert (finding.ok, says in finding.message) == (ok, True)
