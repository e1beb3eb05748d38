"""`flask operations …`: the operators' alert emails, run by the schedule every few minutes."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from donations.clock import utcnow
from donations.extensions import db
from donations.operations.alerts import run_alerts
from donations.operations.settings import alert_recipients

operations_cli = AppGroup("operations", help="Operations: the alert emails to the admins.")


@operations_cli.command("alerts")
def alerts_command() -> None:
    """Email ALERT_EMAILS each alert that newly holds (once until it clears); exit 1 when one could not be sent."""
    result = run_alerts(db.session, current_app.config, utcnow())
    recipients = alert_recipients(current_app.config)
    for finding in result.findings:
        if finding.holds is None:
            state = "UNKNOWN (outside the expected traffic hours)"
        elif not finding.holds:
            state = "OK" + (" (cleared)" if finding.condition in result.cleared else "")
        elif finding.condition in result.sent:
            state = "ALERT, emailed"
        elif finding.condition in result.already_sent:
            state = "ALERT, already emailed"
        elif finding.condition in result.failed:
            state = "ALERT, the email FAILED"
        else:
            state = "ALERT, nobody to email (ALERT_EMAILS is empty)"
        click.echo(f"{finding.condition:<16} {state}" + (f": {finding.summary}" if finding.holds else ""))
    if not recipients:
        click.echo("ALERT_EMAILS is not set: no alert is emailed.")
    if result.failed:
        click.get_current_context().exit(1)
