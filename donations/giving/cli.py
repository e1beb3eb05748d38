"""`flask donations expire`: pending donations whose Stripe checkout closed unpaid."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from donations.clock import utcnow
from donations.extensions import db
from donations.giving import operations


@click.command("expire")
@with_appcontext
def expire_command() -> None:
    """Expire pending donations whose Stripe checkout closed unpaid."""
    count = operations.expire_abandoned(db.session, current_app.extensions["stripe_client"], utcnow())
    db.session.commit()
    click.echo(f"{count} pending donation(s) expired.")
