"""Hypothesis over every endpoint: whatever is sent, by whom, no answer is a 5xx.

Every rule of `app.url_map` (so endpoints added later are covered as soon as
they are registered) is sent GET and POST requests, as its methods allow,
with generated path parameters, query strings, form fields and JSON bodies:
NUL bytes, control characters, CR/LF, whitespace, very long strings, any
unicode, numbers of every size, dates, and the real identifiers of a gift,
its receipt and the staff accounts, so that requests reach past the lookups.
They are sent anonymously, by a signed-in donor, by finance staff and by an
admin. CSRF is off for the fuzz app (a refused token would stop every POST
at the door), and so are the checkout limits of /donate (`CHECKOUT_LIMITS`);
the other rate limits stay on (their 429 is a 4xx like any other; turning
them off here would turn them off for the tests that follow, since the
limiter is one object).

Stripe is the edge: a closed local port, with no retries, so every call to
it fails at once as an unreachable Stripe would. Run on SQLite, and on
PostgreSQL with TEST_DATABASE_URL. Bounded: a few examples per endpoint and
identity, well under a minute per database.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
import stripe
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import Rule

from donations.clock import utcnow
from donations.config import SANDBOX_API_KEY
from donations.extensions import db
from donations.models import Donation, DonationKind, EventOutcome, StaffRole, StaffUser, StripeEvent
from donations.portal.sign_in import create_sign_in
from stripe_sandbox import sign
from tests.support.finance_staff import ADMIN_EMAIL, FINANCE_EMAIL, PASSWORD

# A deeper hunt: NO_500_EXAMPLES=50 .venv/bin/python -m pytest tests/security/test_no_500.py
EXAMPLES_PER_ENDPOINT = int(os.environ.get("NO_500_EXAMPLES", "5"))
SIGNED_EVENTS = 30 * EXAMPLES_PER_ENDPOINT
FUZZ_SECONDS = 60  # the whole walk, per database; it takes a fraction of this

# Endpoints that end the identity's session or data: walked last, so the rest is walked signed in.
CLOSING = re.compile(r"logout|sign_out|erase")


def _form_field_names() -> list[str]:
    """The names of every field of every form of the service (forms added later included)."""
    names: set[str] = set()
    waiting = list(FlaskForm.__subclasses__())
    while waiting:
        form = waiting.pop()
        waiting.extend(form.__subclasses__())
        names.update(name for name in dir(form) if hasattr(getattr(form, name, None), "field_class"))
    return sorted(names)


SPECIAL_TEXT = [
    "",
    " ",
    "   ",
    "\t",
    "\r\n",
    "\n",
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "%00",
    "0",
    "-1",
    "1e9",
    "NaN",
    "inf",
    "9" * 40,
    "50",
    "50,00",
    "50.00",
    "0,01",
    "y",
    "on",
    "true",
    "one_off",
    "monthly",
    "ifi",
    "individual",
    "company",
    "income_tax",
    "FR",
    "ZZ",
    "75013",
    "732 829 320",
    "2026-01-01",
    "2026-13-45",
    "0001-01-01",
    "9999-12-31",
    "name@example.org",
    "@",
    "a@b",
    "paid",
    "pending",
    "asc",
    "desc",
    "amount",
    "donor",
    "fr",
    "en",
    "finance",
    "admin",
    "/finance/donations",
    "//evil.example",
    "https://evil.example/",
    "/finance\r\nX: y",
    "javascript:alert(1)",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202e\u200b\ufeff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🎗️",
    "É" * 101,
    "x" * 5000,
    "ü" * 20_000,
]
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(SPECIAL_TEXT), st.text(min_size=200, max_size=300))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    fuzzed = make_app(MAIL_SERVER="", WTF_CSRF_ENABLED=False, CHECKOUT_LIMITS="off")
    # The same client the service builds, without its retries: an unreachable Stripe answers at once.
    base = fuzzed.config["STRIPE_API_BASE"]
    fuzzed.extensions["stripe_client"] = stripe.StripeClient(
        SANDBOX_API_KEY,
        base_addresses={"api": base, "files": base, "connect": base, "meter_events": base},
        max_network_retries=0,
    )
    return fuzzed


@pytest.fixture
def known(app: Flask, make_staff: Callable[..., Any], paid_gift: Callable[..., Any]) -> dict[str, list[str]]:
    """Real records for the requests to find: a paid gift and its receipt, a monthly gift, staff accounts."""
    make_staff()
    make_staff(ADMIN_EMAIL, StaffRole.ADMIN)
    one_off, number, payment_id = paid_gift()
    monthly, monthly_number, monthly_payment = paid_gift(1500, DonationKind.MONTHLY)
    with app.app_context():
        gift = db.session.scalars(sa.select(Donation).where(Donation.public_id == monthly)).one()
        gift.stripe_subscription_id = "sub_fuzz_monthly"
        gift.donor.stripe_customer_id = "cus_fuzz"
        email = gift.donor.email
        db.session.commit()
        staff_ids = [str(i) for i in db.session.scalars(sa.select(StaffUser.id))]
    return {
        "public_id": [one_off, monthly],
        "number": [n for n in (number, monthly_number) if n],
        "int": [str(payment_id), str(monthly_payment), *staff_ids, str(2**31), "0"],
        "email": [email],
    }


def _signed_in(app: Flask, identity: str, email: str) -> FlaskClient:
    client = app.test_client()
    if identity in ("finance", "admin"):
        answer = client.post(
            "/finance/login",
            data={"email": FINANCE_EMAIL if identity == "finance" else ADMIN_EMAIL, "password": PASSWORD},
        )
        assert answer.status_code == 303, answer.text
    elif identity == "donor":
        with app.app_context():
            token = create_sign_in(db.session, email, utcnow())
            db.session.commit()
        answer = client.post("/my/sign-in", data={"token": token})
        assert answer.status_code == 303, answer.text
    return client


def _path_value(converter: str, known: dict[str, list[str]]) -> st.SearchStrategy[str]:
    if converter == "IntegerConverter":
        return st.one_of(st.sampled_from(known["int"]), st.integers(min_value=0, max_value=10**30).map(str))
    real = known["number"] + known["public_id"]
    return st.one_of(st.sampled_from(real), TEXT.filter(bool))


def _walk_order(rules: Iterator[Rule]) -> list[Rule]:
    walked = [rule for rule in rules if rule.endpoint != "static"]
    return sorted(walked, key=lambda rule: bool(CLOSING.search(rule.endpoint)))


def _fuzz_rule(client: FlaskClient, rule: Rule, identity: str, known: dict[str, list[str]], fields: list[str]) -> None:
    methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    converters = {name: type(converter).__name__ for name, converter in rule._converters.items()}  # type: ignore[attr-defined]
    names = st.one_of(st.sampled_from(fields), TEXT)

    @settings(max_examples=EXAMPLES_PER_ENDPOINT, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def send(data: st.DataObject) -> None:
        method = data.draw(st.sampled_from(methods), label="method")
        path = rule.rule
        for name, converter in converters.items():
            value = data.draw(_path_value(converter, known), label=name)
            path = re.sub(rf"<(?:[^:<>]+:)?{name}>", quote(value, safe="") or "x", path)
        query = data.draw(st.dictionaries(names, TEXT, max_size=4), label="query")
        body: dict[str, Any] = {}
        if method != "GET":
            if data.draw(st.booleans(), label="as JSON"):
                body["json"] = data.draw(JSON_VALUES, label="json")
            else:
                body["data"] = data.draw(st.dictionaries(names, TEXT, max_size=10), label="form")
        with client.open(path, method=method, query_string=query, **body) as response:
            assert response.status_code < 500, (
                f"{identity}: {method} {path} {query!r} {body!r} -> {response.status_code}"
            )

    send()


@pytest.mark.parametrize("identity", ["anonymous", "donor", "finance", "admin"])
def test_no_request_to_any_endpoint_answers_5xx(app: Flask, known: dict[str, list[str]], identity: str) -> None:
    started = time.monotonic()
    client = _signed_in(app, identity, known["email"][0])
    fields = _form_field_names() + ["next", "c", "page", "lang", "action", "session_id", "other_amount"]
    rules = _walk_order(app.url_map.iter_rules())
    assert len(rules) > 30  # the walk sees the whole service
    for rule in rules:
        _fuzz_rule(client, rule, identity, known, fields)
    if "NO_500_EXAMPLES" not in os.environ:
        assert time.monotonic() - started < FUZZ_SECONDS / 2


# --- Stripe's webhook: signed events of every shape --------------------------------------------


def _templates(known: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Events of each handled type in Stripe's shapes, naming the real gifts."""
    one_off, monthly = known["public_id"]
    return [
        {
            "type": "checkout.session.completed",
            "object": {
                "id": "cs_fuzz",
                "metadata": {"donation_id": one_off},
                "client_reference_id": one_off,
                "customer": "cus_x",
                "payment_status": "paid",
                "mode": "payment",
                "payment_intent": "pi_x",
            },
        },
        {"type": "checkout.session.expired", "object": {"id": "cs_fuzz2", "metadata": {"donation_id": one_off}}},
        {
            "type": "invoice.paid",
            "object": {
                "id": "in_fuzz",
                "amount_paid": 1500,
                "livemode": False,
                "status_transitions": {"paid_at": 1764000000},
                "parent": {
                    "subscription_details": {"subscription": "sub_fuzz_monthly", "metadata": {"donation_id": monthly}}
                },
                "payments": {"data": [{"payment": {"payment_intent": "pi_y"}, "status": "paid"}]},
            },
        },
        {
            "type": "invoice.payment_failed",
            "object": {
                "id": "in_fuzz2",
                "amount_due": 1500,
                "parent": {"subscription_details": {"subscription": "sub_fuzz_monthly", "metadata": {}}},
            },
        },
        {
            "type": "customer.subscription.updated",
            "object": {"id": "sub_fuzz_monthly", "metadata": {"donation_id": monthly}},
        },
        {"type": "charge.refunded", "object": {"id": "ch_fuzz", "amount_refunded": 500}},
        {
            "type": "charge.dispute.created",
            "object": {"id": "dp_fuzz", "charge": "ch_fuzz", "status": "needs_response"},
        },
        {"type": "payout.paid", "object": {"id": "po_fuzz", "amount": 10}},
    ]


def _paths(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield prefix + (key,)
            yield from _paths(inner, prefix + (key,))


def _replace(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def test_no_signed_event_answers_500_but_to_have_an_unreachable_stripe_retry_it(
    app: Flask, known: dict[str, list[str]]
) -> None:
    client = app.test_client()
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    serial = iter(range(10**9))

    @settings(max_examples=SIGNED_EVENTS, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def deliver(data: st.DataObject) -> None:
        template = data.draw(st.sampled_from(_templates(known)), label="template")
        event = {
            "id": f"evt_fuzz_{next(serial)}",
            "object": "event",
            "created": int(time.time()),
            "livemode": False,
            "type": template["type"],
            "data": {"object": json.loads(json.dumps(template["object"]))},
        }
        paths = sorted(_paths(event))
        for path in data.draw(st.lists(st.sampled_from(paths), max_size=3, unique=True), label="changed"):
            with contextlib.suppress(KeyError, TypeError):  # a parent replaced just before
                _replace(event, path, data.draw(JSON_VALUES, label=".".join(path)))
        body = json.dumps(event)
        response = client.post("/stripe/webhook", data=body, headers={"Stripe-Signature": sign(body, secret)})
        if response.status_code >= 500:
            # The one 5xx that is right: Stripe could not be reached, so Stripe must send the event again.
            with app.app_context():
                stored = db.session.scalars(sa.select(StripeEvent).where(StripeEvent.stripe_id == event["id"])).one()
                unreachable = any(
                    name in (stored.error or "") for name in ("PaymentServiceError", "APIConnectionError")
                )
                assert stored.outcome == EventOutcome.FAILED and unreachable, (body, stored.error)

    deliver()
