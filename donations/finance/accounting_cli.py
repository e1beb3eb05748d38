"""`flask accounting …`: the year's FEC for the accountant and the tax office."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from donations.extensions import db
from donations.finance.fec import books_and_receipts
from donations.finance.fec_stream import fec_chunks
from donations.finance.ledger import Chart
from donations.money import format_euros

accounting_cli = AppGroup("accounting", help="Accounting: the FEC of a year.")


@accounting_cli.command("fec")
@click.option(
    "--year", type=click.IntRange(2000, 2100), required=True, help="The calendar year (1 January to 31 December)."
)
@click.option(
    "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True, help="The file to write."
)
@click.option(
    "--include-test", is_flag=True, default=False, help="Count Stripe test-mode money too (a rehearsal, never to file)."
)
def fec_command(year: int, output: Path, include_test: bool) -> None:
    """Write the FEC of YEAR (art. A47 A-1 LPF): every gift, fee, payout, refund and lost dispute."""
    chart = Chart.from_config(current_app.config)
    newlines = 0
    try:
        with output.open("wb") as file:
            for chunk in fec_chunks(db.session, chart, year, include_test):
                file.write(chunk)
                newlines += chunk.count(b"\n")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror or error}") from error
    check = books_and_receipts(db.session, chart, year, include_test)
    click.echo(f"{newlines - 1} line(s) written to {output}.")
    click.echo(
        f"Gifts {format_euros(check.revenue_cents)}, reversed {format_euros(check.reversals_cents)}, "
        f"art. 222 bis receipts {format_euros(check.declared_cents)}; unexplained difference {format_euros(check.unexplained_cents)}."
    )
