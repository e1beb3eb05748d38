"""The same events from several senders at once, to the app served by gunicorn with 2 workers: each applied once.

Runs on the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL).
gunicorn reads the project's gunicorn.conf.py as in production (gthread
workers with 2 threads each); `-w 2` and `-b` override its count and address.
Bounded: gunicorn gets 20 s to start, each request 30 s; the run takes a few
seconds when all is well.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa

from donations.fulfilment.dispatch import HANDLERS
from donations.models import EventOutcome, StripeEvent
from donations.platform import stripe_api as payments
from stripe_sandbox import SandboxHandle
from tests.support.gift_mix import EXPECTED, SENDERS, SUBSCRIBED, final_state, follow_up, send
from tests.support.giving import IBAN_FAILS, IBAN_OK, Gift, Giving
from tests.support.gunicorn_server import Gunicorn


def make_forty_gifts(
    giving: Giving, sandbox: SandboxHandle
) -> tuple[dict[Gift, tuple[Any, ...]], dict[Gift, list[str]]]:
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
    for kind, gift in made:  # every checkout paid, then each gift followed up
        iban = IBAN_FAILS if kind == "sepa fails" else IBAN_OK
        paid[gift] = recorded(gift, lambda: giving.pay_iban(gift, iban) if "sepa" in kind else giving.pay_card(gift))  # noqa: B023  (called at once, in this iteration)
    for kind, gift in made:
        recorded(gift, lambda: follow_up(giving, kind, paid[gift]))  # noqa: B023  (called at once, in this iteration)
        gifts[gift] = EXPECTED[kind]
    return gifts, made_events


@pytest.mark.slow
def test_the_same_events_from_concurrent_senders_are_each_applied_once(
    gunicorn: Gunicorn, sandbox: SandboxHandle, database_url: str
) -> None:
    client = payments.make_client({"STRIPE_USES_SANDBOX": True, "STRIPE_API_BASE": sandbox.url})
    expected, made_events = make_forty_gifts(Giving(gunicorn.url, sandbox.url, client), sandbox)
    events = {event["id"]: event for event in payments.list_events(client, 0) if event["type"] in SUBSCRIBED}
    assert 200 <= len(events) <= 320  # about 270 (each card charge also brings a charge.updated with its fee)
    # Gift after gift, each event 2 or 3 times in a shuffled order; dealt round the senders, so that
    # the events of one gift (and the copies of one event) reach the two workers at the same time.
    rng = random.Random(4)
    deliveries = []
    for gift in rng.sample(list(made_events), len(made_events)):
        burst = [json.dumps(events[i]) for i in made_events[gift] if i in events for _ in range(rng.choice((2, 3)))]
        deliveries += rng.sample(burst, len(burst))

    with ThreadPoolExecutor(SENDERS) as pool:
        statuses = [
            s
            for batch in pool.map(send, [gunicorn.url] * SENDERS, [deliveries[i::SENDERS] for i in range(SENDERS)])
            for s in batch
        ]

    assert Counter(statuses) == {200: len(deliveries)}, gunicorn.errors()
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                sa.select(StripeEvent.stripe_id, StripeEvent.type, StripeEvent.outcome, StripeEvent.attempts)
            ).all()
        assert sorted(row.stripe_id for row in stored) == sorted(events)
        assert {row.attempts for row in stored} == {1}
        # A charge.updated that comes before its payment is recorded changes nothing (the payment reads its
        # fee when it is recorded): ignored. Every other handled event is applied.
        applied_types = set(HANDLERS) - {"charge.updated"}
        outcomes = (
            {row.outcome for row in stored if row.type in applied_types},
            {row.outcome for row in stored if row.type not in HANDLERS},
        )
        assert outcomes == ({EventOutcome.APPLIED}, {EventOutcome.IGNORED})
        assert {gift: final_state(engine, gift) for gift in expected} == expected
    finally:
        engine.dispose()
