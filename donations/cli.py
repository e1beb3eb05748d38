"""Operators' commands: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import datetime as dt

import click
import stripe
from flask import Flask, current_app
from flask.cli import AppGroup

from donations.portal import erasure

from donations.giving import operations as giving

from donations.platform import stripe_api as payments
from donations.clock import PARIS, utcnow
from donations.extensions import db
from donations.fulfilment.reconcile import DEFAULT_PERIOD, ReconciledEvent, reconcile
from donations.fulfilment.events import Delivery

donations_cli = AppGroup("donations", help="Donations: housekeeping.")
stripe_cli = AppGroup("stripe", help="Stripe: catching up with what Stripe knows.")


@donations_cli.command("expire")
def expire_command() -> None:
    """Expire pending donations whose Stripe checkout closed unpaid."""
    count = giving.expire_abandoned(db.session, current_app.extensions["stripe_client"], utcnow())
    db.session.commit()
    click.echo(f"{count} pending donation(s) expired.")


@donations_cli.command("purge-personal-data")
def purge_personal_data_command() -> None:
    """Remove personal data past its retention: expired sign-in links, old Stripe event payloads,
    donors without a gift for six years (the receipts' retention). Run it daily; safe to run twice."""
    client = current_app.extensions["stripe_client"]
    try:
        report = erasure.purge_expired(
            db.session,
            utcnow(),
            lambda customer: payments.delete_customer(client, customer),
            event_payload_days=current_app.config["EVENT_PAYLOAD_RETENTION_DAYS"],
        )
    except payments.PaymentServiceError as error:
        db.session.rollback()
        raise click.ClickException(f"nothing purged: {error}") from error
    db.session.commit()
    click.echo(
        f"{report.sign_ins_deleted} sign-in link(s) deleted, {report.events_scrubbed} Stripe event payload(s) scrubbed, "
        f"{report.donors_erased} inactive donor(s) erased, {report.gift_identities_erased} gift identit(ies) erased."
    )


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
    except stripe.StripeError as error:
        raise click.ClickException(f"Stripe could not list its events: {error.user_message or error}") from error
    click.echo(
        f"{summary.listed} events listed, {summary.already_known} already known, {summary.applied} applied, "
        f"{summary.failed_count} failed ({summary.ignored} recorded as ignored)"
    )
    if summary.failed_count:
        # Stripe retries them too; a later run (or retry) applies them once the cause is fixed.
        click.get_current_context().exit(1)


def register_commands(app: Flask) -> None:
    app.cli.add_command(donations_cli)
    app.cli.add_command(stripe_cli)
