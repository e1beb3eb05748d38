"""`flask stripe …`: catching up with what Stripe knows."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from donations.clock import PARIS, utcnow
from donations.extensions import db
from donations.fulfilment import stripe_check, stripe_setup
from donations.fulfilment.events import Delivery
from donations.fulfilment.reconcile import DEFAULT_PERIOD, ReconciledEvent, reconcile
from donations.platform.stripe_api import PaymentServiceError

stripe_cli = AppGroup("stripe", help="Stripe: setting the account up, checking it, catching up with what Stripe knows.")


def _tell(event: ReconciledEvent) -> None:
    if event.delivery == Delivery.APPLIED:
        click.echo(f"applied  {event.stripe_id}  {event.type}  (created {event.created:%Y-%m-%d %H:%M:%S} UTC)")
    elif event.delivery == Delivery.FAILED:
        click.echo(f"FAILED   {event.stripe_id}  {event.type}: {event.error}", err=True)
    elif event.delivery == Delivery.REJECTED:
        # Malformed or naming another donation's objects: recorded, never applied; a retry cannot help.
        click.echo(f"REJECTED {event.stripe_id}  {event.type}: {event.error}", err=True)


@stripe_cli.command("reconcile")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="First day (Paris time) of the events to check; default: the last 30 days (all Stripe keeps).",
)
def reconcile_command(since: dt.datetime | None) -> None:
    """Apply the Stripe events the webhook never received. Safe to run at any time, and twice."""
    start = since.replace(tzinfo=PARIS) if since else utcnow() - DEFAULT_PERIOD
    try:
        # Each event is told as it is passed on: a long run shows its progress and keeps no list.
        summary = reconcile(db.session, current_app.extensions["stripe_client"], start, on_event=_tell)
    except PaymentServiceError as error:
        raise click.ClickException(f"Stripe could not list its events: {error.user_message}") from error
    click.echo(
        f"{summary.listed} events listed, {summary.already_known} already known, {summary.applied} applied, "
        f"{summary.failed_count} failed ({summary.ignored} recorded as ignored)"
    )
    if summary.failed_count:
        # Stripe retries them too; a later run (or retry) applies them once the cause is fixed.
        click.get_current_context().exit(1)


@stripe_cli.command("setup")
@click.option(
    "--url", required=True, help="The webhook's public address, such as https://dons.example.org/stripe/webhook."
)
@click.option(
    "--privacy-url", default=None, help="The foundation's privacy policy, linked from Stripe's billing portal."
)
@click.option("--terms-url", default=None, help="The foundation's terms, linked from Stripe's billing portal.")
def setup_command(url: str, privacy_url: str | None, terms_url: str | None) -> None:
    """Create or update the webhook endpoint and the billing portal configuration; print the settings to set."""
    try:
        report = stripe_setup.set_up_stripe(
            current_app.extensions["stripe_client"], current_app.config, url, privacy_url, terms_url
        )
    except stripe_setup.SetupError as error:
        raise click.UsageError(str(error)) from error
    except PaymentServiceError as error:
        raise click.ClickException(f"nothing more was set up: {error}") from error
    for line in stripe_setup.report_lines(report, current_app.config):
        click.echo(line)


@stripe_cli.command("check")
@click.option("--url", default=None, help="The webhook's public address (default: PUBLIC_BASE_URL + /stripe/webhook).")
def check_command(url: str | None) -> None:
    """Report, a line each, what is right (OK) and wrong (PROBLEM) with the Stripe set-up; exit 1 on a problem."""
    address = url or stripe_setup.default_webhook_url(current_app.config)
    findings = stripe_check.check_stripe(
        current_app.extensions["stripe_client"], db.session, current_app.config, address, utcnow()
    )
    for finding in findings:
        click.echo(finding.line())
    problems = sum(not f.ok for f in findings)
    click.echo(f"{len(findings) - problems} OK, {problems} PROBLEM")
    if problems:
        click.get_current_context().exit(1)
