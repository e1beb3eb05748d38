"""Gifts of every kind made at the sandbox, what each must end as, and the checks once all their events are in.

The mix of tests/webhooks/test_webhook_concurrency.py's forty gifts, used again
by the load and outage tests of tests/load, made from a few threads. The
checks read the database directly: each donation's final state, the receipts
each gift ends with (one issued receipt per kept payment, whatever the order
of the events), receipt numbers without gap or repeat, each event stored once."""

from __future__ import annotations

import itertools
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
import sqlalchemy as sa

from donations.fulfilment.dispatch import HANDLERS
from donations.models import EventOutcome, StripeEvent
from stripe_sandbox import sign
from tests.support.giving import IBAN_FAILS, IBAN_OK, Gift, Giving
from tests.support.recorded_events import WEBHOOK_SECRET

SENDERS = 8


# What a Stripe endpoint would subscribe to: the handled types, and two common ones it ignores.
SUBSCRIBED = set(HANDLERS) | {"payment_intent.succeeded", "charge.succeeded"}


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
            sa.text("SELECT amount_cents, refunded_cents, status FROM payment WHERE donation_id = :id"),
            {"id": donation_id},
        ).all()
    return status, amount, sorted(tuple(row) for row in rows)


def send(url: str, bodies: list[str]) -> list[int]:
    """One sender: posts each body, signed at the moment it is sent, and keeps the status codes."""
    statuses = []
    with requests.Session() as http:
        for body in bodies:
            headers = {"Content-Type": "application/json", "Stripe-Signature": sign(body, WEBHOOK_SECRET)}
            statuses.append(
                http.post(f"{url}/stripe/webhook", data=body.encode(), headers=headers, timeout=30).status_code
            )
    return statuses


# The mix of test_webhook_concurrency's forty gifts (about 5 events a gift), repeated as often as needed.
MIX = {"card": 15, "partial refund": 5, "full refund": 3, "dispute lost": 2, "monthly": 7, "sepa": 6, "sepa fails": 2}


PATTERN = [kind for kind, count in MIX.items() for _ in range(count)]


# The amounts of the receipts left issued on each kind of gift of 40 €: exactly one per payment kept,
# for what is kept (a partial refund cancels the first and issues a replacement; a monthly gift
# waits for its annual recap). How many were cancelled on the way depends on the order of the events.
ISSUED = {
    "card": [4000],
    "partial refund": [2500],
    "full refund": [],
    "dispute lost": [],
    "monthly": [],
    "sepa": [4000],
    "sepa fails": [],
}


GIVING_THREADS = 4


def make_gifts(giving_for: Any, count: int, threads: int = GIVING_THREADS, after_giving: Any = None) -> dict[Gift, str]:
    """`count` gifts in the mix, each paid then followed up (refunds, renewals, debits settled); answers their kinds.

    `giving_for(n)` gives the n-th thread its own `Giving` (its own donor numbering).
    Every checkout is paid, then every gift followed up. Only the first step (the /donate
    form) needs the app; `after_giving()`, if given, is called once it is done.
    """
    kinds = list(itertools.islice(itertools.cycle(PATTERN), count))
    givings = [giving_for(n) for n in range(threads)]
    for n, giving in enumerate(givings):
        giving.donors = n * 1_000_000  # distinct donor emails from thread to thread

    def each(work: Any, items: list[Any]) -> list[Any]:
        parts = [items[n::threads] for n in range(threads)]
        with ThreadPoolExecutor(threads) as pool:
            done = pool.map(lambda n: [work(givings[n], item) for item in parts[n]], range(threads))
            return [result for part in done for result in part]

    def give(giving: Giving, kind: str) -> tuple[str, Gift]:
        return kind, giving.give("monthly" if kind == "monthly" else "one_off", "40")

    def pay(giving: Giving, made: tuple[str, Gift]) -> tuple[str, Gift, dict[str, Any]]:
        kind, gift = made
        paid = (
            giving.pay_iban(gift, IBAN_FAILS if kind == "sepa fails" else IBAN_OK)
            if "sepa" in kind
            else giving.pay_card(gift)
        )
        return kind, gift, paid

    def then(giving: Giving, paid: tuple[str, Gift, dict[str, Any]]) -> tuple[Gift, str]:
        kind, gift, answer = paid
        follow_up(giving, kind, answer)
        return gift, kind

    made = each(give, kinds)
    if after_giving is not None:
        after_giving()
    return dict(each(then, each(pay, made)))


def subscribed_events(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The events a Stripe endpoint subscribed as in production would be sent, by id."""
    return {event["id"]: event for event in events if event["type"] in SUBSCRIBED}


def issued_amounts(engine: sa.Engine) -> dict[str, list[int]]:
    """For each donation (by public id), the amounts of its payments' receipts still issued."""
    query = sa.text(
        "SELECT DISTINCT d.public_id, r.id, r.amount_cents FROM receipt r"
        " JOIN receipt_payment rp ON rp.receipt_id = r.id JOIN payment p ON p.id = rp.payment_id"
        " JOIN donation d ON d.id = p.donation_id WHERE r.status = 'issued'"
    )
    found: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for public_id, _receipt, amount in conn.execute(query):
            found.setdefault(public_id, []).append(amount)
    return {public_id: sorted(amounts) for public_id, amounts in found.items()}


def check_outcome(
    engine: sa.Engine, gifts: dict[Gift, str], events: dict[str, dict[str, Any]], applied_once: bool = True
) -> None:
    """Every gift in its final state with its receipts, numbers without gap or repeat, each event stored once."""
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(StripeEvent.stripe_id, StripeEvent.type, StripeEvent.outcome, StripeEvent.attempts)
        ).all()
        numbers = conn.execute(sa.text("SELECT year, sequence, number FROM receipt ORDER BY year, sequence")).all()
    # Each event stored once, and applied (or ignored, for the types the service does not handle).
    assert len(stored) == len({row.stripe_id for row in stored})
    assert sorted(row.stripe_id for row in stored) == sorted(events)
    # A charge.updated that comes before its payment is recorded is ignored (the payment reads its fee
    # when it is recorded); every other handled event is applied.
    must_apply = set(HANDLERS) - {"charge.updated"}
    assert Counter(row.outcome for row in stored if row.type in must_apply) == {
        EventOutcome.APPLIED: sum(1 for e in events.values() if e["type"] in must_apply)
    }
    assert {row.outcome for row in stored if row.type == "charge.updated"} <= {
        EventOutcome.APPLIED,
        EventOutcome.IGNORED,
    }
    assert {row.outcome for row in stored if row.type not in HANDLERS} <= {EventOutcome.IGNORED}
    if applied_once:  # every copy after the first found it applied: nothing was ever attempted twice
        assert {row.attempts for row in stored} == {1}
    # Every donation in its final state.
    wrong = {
        gift.public_id: (kind, final_state(engine, gift))
        for gift, kind in gifts.items()
        if final_state(engine, gift) != EXPECTED[kind]
    }
    assert not wrong, f"{len(wrong)} donation(s) not in their final state, e.g. {list(wrong.items())[:3]}"
    # One issued receipt per payment kept, for what is kept: never two, never none.
    receipts = issued_amounts(engine)
    wrong_receipts = {
        g.public_id: (kind, receipts.get(g.public_id, []))
        for g, kind in gifts.items()
        if receipts.get(g.public_id, []) != ISSUED[kind]
    }
    assert not wrong_receipts, (
        f"{len(wrong_receipts)} gift(s) with wrong receipts, e.g. {list(wrong_receipts.items())[:3]}"
    )
    # Receipt numbers: 1..K in each year, no gap, no repeat.
    by_year: dict[int, list[int]] = {}
    for year, sequence, _number in numbers:
        by_year.setdefault(year, []).append(sequence)
    assert numbers, "no receipt was issued"
    for year, sequences in by_year.items():
        assert sequences == list(range(1, len(sequences) + 1)), f"receipt numbers of {year} have gaps or repeats"
    assert len({number for _, _, number in numbers}) == len(numbers)
