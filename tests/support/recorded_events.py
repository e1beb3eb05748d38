"""Whole gift lifecycles played once per run at a sandbox that delivers nothing, their events kept in order.

Gifts are made the way donors make them (the /donate form over HTTP, then
the sandbox's checkout), with webhook delivery off, so that the tests hold
every event Stripe sent and can deliver them when, how often and in which
order they choose. Handlers read Stripe's current state from the same
sandbox, as they would read it from Stripe."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from donations import create_app
from donations.extensions import db
from stripe_sandbox import SandboxHandle, serve_in_thread
from tests.support.app_factory import BASE_CONFIG
from tests.support.database import POSTGRES_URL
from tests.support.giving import IBAN_FAILS, IBAN_OK, Gift, Giving, all_events
from tests.support.network import ServerThread, free_port

WEBHOOK_SECRET = "whsec_webhook_tests"


# Receipts issued while events are applied are logged, not mailed: no SMTP server here.
QUIET_MAIL = {"MAIL_SERVER": ""}


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
    refund = giving.stripe.v1.refunds.create(
        params={"charge": giving.charge_of(paid["payment_intent"]), "amount": 1000}
    )
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
    app = create_app(
        {
            **BASE_CONFIG,
            **QUIET_MAIL,
            "DATABASE_URL": _recording_database(migrated_database, directory),
            "STRIPE_API_BASE": sandbox.url,
            "RECEIPTS_DIR": str(directory / "receipts"),
            "CHECKOUT_LIMITS": "off",
        }
    )
    server = ServerThread(app, free_port())
    client = app.extensions["stripe_client"]
    giving = Giving(server.url, sandbox.url, client)
    lifecycles = {}
    try:
        # Every gift is made, then paid, then followed up, each step for all the lifecycles in turn.
        for name, (kind, amount, _, _) in LIFECYCLES.items():
            lifecycles[name] = Lifecycle(name, giving.give(kind, amount))
        answers = {}
        for name, (_, _, pay, _) in LIFECYCLES.items():
            answers[name] = _recorded(sandbox, lifecycles[name], lambda: pay(giving, lifecycles[name].gift))  # noqa: B023  (called at once, in this iteration)
        for name, (_, _, _, then) in LIFECYCLES.items():
            _recorded(sandbox, lifecycles[name], lambda: then(giving, answers[name]))  # noqa: B023  (called at once, in this iteration)
        # The events themselves as Stripe's Events API gives them.
        by_id = {event["id"]: event for event in all_events(client)}
        for lifecycle in lifecycles.values():
            lifecycle.events = [by_id[event_id] for event_id in lifecycle.event_ids]
        with app.app_context(), db.engine.connect() as conn:
            tables = {name: db.metadata.tables[name] for name in RECORDED_TABLES}
            rows = {
                name: [dict(row._mapping) for row in conn.execute(sa.select(table))] for name, table in tables.items()
            }
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()
    yield Recording(sandbox, rows, lifecycles)
    sandbox.stop()


# What the form made before any event, in the order rows refer to each other (a gift names its campaign).
RECORDED_TABLES = ("campaign", "donor", "donation")


def restore(app: Flask, recording: Recording) -> None:
    """Empty the database, then put back the donors and pending donations as the form made them."""
    with app.app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for name in RECORDED_TABLES:
            conn.execute(db.metadata.tables[name].insert(), recording.rows[name])


@pytest.fixture
def replay(make_app: Callable[..., Flask], recording: Recording) -> Flask:
    """The app on a fresh database holding the recorded gifts, still pending, and talking to their sandbox."""
    app = make_app(STRIPE_API_BASE=recording.sandbox.url, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, **QUIET_MAIL)
    restore(app, recording)
    return app
