"""The periodic commands, defined once: what runs, when (Paris time), and the function it calls.

With CELERY_BROKER_URL set, `celery -A wsgi:celery beat` sends each entry to
the workers at its time (`beat_schedule`), and the task calls the same
function as the command. On one machine without a broker, cron runs the
commands themselves at the same times (docs/operations.md). Each is safe to run
twice or late: a run finds what is still to do and does only that.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from celery import Celery
from celery.schedules import crontab
from flask import current_app

from donations.clock import utcnow
from donations.extensions import db
from donations.fulfilment.reconcile import DEFAULT_PERIOD, reconcile
from donations.giving.operations import expire_abandoned
from donations.operations.alerts import run_alerts
from donations.platform.schedule_times import ScheduleTime
from donations.platform.stripe_api import PaymentServiceError
from donations.portal import operations as portal_operations
from donations.receipting.batch import NotJanuary, run_january_batch
from donations.receipting.emails import catch_up

log = logging.getLogger(__name__)


def expire_donations() -> str:
    """`flask donations expire`."""
    count = expire_abandoned(db.session, current_app.extensions["stripe_client"], utcnow())
    db.session.commit()
    return f"{count} pending donation(s) expired"


def send_pending_receipts() -> str:
    """`flask receipts send-pending`."""
    owed = catch_up()
    if not owed.done:
        log.warning("receipts still owed: %d PDF(s) failing, %d email(s) pending", owed.failing, owed.pending)
    return f"{owed.stored} PDF(s) stored, {owed.failing} failing; {owed.sent} email(s) sent, {owed.pending} pending"


def purge_personal_data() -> str:
    """`flask donations purge-personal-data`."""
    try:
        report = portal_operations.purge_personal_data(
            db.session,
            current_app.extensions["stripe_client"],
            utcnow(),
            current_app.config["EVENT_PAYLOAD_RETENTION_DAYS"],
        )
    except PaymentServiceError:
        db.session.rollback()  # nothing purged; the next day's run tries again
        raise
    db.session.commit()
    return (
        f"{report.sign_ins_deleted} sign-in link(s) deleted, {report.events_scrubbed} event payload(s) scrubbed, "
        f"{report.donors_erased} donor(s) erased, {report.gift_identities_erased} gift identit(ies) erased"
    )


def reconcile_stripe() -> str:
    """`flask stripe reconcile` (its default period: the last 30 days, all Stripe keeps)."""
    summary = reconcile(db.session, current_app.extensions["stripe_client"], utcnow() - DEFAULT_PERIOD)
    if summary.failed_count:
        log.warning("reconcile: %d event(s) failed; they are kept and retried", summary.failed_count)
    return (
        f"{summary.listed} events listed, {summary.already_known} already known, {summary.applied} applied, "
        f"{summary.failed_count} failed"
    )


def issue_annual_receipts() -> str:
    """`flask receipts annual --year <last year>`, every day of January (refused outside it)."""
    try:
        run = run_january_batch()
    except NotJanuary as error:
        log.warning("annual receipts refused: %s", error)
        return f"refused: {error}"
    if run.skipped:
        return f"nothing done for {run.year}: {run.skipped}"
    return f"{run.issued} annual receipt(s) issued for {run.year}, {run.waiting} donor(s) waiting for a payment"


def send_alerts() -> str:
    """`flask operations alerts`: each alert that newly holds emailed to ALERT_EMAILS, once."""
    result = run_alerts(db.session, current_app.config, utcnow())
    if result.failed:
        log.warning("alerts not emailed: %s", ", ".join(sorted(result.failed)))
    return f"{len(result.sent)} alert(s) emailed, {len(result.already_sent)} already emailed, {len(result.cleared)} cleared"


@dataclass(frozen=True)
class ScheduledCommand:
    """One periodic command: its beat entry, the command cron runs, the setting of its time."""

    name: str
    command: str
    setting: str
    run: Callable[[], str]
    january_only: bool = False

    @property
    def task_name(self) -> str:
        return f"donations.scheduled.{self.name}"


SCHEDULE: tuple[ScheduledCommand, ...] = (
    ScheduledCommand("expire-donations", "donations expire", "SCHEDULE_EXPIRE_DONATIONS", expire_donations),
    ScheduledCommand("send-pending-receipts", "receipts send-pending", "SCHEDULE_SEND_PENDING", send_pending_receipts),
    ScheduledCommand(
        "purge-personal-data", "donations purge-personal-data", "SCHEDULE_PURGE_PERSONAL_DATA", purge_personal_data
    ),
    ScheduledCommand("stripe-reconcile", "stripe reconcile", "SCHEDULE_STRIPE_RECONCILE", reconcile_stripe),
    ScheduledCommand(
        "annual-receipts",
        "receipts annual --year <last year>",
        "SCHEDULE_ANNUAL_RECEIPTS",
        issue_annual_receipts,
        january_only=True,
    ),
    ScheduledCommand("alerts", "operations alerts", "SCHEDULE_ALERTS", send_alerts),
)


def crontab_of(entry: ScheduledCommand, config: Mapping[str, Any]) -> crontab:
    """When `entry` runs, in the beat's time zone (Paris)."""
    time: ScheduleTime = config[entry.setting]
    return crontab(
        minute=f"*/{time.minute}" if time.every else time.minute,
        hour="*" if time.hour is None else time.hour,
        month_of_year=1 if entry.january_only else "*",
    )


def beat_schedule(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Celery beat's schedule: each entry at its time. A message no worker took before the next run
    is due is dropped (`expires`): after an outage each command runs once, not once per missed hour."""
    schedule = {}
    for entry in SCHEDULE:
        time: ScheduleTime = config[entry.setting]
        expires = (time.minute * 60 - 30) if time.every else 55 * 60 if time.hour is None else 23 * 3600
        schedule[entry.name] = {
            "task": entry.task_name,
            "schedule": crontab_of(entry, config),
            "options": {"expires": expires},
        }
    return schedule


def _run_and_log(entry: ScheduledCommand) -> Callable[[], str]:
    def run() -> str:
        log.info("scheduled %s: starting", entry.name)
        outcome = entry.run()
        log.info("scheduled %s: %s", entry.name, outcome)
        return outcome

    run.__name__ = run.__qualname__ = entry.run.__name__
    return run


def register_schedule(celery: Celery, config: Mapping[str, Any], instance_path: str) -> None:
    """The scheduled tasks on the Celery app, and beat's schedule in Paris time."""
    for entry in SCHEDULE:
        celery.task(name=entry.task_name, ignore_result=True, shared=False)(_run_and_log(entry))
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    celery.conf.update(
        timezone="Europe/Paris",
        beat_schedule=beat_schedule(config),
        # Beat keeps when each entry last ran here, not in the directory it was started from.
        beat_schedule_filename=f"{instance_path}/celerybeat-schedule",
    )
