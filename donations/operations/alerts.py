"""Alert emails to the admins (ALERT_EMAILS), from `flask operations alerts` run every few minutes.

Each condition of `alert_conditions` is emailed once when it starts to hold; while it
holds, later runs send nothing; once it clears, its state is reset, so that it is emailed
again if it comes back. The state lives in `alert_state`, one row per condition. The
alert is claimed (its row marked raised) in a commit of its own before the email goes,
so two runs at once never both send it; an email that fails unmarks it, and the next run
tries again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from donations.models import AlertState
from donations.operations.alert_conditions import Finding, findings
from donations.operations.settings import alert_recipients
from donations.platform.mail import deliver, message

log = logging.getLogger(__name__)

_STATES = AlertState.__table__


@dataclass(frozen=True)
class AlertRun:
    """What one run found and did, condition by condition."""

    findings: tuple[Finding, ...]
    sent: tuple[str, ...]
    already_sent: tuple[str, ...]
    cleared: tuple[str, ...]
    failed: tuple[str, ...]


def _ensure_state(session: Session, condition: str) -> None:
    if session.get(AlertState, condition) is not None:
        return
    session.add(AlertState(condition=condition, raised=False))
    try:
        session.commit()
    except IntegrityError:  # another run made it meanwhile
        session.rollback()


def _claim(session: Session, finding: Finding, now: dt.datetime) -> bool:
    """Mark the alert raised unless it already is; True when this run must send it."""
    claimed = session.execute(
        update(_STATES)  # type: ignore[arg-type]
        .where(_STATES.c.condition == finding.condition, _STATES.c.raised.is_(False))
        .values(raised=True, raised_at=now, detail=finding.summary[:500])
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return bool(claimed)


def _unclaim(session: Session, condition: str) -> None:
    session.rollback()
    session.execute(update(_STATES).where(_STATES.c.condition == condition).values(raised=False))  # type: ignore[arg-type]
    session.commit()


def _clear(session: Session, condition: str, now: dt.datetime) -> bool:
    cleared = session.execute(
        update(_STATES)  # type: ignore[arg-type]
        .where(_STATES.c.condition == condition, _STATES.c.raised.is_(True))
        .values(raised=False, cleared_at=now)
    ).rowcount  # type: ignore[attr-defined]
    session.commit()
    return bool(cleared)


def _send(recipients: list[str], finding: Finding) -> None:
    site = str(current_app.config.get("PUBLIC_BASE_URL") or "")
    with force_locale("fr"):
        mail = message(", ".join(recipients), finding.summary, "operations_alert", finding=finding, site=site)
    deliver(mail)


def run_alerts(session: Session, config: Mapping[str, Any], now: dt.datetime) -> AlertRun:
    """Read every condition at `now`, email the admins those that newly hold, reset those that cleared."""
    recipients = alert_recipients(config)
    with force_locale("fr"):
        found = findings(session, config, now)
    session.rollback()  # the reads end here: each change below is a commit of its own
    sent: list[str] = []
    already: list[str] = []
    cleared: list[str] = []
    failed: list[str] = []
    for finding in found:
        if finding.holds is None:
            continue
        _ensure_state(session, finding.condition)
        if not finding.holds:
            if _clear(session, finding.condition, now):
                cleared.append(finding.condition)
            continue
        if not recipients:
            continue  # nobody to tell: the state stays unraised, so the first address set gets it
        if not _claim(session, finding, now):
            already.append(finding.condition)
            continue
        try:
            _send(recipients, finding)
        except Exception:
            log.exception("the alert %s could not be emailed; the next run tries again", finding.condition)
            _unclaim(session, finding.condition)
            failed.append(finding.condition)
            continue
        log.warning("alert %s emailed to %s: %s", finding.condition, ", ".join(recipients), finding.summary)
        sent.append(finding.condition)
    return AlertRun(tuple(found), tuple(sent), tuple(already), tuple(cleared), tuple(failed))
