"""`flask gifts import FILE`: offline gifts from a CSV file; `flask bank import STATEMENT`: a bank statement."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from donations.extensions import db
from donations.finance import audit
from donations.finance.bank_statements import StatementUnreadable, import_statement, read_statement
from donations.finance.offline_gifts import recording_now
from donations.finance.offline_import import describe, import_gifts, receipt_number_of
from donations.money import format_euros

gifts_cli = AppGroup("gifts", help="Gifts received by cheque, transfer or cash.")


@gifts_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Record the gifts of FILE (CSV, UTF-8, ';') and issue their receipts: all of them, or none when a line is bad.
    A gift already recorded is reported and skipped, so importing a file twice records nothing new."""
    now = recording_now()
    with force_locale("en"):  # an operator's command speaks English, as the others do
        report = import_gifts(
            db.session,
            file.read_bytes(),
            today=now.today,
            rules=now.rules,
            ctx=now.ctx,
            livemode=now.livemode,
            staff=None,
            ip=None,
            source=file.name,
            wait_for_deposit=now.cheques_wait_for_deposit,
        )
        errors = [(line, str(message)) for line, message in report.errors]
    if not report.ok:
        db.session.rollback()
        for line, message in errors:
            click.echo(f"line {line}: {message}" if line else message, err=True)
        raise click.ClickException(f"nothing recorded: {len(report.errors)} line(s) to correct in {file.name}")
    audit.record(db.session, None, audit.OFFLINE_GIFTS_IMPORTED, None, None, {"file": file.name, **describe(report)})
    recorded = [(line, payment, receipt_number_of(db.session, payment)) for line, payment in report.recorded]
    skipped = [(line, payment.donation.public_id) for line, payment in report.skipped]
    db.session.commit()
    report.effects.after_commit()
    for line, _payment, number in recorded:
        click.echo(
            f"line {line}: recorded, receipt {number}"
            if number
            else f"line {line}: recorded, receipt when the cheque is deposited"
        )
    for line, public_id in skipped:
        click.echo(f"line {line}: already recorded (donation {public_id}), skipped")
    click.echo(f"{len(recorded)} gift(s) recorded, {len(skipped)} already recorded and skipped.")


bank_cli = AppGroup("bank", help="The foundation's bank account: statements and the transfers they pay.")


@bank_cli.command("import")
@click.argument("statement", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def bank_import_command(statement: Path) -> None:
    """Read STATEMENT (camt.053 XML or CSV), record and receipt the announced transfers it pays (matched by
    reference and amount), and list the other credits for finance to match by hand. Safe to run twice."""
    try:
        credits = read_statement(statement.read_bytes())
    except StatementUnreadable as error:
        raise click.ClickException(f"{statement.name}: {error}") from error
    report = import_statement(db.session, credits, statement.name, recording_now(), None, None)
    matched = [
        (c.booked_on, c.amount_cents, c.reference, receipt_number_of(db.session, c.payment))
        for c in report.matched
        if c.payment
    ]
    unmatched = [(c.booked_on, c.amount_cents, c.reference, c.debtor_name) for c in report.unmatched]
    db.session.commit()
    report.effects.after_commit()
    for day, cents, reference, number in matched:
        click.echo(f"matched    {day}  {format_euros(cents):>14}  {reference}  receipt {number}")
    for day, cents, reference, debtor in unmatched:
        click.echo(f"to match   {day}  {format_euros(cents):>14}  {reference}  {debtor}")
    click.echo(
        f"{len(credits)} credit(s) read: {len(matched)} matched and receipted, {len(unmatched)} to match by hand "
        f"in the back office, {report.known} already imported."
    )
