"""Fixtures for the Stripe sandbox tests: a sandbox served on a free port, the real
stripe client pointed at it, and a real HTTP receiver that verifies webhooks."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import requests
import stripe
from flask import Flask, request
from werkzeug.serving import make_server

from stripe_sandbox import serve_in_thread

WEBHOOK_SECRET = "whsec_sandbox_test_secret"
FAST_RETRIES = (0.05, 0.1, 0.2, 0.3)


class WebhookReceiver:
    """A tiny web server that verifies each webhook with stripe.Webhook.construct_event."""

    def __init__(self) -> None:
        self.events: list = []
        self.attempts: list[str] = []  # event id of every request, in arrival order
        self.bad_signatures = 0
        self.headers: list[dict] = []
        self._fail_plan: list[int] = []
        self._lock = threading.Lock()
        app = Flask("receiver")
        app.add_url_rule("/stripe/webhook", "hook", self._hook, methods=["POST"])
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/stripe/webhook"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def answer_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses (then 200 again)."""
        with self._lock:
            self._fail_plan.extend(statuses)

    def _hook(self):
        payload = request.get_data(as_text=True)
        with self._lock:
            self.attempts.append(json.loads(payload)["id"])
            self.headers.append(dict(request.headers))
            if self._fail_plan:
                return "planned failure", self._fail_plan.pop(0)
        try:
            event = stripe.Webhook.construct_event(payload, request.headers.get("Stripe-Signature"), WEBHOOK_SECRET)
        except stripe.SignatureVerificationError:
            with self._lock:
                self.bad_signatures += 1
            return "bad signature", 400
        with self._lock:
            self.events.append(event)
        return "", 200

    @property
    def types(self) -> list[str]:
        with self._lock:
            return [event.type for event in self.events]

    def of_type(self, event_type: str) -> list:
        with self._lock:
            return [event for event in self.events if event.type == event_type]

    def clear(self) -> None:
        with self._lock:
            self.events.clear()
            self.attempts.clear()
            self.headers.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Control:
    """The sandbox's /_sandbox endpoints, over plain HTTP."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.http = requests.Session()
        self.http.trust_env = False

    def post(self, path: str, expect: int = 200, **fields) -> dict:
        response = self.http.post(self.handle.url + "/_sandbox" + path, json=fields)
        assert response.status_code == expect, response.text
        return response.json()

    def get(self, path: str) -> dict:
        return self.http.get(self.handle.url + "/_sandbox" + path).json()

    def pay(self, session_id: str, expect: int = 200, **fields) -> dict:
        return self.post(f"/checkout/{session_id}/pay", expect, **fields)

    def wait(self) -> None:
        assert self.handle.sandbox.wait_for_webhooks(10), self.get("/webhooks")


@pytest.fixture
def receiver():
    hook = WebhookReceiver()
    yield hook
    hook.stop()


@pytest.fixture
def sandbox_factory(receiver) -> Iterator[Callable]:
    """Return a callable starting a sandbox (webhooks to ``receiver``, fast retries, SEPA settled by hand)."""
    handles = []

    def start(**options):
        settings = {
            "webhook_url": receiver.url,
            "webhook_secret": WEBHOOK_SECRET,
            "sepa_delay": None,
            "retry_schedule": FAST_RETRIES,
            **options,
        }
        handles.append(serve_in_thread(settings))
        return handles[-1]

    yield start
    for handle in handles:
        handle.stop()


@pytest.fixture
def sandbox(sandbox_factory):
    return sandbox_factory()


def _client_for(url: str, api_key: str = "sk_test_sandbox") -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key=api_key,
        base_addresses={"api": url, "files": url, "connect": url, "meter_events": url},
        max_network_retries=2,
    )


@pytest.fixture
def client_for() -> Callable[..., stripe.StripeClient]:
    """Return a callable making the service's StripeClient for a sandbox URL (and key)."""
    return _client_for


@pytest.fixture
def control_for() -> Callable[..., Control]:
    """Return a callable giving the /_sandbox controls of a sandbox handle."""
    return Control


@pytest.fixture
def client(sandbox):
    return _client_for(sandbox.url)


@pytest.fixture
def control(sandbox):
    return Control(sandbox)


@pytest.fixture
def make_session(client) -> Callable:
    """Return a callable creating a Checkout Session as the donation service does."""

    def create(mode: str = "payment", amount: int = 5000, methods=("card", "sepa_debit"), **overrides):
        price_data = {
            "currency": "eur",
            "unit_amount": amount,
            "product_data": {"name": "Don à la fondation", "description": "Recherche sur la dystonie"},
        }
        params = {
            "mode": mode,
            "line_items": [{"price_data": price_data, "quantity": 1}],
            "customer_email": "marie.curie@example.org",
            "client_reference_id": "don-42",
            "metadata": {"donation_id": "42"},
            "locale": "fr",
            "success_url": "https://dons.example.org/donate/thanks/42?session={CHECKOUT_SESSION_ID}",
            "cancel_url": "https://dons.example.org/donate",
            "allowed_payment_method_types": list(methods),
        }
        if mode == "payment":
            params.update(
                submit_type="donate", payment_intent_data={"metadata": {"donation_id": "42"}, "description": "Don 42"}
            )
        else:
            price_data["recurring"] = {"interval": "month"}
            params["subscription_data"] = {"metadata": {"donation_id": "42"}, "description": "Don mensuel"}
        params.update(overrides)
        return client.v1.checkout.sessions.create(params=params, options={"idempotency_key": f"k-{time.time_ns()}"})

    return create
