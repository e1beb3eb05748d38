"""`flask stripe reconcile` applies the events the webhook never received, and nothing twice."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.support.giving import Giving
from tests.support.live_service import Live
from tests.support.webhook_delivery import gift_state, stored_events


def reconcile(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["stripe", "reconcile", *args])


def summary(output: str) -> dict[str, int]:
    found = re.search(r"(\d+) events listed, (\d+) already known, (\d+) applied, (\d+) failed", output)
    assert found, output
    return dict(zip(("listed", "known", "applied", "failed"), map(int, found.groups()), strict=False))


def states(app: Flask, gifts: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    return {name: gift_state(app, gift.public_id) for name, gift in gifts.items()}


def without_times(state: tuple[Any, ...]) -> tuple[Any, ...]:
    status, amount, paid = state
    return status, amount, [p[:4] for p in paid]


def test_reconcile_applies_what_the_webhook_missed_and_late_deliveries_change_nothing(
    live: Live, giving: Giving
) -> None:
    live.control("webhooks/pause")  # Stripe cannot reach us: every event waits
    gifts = {
        "one-off": giving.give("one_off", "50"),
        "monthly": giving.give("monthly", "15"),
        "refunded": giving.give("one_off", "30"),
    }
    giving.pay_card(gifts["one-off"])
    subscription = giving.pay_card(gifts["monthly"])["subscription"]
    giving.refund(giving.pay_card(gifts["refunded"])["payment_intent"])
    giving.advance(subscription)
    assert {state[0] for state in states(live.app, gifts).values()} == {"pending"}

    first = reconcile(live.app)

    assert first.exit_code == 0, first.output
    counts = summary(first.output)
    assert counts["listed"] == len(live.sandbox.sandbox.store.events) and counts["known"] == 0 and counts["failed"] == 0
    assert len(re.findall(r"^applied  evt_\w+  checkout\.session\.completed", first.output, re.M)) == 3
    assert len(re.findall(r"^applied  evt_\w+  invoice\.paid", first.output, re.M)) == 2
    after = states(live.app, gifts)
    assert {name: without_times(state) for name, state in after.items()} == {
        "one-off": ("paid", 5000, [(5000, 0, "succeeded", "card")]),
        "monthly": ("active", 1500, [(1500, 0, "succeeded", "card")] * 2),
        "refunded": ("refunded", 3000, [(3000, 3000, "succeeded", "card")]),
    }

    second = reconcile(live.app)

    assert second.exit_code == 0, second.output
    assert summary(second.output) == {"listed": counts["listed"], "known": counts["listed"], "applied": 0, "failed": 0}
    assert "applied  evt_" not in second.output

    live.control("webhooks/resume")  # Stripe's retries finally get through
    live.settle_webhooks()
    delivery = live.sandbox.sandbox.webhook_status()
    assert (delivery["delivered"], delivery["failed_attempts"]) == (counts["listed"], 0)
    assert states(live.app, gifts) == after
    assert {event.attempts for event in stored_events(live.app)} == {1}


def test_reconcile_since_a_date_lists_only_the_events_from_that_day(live: Live, giving: Giving) -> None:
    live.control("webhooks/pause")
    giving.pay_card(giving.give("one_off", "50"))
    result = reconcile(live.app, "--since", "2999-01-01")
    assert result.exit_code == 0, result.output
    assert summary(result.output) == {"listed": 0, "known": 0, "applied": 0, "failed": 0}
    assert reconcile(live.app, "--since", "24/11/2026").exit_code == 2  # not YYYY-MM-DD: a usage error


def test_reconcile_fails_loudly_when_stripe_cannot_be_reached(make_app: Callable[..., Flask]) -> None:
    app = make_app()  # the test configuration's Stripe address is a closed port
    result = reconcile(app)
    assert result.exit_code == 1
    assert "Stripe could not list its events" in result.output
    assert stored_events(app) == []


def test_reconcile_reports_an_event_it_could_not_apply_and_exits_1(live: Live, giving: Giving) -> None:
    live.control("webhooks/pause")
    giving.pay_card(giving.give("one_off", "50"))
    # An event about a charge Stripe can no longer show: applying it fails (404 from Stripe).
    store = live.sandbox.sandbox.store
    with store.lock:
        lost = store.emit(
            "charge.refunded", {"id": "ch_gone", "object": "charge", "amount_refunded": 500, "metadata": {}}
        )

    first = reconcile(live.app)
    again = reconcile(live.app)

    assert first.exit_code == 1
    assert re.search(
        rf"^FAILED   {lost['id']}  charge\.refunded: PaymentServiceError\(\"Stripe: retrieve_charge failed \(InvalidRequestError\): No such charge",
        first.output,
        re.M,
    ), first.output
    assert summary(first.output)["failed"] == 1 and summary(first.output)["applied"] >= 1
    assert again.exit_code == 1 and summary(again.output)["failed"] == 1 and summary(again.output)["applied"] == 0
    [failed] = [event for event in stored_events(live.app) if event.stripe_id == lost["id"]]
    assert failed.attempts == 2
