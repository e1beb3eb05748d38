"""`flask receipts …`: the January recaps, the art. 222 bis figures, emails still owed."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from donations.extensions import db
from donations.mail import send_pending
from donations.receipting import ReceiptEffects, issuing_context
from receipts.annual import donors_due, donors_waiting, issue_recap_for_donor
from receipts.declaration import declaration_for
from receipts.money import format_euros

receipts_cli = AppGroup("receipts", help="Tax receipts: annual recaps, declaration, emails.")


@receipts_cli.command("annual")
@click.option("--year", type=int, required=True, help="The calendar year of the monthly gifts.")
def annual_command(year: int) -> None:
    """Issue the annual recap of every monthly donor for YEAR (safe to run again)."""
    waiting = donors_waiting(db.session, year)
    due = [donor_id for donor_id in donors_due(db.session, year) if donor_id not in waiting]
    issued = 0
    total = 0
    effects = ReceiptEffects()
    with click.progressbar(due, label=f"Annual recaps {year}", file=sys.stderr) as donors:
        for donor_id in donors:
            result = issue_recap_for_donor(db.session, donor_id, year, issuing_context())
            db.session.commit()
            if result is not None:
                effects.issued.append(result)
                issued += 1
                total += result.receipt.amount_cents
                effects.after_commit()
    click.echo(f"{issued} annual receipt(s) issued for {year}, {format_euros(total)} in all.")
    if waiting:
        click.echo(f"{len(waiting)} donor(s) wait for a payment still being processed; run again once it settles.")


@receipts_cli.command("declaration")
@click.option("--year", type=int, required=True, help="The year the receipts were issued.")
def declaration_command(year: int) -> None:
    """The art. 222 bis figures of YEAR: receipts issued and amounts, by article."""
    figures = declaration_for(db.session, year)
    click.echo(f"Art. 222 bis CGI — receipts issued in {year} (cancelled receipts excluded)")
    for line in figures.lines:
        click.echo(f"  article {line.article:<8} {line.count:>8} receipt(s)  {format_euros(line.amount_cents):>20}")
    click.echo(f"  {'total':<16} {figures.count:>8} receipt(s)  {format_euros(figures.amount_cents):>20}")


@receipts_cli.command("send-pending")
def send_pending_command() -> None:
    """Send the receipt emails and cancellation notices still owed (after an SMTP outage)."""
    sent, pending = send_pending()
    click.echo(f"{sent} email(s) sent, {pending} still pending.")
    if pending:
        sys.exit(1)
