"""Webhook fixtures: real Stripe events from the sandbox, signed as Stripe signs them, posted to the real app.

Gifts are made the way donors make them (the /donate form over HTTP, then
the sandbox's checkout), with webhook delivery off, so that the tests hold
every event Stripe sent and can deliver them when, how often and in which
order they choose. Handlers read Stripe's current state from the same
sandbox, as they would read it from Stripe.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
import sqlalchemy as sa
import stripe
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from donations import create_app

from donations.platform import stripe_api as payments
from donations.extensions import db
from donations.platform.jobs import wait_for_inline_jobs
from donations.models import Donation, StripeEvent
from stripe_sandbox import SandboxHandle, serve_in_thread, sign
from tests.conftest import BASE_CONFIG, POSTGRES_URL
from tests.e2e.conftest import INDIVIDUAL, Live, ServerThread, form_fields, free_port, live  # noqa: F401  (the live app)

WEBHOOK_SECRET = "whsec_webhook_tests"
# Receipts issued while events are applied are logged, not mailed: no SMTP server here.
QUIET_MAIL = {"MAIL_SERVER": ""}
CARD_OK = "4242424242424242"
IBAN_OK = "FR1420041010050500013M02606"
IBAN_FAILS = "FR8420041010050500013M02606"


# --- delivering events ------------------------------------------------------------


def signed_post(client: FlaskClient, body: str | bytes, signature: str | None) -> TestResponse:
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    answer = client.post("/stripe/webhook", data=body, headers=headers)
    # The emails an event asks for are sent after the answer: the test reads the state once they are.
    assert wait_for_inline_jobs(client.application)
    return answer


def deliver(client: FlaskClient, event: dict[str, Any], secret: str = WEBHOOK_SECRET) -> TestResponse:
    """Post an event as Stripe does: a JSON body signed with the endpoint's secret."""
    body = json.dumps(event, indent=2)
    return signed_post(client, body, sign(body, secret))


def stored_events(app: Flask) -> list[StripeEvent]:
    with app.app_context():
        events = db.session.scalars(sa.select(StripeEvent).order_by(StripeEvent.id)).all()
        db.session.expunge_all()
        return list(events)


# --- reading what finance would see -------------------------------------------------


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: a repeat that changes nothing leaves this equal."""
    with app.app_context(), db.engine.connect() as conn:
        tables = db.metadata.sorted_tables
        return {t.name: sorted((tuple(row) for row in conn.execute(sa.select(t))), key=repr) for t in tables}


def gift_state(app: Flask, public_id: str) -> tuple[Any, ...]:
    """A donation's status and amount, and its payments (amount, refunded, status, method, when, dispute)."""
    with app.app_context():
        donation = db.session.scalars(sa.select(Donation).where(Donation.public_id == public_id)).one()
        paid = [
            (p.amount_cents, p.refunded_cents, p.status.value, p.method.value, p.received_at, p.disputed, p.dispute_status)
            for p in donation.payments
        ]
        return donation.status.value, donation.amount_cents, sorted(paid, key=repr)


# --- making gifts -------------------------------------------------------------------


@dataclass(frozen=True)
class Gift:
    public_id: str
    checkout_session: str


class Giving:
    """Donors on the site (the /donate form over HTTP), and what then happens at Stripe (the sandbox)."""

    def __init__(self, site_url: str, sandbox_url: str, client: stripe.StripeClient) -> None:
        self.site_url = site_url
        self.sandbox_url = sandbox_url
        self.stripe = client
        self.donors = 0

    def give(self, kind: str = "one_off", amount: str = "50") -> Gift:
        self.donors += 1
        with requests.Session() as browser:
            page = browser.get(f"{self.site_url}/donate?kind={kind}&amount={amount}", timeout=10)
            data = {**form_fields(page.text), "kind": kind, "amount": amount, **INDIVIDUAL}
            data["email"] = f"donor{self.donors}@example.org"
            answer = browser.post(f"{self.site_url}/donate", data=data, allow_redirects=False, timeout=10)
        assert answer.status_code == 303, answer.text
        session_id = answer.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        checkout = self.stripe.v1.checkout.sessions.retrieve(session_id)
        return Gift(checkout.metadata["donation_id"], session_id)

    def control(self, path: str, **data: Any) -> dict[str, Any]:
        answer = requests.post(f"{self.sandbox_url}/_sandbox/{path}", data=data, timeout=10)
        assert answer.status_code < 300, answer.text
        return answer.json()

    def pay_card(self, gift: Gift) -> dict[str, Any]:
        return self.control(f"checkout/{gift.checkout_session}/pay", card=CARD_OK)

    def pay_iban(self, gift: Gift, iban: str = IBAN_OK) -> dict[str, Any]:
        return self.control(f"checkout/{gift.checkout_session}/pay", iban=iban, name="Camille Martin")

    def charge_of(self, payment_intent: str) -> str:
        return str(self.stripe.v1.payment_intents.retrieve(payment_intent).latest_charge)

    def refund(self, payment_intent: str, amount: int | None = None) -> None:
        params: dict[str, Any] = {"charge": self.charge_of(payment_intent)}
        if amount:
            params["amount"] = amount
        self.stripe.v1.refunds.create(params=params)  # type: ignore[arg-type]

    def advance(self, subscription: str, fail: bool = False) -> dict[str, Any]:
        return self.control(f"subscriptions/{subscription}/advance", **({"fail": "1"} if fail else {}))

    def lose_dispute(self, payment_intent: str) -> None:
        dispute = self.control(f"charges/{self.charge_of(payment_intent)}/dispute")
        self.control(f"disputes/{dispute['dispute']}/close", outcome="lost")


def all_events(client: stripe.StripeClient) -> list[dict[str, Any]]:
    """Every event the sandbox created, oldest first."""
    return list(reversed(list(payments.list_events(client, 0))))


# --- a recording of whole lifecycles, made once per run --------------------------------


@dataclass
class Lifecycle:
    name: str
    gift: Gift
    event_ids: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Recording:
    sandbox: SandboxHandle
    rows: dict[str, list[dict[str, Any]]]
    lifecycles: dict[str, Lifecycle]


Paid = dict[str, Any]  # the sandbox's answer to a payment: payment_intent, subscription...


def _card(giving: Giving, gift: Gift) -> Paid:
    return giving.pay_card(gift)


def _iban(iban: str) -> Callable[[Giving, Gift], Paid]:
    return lambda giving, gift: giving.pay_iban(gift, iban)


def _refund_in_two_steps(giving: Giving, paid: Paid) -> None:
    giving.refund(paid["payment_intent"], 1000)
    giving.refund(paid["payment_intent"])


def _two_renewals_then_cancel(giving: Giving, paid: Paid) -> None:
    giving.advance(paid["subscription"])
    giving.advance(paid["subscription"])
    giving.stripe.v1.subscriptions.cancel(paid["subscription"])


def _renewal_refunded(giving: Giving, paid: Paid) -> None:
    giving.refund(giving.advance(paid["subscription"])["payment_intent"])


def _declined_renewal(giving: Giving, paid: Paid) -> None:
    giving.advance(paid["subscription"], fail=True)


def _settle(giving: Giving, paid: Paid) -> None:
    giving.control(f"payment_intents/{paid['payment_intent']}/settle")


def _dispute_lost(giving: Giving, paid: Paid) -> None:
    giving.lose_dispute(paid["payment_intent"])


def _refund_fails(giving: Giving, paid: Paid) -> None:
    refund = giving.stripe.v1.refunds.create(params={"charge": giving.charge_of(paid["payment_intent"]), "amount": 1000})
    giving.control(f"refunds/{refund.id}/fail")


def _dispute_won_on_appeal(giving: Giving, paid: Paid) -> None:
    dispute = giving.control(f"charges/{giving.charge_of(paid['payment_intent'])}/dispute")["dispute"]
    for outcome in ("lost", "appeal", "won"):
        giving.control(f"disputes/{dispute}/close", outcome=outcome)


def _last_retry_fails(giving: Giving, paid: Paid) -> None:
    giving.control(f"subscriptions/{paid['subscription']}/advance", action="1")
    giving.control(f"subscriptions/{paid['subscription']}/advance", fail="1", final="1")


# name: (kind, amount in euros, how the donor pays at checkout, what happens afterwards)
LIFECYCLES: dict[str, tuple[str, str, Callable[[Giving, Gift], Paid], Callable[[Giving, Paid], None]]] = {
    "one_off_card_partial_then_full_refund": ("one_off", "50", _card, _refund_in_two_steps),
    "monthly_three_invoices_then_cancelled": ("monthly", "15", _card, _two_renewals_then_cancel),
    "monthly_renewal_declined": ("monthly", "20", _card, _declined_renewal),
    "monthly_renewal_refunded": ("monthly", "10", _card, _renewal_refunded),
    "sepa_debit_succeeds": ("one_off", "100", _iban(IBAN_OK), _settle),
    "sepa_debit_fails": ("one_off", "60", _iban(IBAN_FAILS), _settle),
    "monthly_sepa_debit": ("monthly", "30", _iban(IBAN_OK), _settle),
    "dispute_lost": ("one_off", "80", _card, _dispute_lost),
    "refund_fails": ("one_off", "40", _card, _refund_fails),
    "dispute_won_on_appeal": ("one_off", "70", _card, _dispute_won_on_appeal),
    "monthly_authentication_then_last_retry_fails": ("monthly", "18", _card, _last_retry_fails),
}


def _recorded(sandbox: SandboxHandle, lifecycle: Lifecycle, action: Callable[[], Any]) -> Any:
    """Run `action`, noting the ids of the events it made (in the sandbox's order) as the lifecycle's."""
    made_before = len(sandbox.sandbox.store.events)
    result = action()
    lifecycle.event_ids.extend(sandbox.sandbox.store.events[made_before:])
    return result


def _recording_database(migrated_database: str, directory: Path) -> str:
    if POSTGRES_URL:
        return POSTGRES_URL  # emptied by the next test's fixtures; the rows are kept in memory
    shutil.copyfile(migrated_database, directory / "recording.sqlite")
    return f"sqlite:///{directory / 'recording.sqlite'}"


@pytest.fixture(scope="session")
def recording(migrated_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    """Each lifecycle played once against a sandbox that delivers nothing; its events kept in order.

    The donors and pending donations the form created are kept too: `restore`
    puts them in a fresh database, as they were before any event arrived.
    """
    sandbox = serve_in_thread({"sepa_delay": -1})
    directory = tmp_path_factory.mktemp("recording")
    # Every lifecycle's gift comes from one address in seconds: a scripted harness, checkout limits off.
    app = create_app({**BASE_CONFIG, **QUIET_MAIL, "DATABASE_URL": _recording_database(migrated_database, directory),
                      "STRIPE_API_BASE": sandbox.url, "RECEIPTS_DIR": str(directory / "receipts"), "CHECKOUT_LIMITS": "off"})
    server = ServerThread(app, free_port())
    client = app.extensions["stripe_client"]
    giving = Giving(server.url, sandbox.url, client)
    lifecycles = {}
    try:
        # Every gift is made and paid first: renewals move the sandbox's clock a month on, which
        # would expire the checkouts still open (as Stripe's test clocks would).
        for name, (kind, amount, _, _) in LIFECYCLES.items():
            lifecycles[name] = Lifecycle(name, giving.give(kind, amount))
        answers = {}
        for name, (_, _, pay, _) in LIFECYCLES.items():
            answers[name] = _recorded(sandbox, lifecycles[name], lambda: pay(giving, lifecycles[name].gift))
        for name, (_, _, _, then) in LIFECYCLES.items():
            _recorded(sandbox, lifecycles[name], lambda: then(giving, answers[name]))
        # The events themselves as Stripe's Events API gives them.
        by_id = {event["id"]: event for event in all_events(client)}
        for lifecycle in lifecycles.values():
            lifecycle.events = [by_id[event_id] for event_id in lifecycle.event_ids]
        with app.app_context(), db.engine.connect() as conn:
            tables = {name: db.metadata.tables[name] for name in ("donor", "donation")}
            rows = {name: [dict(row._mapping) for row in conn.execute(sa.select(table))] for name, table in tables.items()}
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()
    yield Recording(sandbox, rows, lifecycles)
    sandbox.stop()


def restore(app: Flask, recording: Recording) -> None:
    """Empty the database, then put back the donors and pending donations as the form made them."""
    with app.app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for name in ("donor", "donation"):
            conn.execute(db.metadata.tables[name].insert(), recording.rows[name])


@pytest.fixture
def replay(make_app: Callable[..., Flask], recording: Recording) -> Flask:
    """The app on a fresh database holding the recorded gifts, still pending, and talking to their sandbox."""
    app = make_app(STRIPE_API_BASE=recording.sandbox.url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, **QUIET_MAIL)
    restore(app, recording)
    return app


# --- the live service (tests/e2e's `live`): the app over HTTP, with a sandbox that sends it webhooks ---------


@pytest.fixture
def live_settings() -> dict[str, Any]:
    return dict(QUIET_MAIL)


@pytest.fixture
def giving(live: Live) -> Giving:
    return Giving(live.url, live.sandbox.url, live.app.extensions["stripe_client"])
