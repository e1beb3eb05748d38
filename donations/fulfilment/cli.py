"""`flask stripe …`: catching up with what Stripe knows."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from donations.clock import PARIS, utcnow
from donations.extensions import db
from donations.fulfilment.reconcile import DEFAULT_PERIOD, reconcile
from donations.platform.stripe_api import PaymentServiceError

stripe_cli = AppGroup("stripe", help="Stripe: catching up with what Stripe knows.")


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
        summary = reconcile(db.session, current_app.extensions["stripe_client"], start)
    except PaymentServiceError as error:
        raise click.ClickException(f"Stripe could not list its events: {error.user_message}") from error
    for event in summary.applied:
        click.echo(f"applied  {event.stripe_id}  {event.type}  (created {event.created:%Y-%m-%d %H:%M:%S} UTC)")
    for event in summary.failed:
        click.echo(f"FAILED   {event.stripe_id}  {event.type}: {event.error}", err=True)
    for event in summary.rejected:
        # Malformed or naming another donation's objects: recorded, never applied; a retry cannot help.
        click.echo(f"REJECTED {event.stripe_id}  {event.type}: {event.error}", err=True)
    click.echo(
        f"{summary.listed} events listed, {summary.already_known} already known, {len(summary.applied)} applied, "
        f"{len(summary.failed)} failed ({len(summary.ignored)} recorded as ignored)"
    )
    if summary.failed:
        # Stripe retries them too; a later run (or retry) applies them once the cause is fixed.
        click.get_current_context().exit(1)
