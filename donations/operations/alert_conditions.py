"""The conditions the operators' alerts watch, each read from the database at `now`.

A condition holds (True), does not (False), or cannot be told now (None: the state
of its alert is left as it is). Each comes with what to tell the admins, in French.

- webhook_silence: no Stripe event received for ALERT_WEBHOOK_SILENCE_MINUTES while
  events are expected: the whole silent stretch lies within ALERT_TRAFFIC_HOURS (Paris
  time; 08-22 by default: gifts come by day, so a quiet night is no fault). Outside those
  hours it cannot be told, unless an event came (then it holds no more).
- failed_events: at least ALERT_FAILED_EVENTS stored events failed and wait for a retry.
- unsent_receipts: at least ALERT_UNSENT_RECEIPTS issued receipts still owe their email
  more than ALERT_UNSENT_RECEIPT_MINUTES after they were issued.
- annual_batch: the last run of `flask receipts annual` failed (or one of its chunks did),
  or has been running for more than BATCH_STALLED_AFTER (its process was killed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from donations.clock import PARIS
from donations.models import BatchRunStatus
from donations.operations import figures

BATCH_STALLED_AFTER = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Finding:
    condition: str
    holds: bool | None
    summary: str = ""  # the email's subject
    what: str = ""  # what happened
    check: str = ""  # what to look at


def _paris(instant: dt.datetime) -> str:
    return instant.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


def within_traffic_hours(start: dt.datetime, end: dt.datetime, hours: tuple[int, int]) -> bool:
    """Whether every moment from `start` to `end` falls within the expected hours (Paris time)."""
    first, last = hours
    if (first, last) == (0, 24):
        return True
    begin, finish = start.astimezone(PARIS), end.astimezone(PARIS)
    if begin.date() != finish.date():
        return False  # a stretch over midnight: the night is never all expected traffic here
    return first <= begin.hour and (finish.hour < last or (finish.hour == last and finish.time() == dt.time(last)))


def webhook_silence(session: Session, config: Mapping[str, Any], now: dt.datetime) -> Finding:
    minutes = int(config["ALERT_WEBHOOK_SILENCE_MINUTES"])
    hours = config["ALERT_TRAFFIC_HOURS"]
    since = now - dt.timedelta(minutes=minutes)
    last = figures.last_event_received_at(session)
    if last is not None and last >= since:
        return Finding("webhook_silence", False)
    if not within_traffic_hours(since, now, hours):
        return Finding("webhook_silence", None)
    return Finding(
        "webhook_silence",
        True,
        _("[Donations] No Stripe event received for %(minutes)s minutes", minutes=minutes),
        (
            _(
                "No Stripe webhook event has arrived since %(last)s, while gifts are expected (%(first)sh to %(end)sh, Paris time).",
                last=_paris(last),
                first=hours[0],
                end=hours[1],
            )
            if last is not None
            else _("No Stripe webhook event has ever been received.")
        ),
        _(
            "that the service answers at /healthz, that Stripe's dashboard shows the webhook endpoint enabled and its "
            "deliveries succeeding (not failing with 400 or 500), then run `flask stripe check`."
        ),
    )


def failed_events(session: Session, config: Mapping[str, Any], now: dt.datetime) -> Finding:
    threshold = int(config["ALERT_FAILED_EVENTS"])
    count = figures.failed_events_waiting(session)
    if count < threshold:
        return Finding("failed_events", False)
    return Finding(
        "failed_events",
        True,
        _("[Donations] Stripe events failed: %(count)s waiting", count=count),
        _("%(count)s Stripe events could not be applied and wait for a retry.", count=count),
        _(
            "the errors listed on the back office's dashboard (/finance/) and in the log; once the cause is "
            "fixed, run `flask stripe reconcile` (Stripe also retries for three days)."
        ),
    )


def unsent_receipts(session: Session, config: Mapping[str, Any], now: dt.datetime) -> Finding:
    threshold = int(config["ALERT_UNSENT_RECEIPTS"])
    minutes = int(config["ALERT_UNSENT_RECEIPT_MINUTES"])
    count = figures.receipts_awaiting_email(session, issued_before=now - dt.timedelta(minutes=minutes))
    if count < threshold:
        return Finding("unsent_receipts", False)
    return Finding(
        "unsent_receipts",
        True,
        _("[Donations] Receipts not emailed: %(count)s", count=count),
        _(
            "%(count)s issued receipts have not been emailed %(minutes)s minutes after they were issued.",
            count=count,
            minutes=minutes,
        ),
        _(
            "that the mail relay (MAIL_SERVER) answers and accepts the service's login, that the Celery workers run "
            "when CELERY_BROKER_URL is set, then run `flask receipts send-pending`."
        ),
    )


def annual_batch(session: Session, config: Mapping[str, Any], now: dt.datetime) -> Finding:
    run = figures.last_annual_batch_run(session)
    if run is None:
        return Finding("annual_batch", False)
    stalled = run.status == BatchRunStatus.RUNNING and run.started_at < now - BATCH_STALLED_AFTER
    if run.status != BatchRunStatus.FAILED and not stalled:
        return Finding("annual_batch", False)
    error = run.error or _("Its process stopped without saying why.")
    return Finding(
        "annual_batch",
        True,
        _("[Donations] The annual receipts run for %(year)s failed", year=run.year),
        _(
            "The run of the annual receipts for %(year)s started on %(started)s has not finished: %(chunks_done)s of "
            "%(chunks)s chunks done, %(issued)s receipts issued. %(error)s",
            year=run.year,
            started=_paris(run.started_at),
            chunks_done=run.chunks_done,
            chunks=run.chunks,
            issued=run.issued,
            error=error[:500],
        ),
        _(
            "the log of the run (and of the Celery workers); once the cause is fixed, run `flask receipts annual "
            "--year %(year)s` again: it issues only what is missing.",
            year=run.year,
        ),
    )


CONDITIONS = (webhook_silence, failed_events, unsent_receipts, annual_batch)


def findings(session: Session, config: Mapping[str, Any], now: dt.datetime) -> list[Finding]:
    return [condition(session, config, now) for condition in CONDITIONS]
