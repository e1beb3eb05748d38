"""The periodic commands run on one schedule (Celery beat), each task doing what its command does.

The tasks are called in-process as a Celery worker calls them (the task's
`__call__`, which opens the app's context), on the real app and database; the
app has a broker (`memory://`, so that the Celery app and its tasks exist; jobs
they queue stay in it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from donations import create_app
from donations.config import ConfigError
from donations.extensions import db
from donations.models import Donation, DonationKind, DonationStatus, DonorSignIn, Receipt, ReceiptStatus
from donations.platform import schedule
from donations.receipting import batch, service
from donations.receipting.service import PaymentReceipts
from tests.support.app_factory import BASE_CONFIG
from tests.support.factories import settled_payment
from tests.support.giving import Giving
from tests.support.live_service import Live
from tests.support.mailbox import Mailbox

BROKER = {"CELERY_BROKER_URL": "memory://"}

EXPECTED = {
    # beat entry: (the command cron runs, minute hour day-of-month month day-of-week in Paris)
    "expire-donations": ("donations expire", "5 * * * *"),
    "send-pending-receipts": ("receipts send-pending", "20 * * * *"),
    "purge-personal-data": ("donations purge-personal-data", "15 3 * * *"),
    "stripe-reconcile": ("stripe reconcile", "30 4 * * *"),
    "annual-receipts": ("receipts annual --year <last year>", "0 6 * 1 *"),
    "alerts": ("operations alerts", "*/10 * * * *"),
}


def cron_fields(entry: dict[str, Any]) -> str:
    c = entry["schedule"]
    fields = (c._orig_minute, c._orig_hour, c._orig_day_of_month, c._orig_month_of_year, c._orig_day_of_week)
    return " ".join(str(field) for field in fields)


@pytest.fixture
def live_settings() -> dict[str, Any]:
    return dict(BROKER)


def run_task(app: Flask, name: str) -> str:
    """Run the scheduled task as a worker does: the task object called, in a context of its own."""
    task = app.extensions["celery"].tasks[f"donations.scheduled.{name}"]
    return task()  # type: ignore[no-any-return]


def test_the_schedule_runs_each_periodic_command_at_its_time_in_paris(make_app: Callable[..., Flask]) -> None:
    app = make_app(**BROKER)
    celery = app.extensions["celery"]
    beat = celery.conf.beat_schedule
    assert {e.name: (e.command, cron_fields(beat[e.name])) for e in schedule.SCHEDULE} == EXPECTED
    assert set(beat) == set(EXPECTED)
    assert celery.conf.timezone == "Europe/Paris"
    for name, entry in beat.items():
        assert entry["task"] in celery.tasks, name


def test_schedule_times_are_settings_and_a_malformed_one_stops_start_up_naming_it(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(**BROKER, SCHEDULE_STRIPE_RECONCILE="02:45", SCHEDULE_EXPIRE_DONATIONS="*:40")
    beat = app.extensions["celery"].conf.beat_schedule
    assert cron_fields(beat["stripe-reconcile"]) == "45 2 * * *"
    assert cron_fields(beat["expire-donations"]) == "40 * * * *"
    for setting, value in (
        ("SCHEDULE_STRIPE_RECONCILE", "25:00"),
        ("SCHEDULE_SEND_PENDING", "every hour"),
        ("SCHEDULE_ANNUAL_RECEIPTS", "*:00"),  # the January batch runs once a day
    ):
        with pytest.raises(ConfigError, match=setting):
            create_app({**BASE_CONFIG, "DATABASE_URL": "sqlite://", setting: value})


def test_the_scheduled_expiry_expires_a_checkout_stripe_closed_unpaid(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    live.control("webhooks/pause")  # the checkout.session.expired event never arrives
    gift = Giving(live.url, live.sandbox.url, live.app.extensions["stripe_client"]).give("one_off", "50")
    live.app.extensions["stripe_client"].v1.checkout.sessions.expire(gift.checkout_session)
    assert run_task(live.app, "expire-donations") == "0 pending donation(s) expired"  # not overdue yet
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    monkeypatch.setattr(schedule, "utcnow", lambda: later)
    assert run_task(live.app, "expire-donations") == "1 pending donation(s) expired"
    with live.app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == gift.public_id)).one()
        assert donation.status == DonationStatus.EXPIRED


def test_the_daily_reconcile_applies_the_events_the_webhook_missed_once(live: Live) -> None:
    live.control("webhooks/pause")
    giving = Giving(live.url, live.sandbox.url, live.app.extensions["stripe_client"])
    gift = giving.give("one_off", "50")
    giving.pay_card(gift)

    first = run_task(live.app, "stripe-reconcile")

    assert " 0 already known, " in first and " 0 failed" in first and " 0 applied" not in first
    with live.app.app_context():
        donation = db.session.scalars(select(Donation).where(Donation.public_id == gift.public_id)).one()
        assert donation.status == DonationStatus.PAID
        assert [r.status for r in db.session.scalars(select(Receipt))] == [ReceiptStatus.ISSUED]
    assert " 0 applied, 0 failed" in run_task(live.app, "stripe-reconcile")


def test_the_hourly_send_pending_sends_the_receipts_still_owed(
    make_app: Callable[..., Flask], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    app = make_app(**BROKER, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port))
    with app.app_context():
        payment = settled_payment(db.session, 4200)
        db.session.commit()
        receipts = PaymentReceipts(db.session)
        receipts.payment_settled(payment)
        db.session.commit()  # issued; its email never left (the SMTP relay was down)
    assert run_task(app, "send-pending-receipts").endswith("1 email(s) sent, 0 pending")
    [message] = mailbox.wait_for(1, timeout=10)
    assert "Votre reçu fiscal" in message["Subject"]
    with app.app_context():
        assert db.session.scalars(select(Receipt)).one().emailed_at is not None
    assert run_task(app, "send-pending-receipts").endswith("0 email(s) sent, 0 pending")


def test_the_daily_purge_deletes_expired_sign_in_links(make_app: Callable[..., Flask]) -> None:
    app = make_app(**BROKER)
    now = dt.datetime.now(dt.UTC)
    with app.app_context():
        for n, expires in enumerate((now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))):
            db.session.add(DonorSignIn(email="camille@example.org", token_hash=f"{n:064d}", expires_at=expires))
        db.session.commit()
    assert run_task(app, "purge-personal-data").startswith("1 sign-in link(s) deleted")
    with app.app_context():
        assert [s.expires_at > now for s in db.session.scalars(select(DonorSignIn))] == [True]


def _freeze(monkeypatch: pytest.MonkeyPatch, instant: dt.datetime) -> None:
    """The service's clock at `instant` where the January batch reads it."""
    for module in (batch, service):
        monkeypatch.setattr(module, "utcnow", lambda: instant)


def _monthly_donor_of_2025(app: Flask) -> None:
    with app.app_context():
        settled_payment(db.session, 1500, DonationKind.MONTHLY, dt.datetime(2025, 6, 5, 9, tzinfo=dt.UTC))
        db.session.commit()


def _recaps(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Receipt.number).order_by(Receipt.id)))


def test_the_january_batch_refuses_in_december_and_runs_once_in_january(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(**BROKER)
    _monthly_donor_of_2025(app)

    _freeze(monkeypatch, dt.datetime(2025, 12, 31, 22, 30, tzinfo=dt.UTC))  # 23:30 on 31 December in Paris
    assert run_task(app, "annual-receipts").startswith("refused: the January batch runs in January")
    assert _recaps(app) == []

    _freeze(monkeypatch, dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC))  # 00:30 on 1 January in Paris
    assert run_task(app, "annual-receipts").startswith("1 annual receipt(s) issued for 2025")
    [number] = _recaps(app)
    assert number.startswith("2026-")

    _freeze(monkeypatch, dt.datetime(2026, 1, 2, 5, 0, tzinfo=dt.UTC))  # the next day's run
    assert run_task(app, "annual-receipts") == "nothing done for 2025: every donor due has a recap"
    assert _recaps(app) == [number]


def test_a_january_run_while_another_holds_the_year_does_nothing(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(**BROKER)
    _monthly_donor_of_2025(app)
    _freeze(monkeypatch, dt.datetime(2026, 1, 10, 5, 0, tzinfo=dt.UTC))
    with app.app_context(), batch.exclusive_run(2025) as held:
        assert held
        assert run_task(app, "annual-receipts") == "nothing done for 2025: another run of this year is in progress"
    assert _recaps(app) == []
    assert run_task(app, "annual-receipts").startswith("1 annual receipt(s) issued for 2025")
