"""`flask finance …`: the back office's figures (the dashboard's daily rollups recomputed from the payments)."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup

from donations.extensions import db
from donations.finance.rollups import rebuild

finance_cli = AppGroup("finance", help="The back office's figures: the dashboard's daily rollups.")


@finance_cli.command("rebuild-rollups")
@click.option(
    "--from",
    "since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The first Paris day to recompute (YYYY-MM-DD; its month and year too). All days without it.",
)
def rebuild_rollups_command(since: dt.datetime | None) -> None:
    """Recompute the daily rollups from the succeeded payments, in one transaction."""
    rebuilt = rebuild(db.session, since.date() if since else None)
    db.session.commit()
    click.echo(
        f"{rebuilt.days} day row(s) and {rebuilt.donor_periods} donor period row(s) rebuilt"
        f" ({rebuilt.book_rows} accounting row(s))."
    )
    click.echo(f"{rebuilt.monthly_donor_months} month(s) of monthly donors rebuilt.")
