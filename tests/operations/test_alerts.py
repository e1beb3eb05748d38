"""`flask operations alerts`: each condition emails the admins once, through a real SMTP server
(aiosmtpd), is not repeated while it holds, and is emailed again after it cleared and came back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
from flask import Flask

from donations.clock import PARIS, utcnow
from donations.extensions import db
from donations.models import AlertState, AnnualBatchRun, BatchRunStatus, EventOutcome, Receipt, StripeEvent
from donations.operations.alert_conditions import within_traffic_hours
from donations.receipting import batch_runs
from tests.support.mailbox import Mailbox, smtp_settings

ADMINS = "admin@fondation.example, astreinte@fondation.example"


@pytest.fixture
def alerting(make_app: Callable[..., Flask], smtp: tuple[Mailbox, int]) -> Flask:
    return make_app(
        ALERT_EMAILS=ADMINS,
        ALERT_TRAFFIC_HOURS="0-24",
        ALERT_WEBHOOK_SILENCE_MINUTES="30",
        ALERT_UNSENT_RECEIPT_MINUTES="60",
        **smtp_settings(smtp),
    )


def run(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["operations", "alerts"])
    assert result.exit_code == 0, result.output
    return result.output


def store_event(app: Flask, outcome: EventOutcome = EventOutcome.APPLIED, age: dt.timedelta = dt.timedelta()) -> str:
    with app.app_context():
        event = StripeEvent(
            stripe_id=f"evt_{outcome.value}_{utcnow().timestamp()}",
            type="invoice.paid",
            created=utcnow() - age,
            payload={},
            outcome=outcome,
            attempts=1,
            received_at=utcnow() - age,
        )
        db.session.add(event)
        db.session.commit()
        return event.stripe_id


def subjects(mailbox: Mailbox) -> list[str]:
    return [str(message["Subject"]) for message in mailbox.messages]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_failed_events_are_emailed_once_then_again_after_clearing_and_coming_back(
    alerting: Flask, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    store_event(alerting)  # traffic flows: no silence
    assert "failed_events    OK" in run(alerting)
    failed = store_event(alerting, EventOutcome.FAILED)

    assert "ALERT, emailed" in run(alerting)
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "[Dons] Événements Stripe en échec : 1 en attente"
    assert message["To"] == ADMINS
    assert "n'ont pas pu être appliqués" in text_of(message) and "À vérifier" in text_of(message)
    assert "flask stripe reconcile" in text_of(message)

    assert "ALERT, already emailed" in run(alerting)
    assert len(mailbox.wait_for(2, timeout=0.3)) == 1

    with alerting.app_context():  # a retry applied it
        db.session.execute(sa.update(StripeEvent).where(StripeEvent.stripe_id == failed).values(outcome="applied"))
        db.session.commit()
    assert "OK (cleared)" in run(alerting)
    assert len(mailbox.messages) == 1

    store_event(alerting, EventOutcome.FAILED)
    run(alerting)
    assert subjects(mailbox) == ["[Dons] Événements Stripe en échec : 1 en attente"] * 2


def test_a_webhook_silence_during_expected_traffic_is_emailed_once(alerting: Flask, smtp: tuple[Mailbox, int]) -> None:
    mailbox, _ = smtp
    store_event(alerting, age=dt.timedelta(hours=2))
    run(alerting)
    run(alerting)
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "[Dons] Aucun événement Stripe reçu depuis 30 minutes"
    assert "heure de Paris" in text_of(message) and "/healthz" in text_of(message)
    assert len(mailbox.wait_for(2, timeout=0.3)) == 1

    store_event(alerting)  # events arrive again
    run(alerting)
    with alerting.app_context():
        db.session.execute(sa.update(StripeEvent).values(received_at=utcnow() - dt.timedelta(hours=1)))
        db.session.commit()
    run(alerting)
    assert subjects(mailbox) == ["[Dons] Aucun événement Stripe reçu depuis 30 minutes"] * 2


def test_receipts_owed_an_email_too_long_are_emailed_once_and_clear_once_sent(
    alerting: Flask, smtp: tuple[Mailbox, int], paid_gift: Callable[..., tuple[str, str | None, int]]
) -> None:
    mailbox, _ = smtp
    store_event(alerting)
    paid_gift()
    run(alerting)
    assert mailbox.messages == []  # issued just now: its email may still be on its way

    def issued_long_ago() -> None:
        with alerting.app_context():
            db.session.execute(sa.update(Receipt).values(issued_at=utcnow() - dt.timedelta(hours=2), emailed_at=None))
            db.session.commit()

    issued_long_ago()
    run(alerting)
    run(alerting)
    [alert] = mailbox.wait_for(1)
    assert alert["Subject"] == "[Dons] Reçus non envoyés par email : 1"
    assert "flask receipts send-pending" in text_of(alert)

    sent = alerting.test_cli_runner().invoke(args=["receipts", "send-pending"])
    assert sent.exit_code == 0, sent.output
    mailbox.wait_for(2)  # the receipt itself, to the donor
    assert "unsent_receipts  OK (cleared)" in run(alerting)

    issued_long_ago()
    run(alerting)
    assert subjects(mailbox).count("[Dons] Reçus non envoyés par email : 1") == 2
    assert len(mailbox.messages) == 3


def test_a_failed_or_stalled_january_run_is_emailed_once_until_a_run_succeeds(
    alerting: Flask, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    store_event(alerting)
    with alerting.app_context():
        run_id = batch_runs.start_run(db.session, 2025, chunks=3)
        batch_runs.count_chunk(db.session, run_id, issued=500)
        db.session.commit()
        batch_runs.record_failure(db.session, run_id, RuntimeError("disk full"))
    run(alerting)
    run(alerting)
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "[Dons] L'émission des reçus annuels 2025 a échoué"
    body = text_of(message)
    assert "1 lot(s) terminé(s) sur 3" in body and "500 reçu(s) émis" in body and "disk full" in body
    assert "flask receipts annual --year 2025" in body

    assert alerting.test_cli_runner().invoke(args=["receipts", "annual", "--year", "2025"]).exit_code == 0
    assert "annual_batch     OK (cleared)" in run(alerting)
    with alerting.app_context():  # a later run whose process was killed: still "running" half a day later
        db.session.execute(sa.update(AnnualBatchRun).values(started_at=utcnow() - dt.timedelta(days=1)))
        stalled = batch_runs.start_run(db.session, 2025, chunks=2)
        db.session.execute(
            sa.update(AnnualBatchRun)
            .where(AnnualBatchRun.id == stalled)
            .values(started_at=utcnow() - dt.timedelta(hours=13))
        )
        db.session.commit()
    run(alerting)
    assert subjects(mailbox) == ["[Dons] L'émission des reçus annuels 2025 a échoué"] * 2
    assert "sans donner de raison" in text_of(mailbox.messages[-1])


def test_the_january_batch_records_its_run(alerting: Flask) -> None:
    assert alerting.test_cli_runner().invoke(args=["receipts", "annual", "--year", "2025"]).exit_code == 0
    with alerting.app_context():
        [recorded] = db.session.scalars(sa.select(AnnualBatchRun)).all()
        assert (recorded.year, recorded.status, recorded.chunks, recorded.finished_at is not None) == (
            2025,
            BatchRunStatus.SUCCEEDED,
            0,
            True,
        )


def test_without_alert_emails_nothing_is_sent_and_nothing_is_marked(
    make_app: Callable[..., Flask], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    app = make_app(ALERT_TRAFFIC_HOURS="0-24", **smtp_settings(smtp))
    store_event(app, EventOutcome.FAILED)
    output = run(app)
    assert "ALERT_EMAILS is not set" in output and "nobody to email" in output
    assert mailbox.wait_for(1, timeout=0.3) == []
    with app.app_context():
        assert db.session.scalars(sa.select(AlertState).where(AlertState.raised.is_(True))).all() == []


def test_an_alert_that_cannot_be_sent_is_sent_by_the_next_run(
    make_app: Callable[..., Flask], smtp: tuple[Mailbox, int]
) -> None:
    mailbox, _ = smtp
    down = make_app(ALERT_EMAILS=ADMINS, MAIL_SERVER="127.0.0.1", MAIL_PORT="9", MAIL_TIMEOUT="2")
    store_event(down)
    store_event(down, EventOutcome.FAILED)
    result = down.test_cli_runner().invoke(args=["operations", "alerts"])
    assert result.exit_code == 1 and "the email FAILED" in result.output
    up = make_app(ALERT_EMAILS=ADMINS, DATABASE_URL=down.config["SQLALCHEMY_DATABASE_URI"], **smtp_settings(smtp))
    run(up)
    assert subjects(mailbox) == ["[Dons] Événements Stripe en échec : 1 en attente"]


def test_the_expected_traffic_hours_are_paris_time() -> None:
    def at(hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime(2026, 12, 1, hour, minute, tzinfo=PARIS)

    day = (8, 22)
    assert within_traffic_hours(at(9), at(13), day)
    assert within_traffic_hours(at(18), at(22), day)
    assert not within_traffic_hours(at(7, 30), at(11, 30), day)  # began before 8h
    assert not within_traffic_hours(at(20), at(22, 30), day)
    assert not within_traffic_hours(at(21) - dt.timedelta(days=1), at(9), day)  # over the night
    assert within_traffic_hours(at(21) - dt.timedelta(days=1), at(9), (0, 24))
    # 13h UTC is 14h in Paris in December: within 08-22 whatever the server's zone.
    assert within_traffic_hours(
        dt.datetime(2026, 12, 1, 7, 30, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, 13, tzinfo=dt.UTC), day
    )
