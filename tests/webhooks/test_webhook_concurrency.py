"""The same events from several senders at once, to the app served by gunicorn with 2 workers: each applied once.

Runs on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL).
gunicorn reads the project's gunicorn.conf.py as in production (gthread
workers with 2 threads each); `-w 2` and `-b` override its count and address.
Bounded: gunicorn gets 20 s to start, each request 30 s; the run takes a few
seconds when all is well.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import requests
import sqlalchemy as sa

from donations.platform import stripe_api as payments
from donations.models import EventOutcome, StripeEvent
from donations.event_dispatch import HANDLERS
from stripe_sandbox import SandboxHandle, serve_in_thread, sign
from tests.e2e.conftest import free_port
from tests.webhooks.conftest import IBAN_FAILS, IBAN_OK, WEBHOOK_SECRET, Gift, Giving

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SENDERS = 8
# What a Stripe endpoint would subscribe to: the handled types, and two common ones it ignores.
SUBSCRIBED = set(HANDLERS) | {"payment_intent.succeeded", "charge.succeeded"}


class Gunicorn:
    """`gunicorn -w 2 wsgi:app` on a free port, configured only by its environment, as in production."""

    def __init__(self, database_url: str, sandbox_url: str, directory: Path, settings: dict[str, str] | None = None) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = directory / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "gunicorn-test-secret-key-0123456789abcdef",
            "FLASK_ENV_NAME": "development",
            "STRIPE_SECRET_KEY": "",  # never a developer's key from .env: the sandbox only
            "STRIPE_API_BASE": sandbox_url,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "MAIL_SERVER": "",
            "CELERY_BROKER_URL": "",
            "RECEIPTS_DIR": str(directory / "receipts"),
            "LOG_LEVEL": "WARNING",
            # A scripted harness: many gifts from one address in seconds (docs/security.md).
            "CHECKOUT_LIMITS": "off",
            **(settings or {}),
        }
        command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", self.url.removeprefix("http://"), "--timeout", "30", "wsgi:app"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            self._wait_until_serving(deadline=time.monotonic() + 20)
        except BaseException:
            self.stop()
            raise

    def _wait_until_serving(self, deadline: float) -> None:
        probe = f"{self.url}/api/tax-reduction?amount=100&scheme=income_tax"
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log_tail()
            try:
                if requests.get(probe, timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or a worker still booting
                pass
            time.sleep(0.1)
        raise AssertionError("gunicorn did not start within 20 s\n" + self.log_tail())

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def errors(self) -> str:
        """The log's error lines (gunicorn.conf.py also writes an access line per request)."""
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(line for line in lines if "Error" in line or "Traceback" in line)[-4000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = serve_in_thread({"sepa_delay": -1})  # no webhook URL: the test sends the events itself
    yield handle
    handle.stop()


@pytest.fixture
def gunicorn(database_url: str, sandbox: SandboxHandle, tmp_path: Path) -> Iterator[Gunicorn]:
    server = Gunicorn(database_url, sandbox.url, tmp_path)
    yield server
    server.stop()


def make_forty_gifts(giving: Giving, sandbox: SandboxHandle) -> tuple[dict[Gift, tuple[Any, ...]], dict[Gift, list[str]]]:
    """Forty gifts of every kind, each with the state it must end in and the ids of the events it made."""
    gifts = {}
    made_events: dict[Gift, list[str]] = {}

    def recorded(gift: Gift, action: Callable[[], Any]) -> Any:
        before = len(sandbox.sandbox.store.events)
        result = action()
        made_events.setdefault(gift, []).extend(sandbox.sandbox.store.events[before:])
        return result

    plan = ["card"] * 15 + ["partial refund"] * 5 + ["full refund"] * 3 + ["dispute lost"] * 2 + ["monthly"] * 7
    plan += ["sepa"] * 6 + ["sepa fails"] * 2
    made = [(kind, giving.give("monthly" if kind == "monthly" else "one_off", "40")) for kind in plan]
    paid = {}
    for kind, gift in made:  # every checkout paid before renewals move the sandbox's clock on
        iban = IBAN_FAILS if kind == "sepa fails" else IBAN_OK
        paid[gift] = recorded(gift, lambda: giving.pay_iban(gift, iban) if "sepa" in kind else giving.pay_card(gift))
    for kind, gift in made:
        recorded(gift, lambda: follow_up(giving, kind, paid[gift]))
        gifts[gift] = EXPECTED[kind]
    return gifts, made_events


# What each kind of gift must end as: (donation status, amount, payments as (amount, refunded, status)).
EXPECTED = {
    "card": ("paid", 4000, [(4000, 0, "succeeded")]),
    "partial refund": ("paid", 4000, [(4000, 1500, "succeeded")]),
    "full refund": ("refunded", 4000, [(4000, 4000, "succeeded")]),
    "dispute lost": ("refunded", 4000, [(4000, 4000, "succeeded")]),
    "monthly": ("active", 4000, [(4000, 0, "succeeded")] * 3),
    "sepa": ("paid", 4000, [(4000, 0, "succeeded")]),
    "sepa fails": ("failed", 4000, [(4000, 0, "failed")]),
}


def follow_up(giving: Giving, kind: str, answer: dict[str, Any]) -> None:
    """What happens at Stripe after the donor paid: refunds, a dispute, renewals, a debit settling."""
    if kind == "partial refund":
        giving.refund(answer["payment_intent"], 1500)
    elif kind == "full refund":
        giving.refund(answer["payment_intent"], 1000)
        giving.refund(answer["payment_intent"])
    elif kind == "dispute lost":
        giving.lose_dispute(answer["payment_intent"])
    elif kind == "monthly":
        giving.advance(answer["subscription"])
        giving.advance(answer["subscription"])
    elif kind.startswith("sepa"):
        giving.control(f"payment_intents/{answer['payment_intent']}/settle")


def final_state(engine: sa.Engine, gift: Gift) -> tuple[Any, ...]:
    with engine.connect() as conn:
        status, amount, donation_id = conn.execute(
            sa.text("SELECT status, amount_cents, id FROM donation WHERE public_id = :id"), {"id": gift.public_id}
        ).one()
        rows = conn.execute(
            sa.text("SELECT amount_cents, refunded_cents, status FROM payment WHERE donation_id = :id"), {"id": donation_id}
        ).all()
    return status, amount, sorted(tuple(row) for row in rows)


def send(url: str, bodies: list[str]) -> list[int]:
    """One sender: posts each body, signed at the moment it is sent, and keeps the status codes."""
    statuses = []
    with requests.Session() as http:
        for body in bodies:
            headers = {"Content-Type": "application/json", "Stripe-Signature": sign(body, WEBHOOK_SECRET)}
            statuses.append(http.post(f"{url}/stripe/webhook", data=body.encode(), headers=headers, timeout=30).status_code)
    return statuses


@pytest.mark.slow
def test_the_same_events_from_concurrent_senders_are_each_applied_once(
    gunicorn: Gunicorn, sandbox: SandboxHandle, database_url: str
) -> None:
    client = payments.make_client({"STRIPE_USES_SANDBOX": True, "STRIPE_API_BASE": sandbox.url})
    expected, made_events = make_forty_gifts(Giving(gunicorn.url, sandbox.url, client), sandbox)
    events = {event["id"]: event for event in payments.list_events(client, 0) if event["type"] in SUBSCRIBED}
    assert 190 <= len(events) <= 230  # about 200
    # Gift after gift, each event 2 or 3 times in a shuffled order; dealt round the senders, so that
    # the events of one gift (and the copies of one event) reach the two workers at the same time.
    rng = random.Random(4)
    deliveries = []
    for gift in rng.sample(list(made_events), len(made_events)):
        burst = [json.dumps(events[i]) for i in made_events[gift] if i in events for _ in range(rng.choice((2, 3)))]
        deliveries += rng.sample(burst, len(burst))

    with ThreadPoolExecutor(SENDERS) as pool:
        statuses = [s for batch in pool.map(send, [gunicorn.url] * SENDERS, [deliveries[i::SENDERS] for i in range(SENDERS)]) for s in batch]

    assert Counter(statuses) == {200: len(deliveries)}, gunicorn.errors()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.select(StripeEvent.stripe_id, StripeEvent.type, StripeEvent.outcome, StripeEvent.attempts)).all()
        assert sorted(row.stripe_id for row in stored) == sorted(events)
        assert {row.attempts for row in stored} == {1}
        outcomes = {row.outcome for row in stored if row.type in HANDLERS}, {row.outcome for row in stored if row.type not in HANDLERS}
        assert outcomes == ({EventOutcome.APPLIED}, {EventOutcome.IGNORED})
        assert {gift: final_state(engine, gift) for gift in expected} == expected
    finally:
        engine.dispose()
