"""Operators' commands: `flask --app wsgi <group> <command>`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from donations import giving
from donations.clock import utcnow
from donations.extensions import db

donations_cli = AppGroup("donations", help="Donations: housekeeping.")


@donations_cli.command("expire")
def expire_command() -> None:
    """Expire pending donations whose Stripe checkout closed unpaid."""
    count = giving.expire_abandoned(db.session, current_app.extensions["stripe_client"], utcnow())
    db.session.commit()
    click.echo(f"{count} pending donation(s) expired.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(donations_cli)
