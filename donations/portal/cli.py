"""`flask donations purge-personal-data`: personal data past its retention (GDPR)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from donations.clock import utcnow
from donations.extensions import db
from donations.platform import stripe_api
from donations.portal import operations


@click.command("purge-personal-data")
@with_appcontext
def purge_personal_data_command() -> None:
    """Remove personal data past its retention: expired sign-in links, old Stripe event payloads,
    donors without a gift for six years (the receipts' retention). Run it daily; safe to run twice."""
    try:
        report = operations.purge_personal_data(
            db.session,
            current_app.extensions["stripe_client"],
            utcnow(),
            current_app.config["EVENT_PAYLOAD_RETENTION_DAYS"],
        )
    except stripe_api.PaymentServiceError as error:
        db.session.rollback()
        raise click.ClickException(f"nothing purged: {error}") from error
    db.session.commit()
    click.echo(
        f"{report.sign_ins_deleted} sign-in link(s) deleted, {report.events_scrubbed} Stripe event payload(s) scrubbed, "
        f"{report.donors_erased} inactive donor(s) erased, {report.gift_identities_erased} gift identit(ies) erased."
    )
