"""`flask receipts …`: the January recaps, the art. 222 bis figures, emails still owed."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from donations.extensions import db
from donations.money import format_euros
from donations.receipting import batch as annual_batch
from donations.receipting.emails import catch_up
from donations.receipting.pdfs import receipt_store
from donations.receipting.storage_check import StorageProblem, repair, verify_storage
from receipts.annual import YearNotEnded
from receipts.declaration import declaration_for

receipts_cli = AppGroup("receipts", help="Tax receipts: annual recaps, declaration, emails, stored PDFs.")


@receipts_cli.command("annual")
@click.option(
    "--year",
    type=int,
    required=True,
    help="The year recapped: the calendar year, or for a company the financial year ending in it.",
)
@click.option("--email/--no-email", default=True, help="Email each recap (default) or leave it to `send-pending`.")
def annual_command(year: int, email: bool) -> None:
    """Issue the annual recap of every monthly donor for YEAR (safe to run again).

    An individual's recap covers the calendar year YEAR; a company's covers its
    financial year ending in YEAR (for a year ending 30/06: 1 July YEAR-1 to
    30 June YEAR), so a recap never straddles two of its financial years. YEAR
    must have ended (Paris time), so every financial year recapped has too.

    With Celery workers (CELERY_BROKER_URL) the donors are queued by chunks, and
    the workers draw and email the recaps in parallel; without, they are issued,
    drawn and emailed here, chunk by chunk, with a progress bar. Recaps a stopped
    run issued but did not email are handed over again.
    """
    try:
        due, waiting = annual_batch.plan(year)
    except YearNotEnded as error:
        raise click.ClickException(str(error)) from error
    if email and (left := annual_batch.undelivered(year)):  # issued by a run that stopped before emailing them
        annual_batch.hand_over(left)
        click.echo(f"{len(left)} recap(s) issued earlier handed over again to be drawn and emailed.")
    if current_app.extensions.get("celery") is not None:
        queued = annual_batch.queue_for_workers(year, due, email)
        click.echo(f"{len(due)} donor(s) queued for {year} in {queued} chunk(s) for the workers.")
    else:
        with click.progressbar(length=len(due), label=f"Annual recaps {year}", file=sys.stderr) as bar:

            def progress(parts):  # type: ignore[no-untyped-def]
                for part in parts:
                    yield part
                    bar.update(len(part))

            issued = annual_batch.run_inline(year, due, email, progress)
        click.echo(f"{issued} annual receipt(s) issued for {year}.")
    if waiting:
        click.echo(f"{len(waiting)} donor(s) wait for a payment still being processed; run again once it settles.")


@receipts_cli.command("declaration")
@click.option("--year", type=int, required=True, help="The year the receipts were issued.")
@click.option("--include-specimens", is_flag=True, help="Count SPECIMEN (test-mode) receipts too, for a rehearsal.")
def declaration_command(year: int, include_specimens: bool) -> None:
    """The art. 222 bis figures of YEAR: receipts issued and amounts, by article."""
    figures = declaration_for(db.session, year, include_specimens=include_specimens)
    left_out = (
        "SPECIMEN receipts included"
        if include_specimens
        else f"{figures.specimens_left_out} SPECIMEN receipt(s) excluded"
    )
    click.echo(f"Art. 222 bis CGI — receipts issued in {year} (cancelled receipts excluded, {left_out})")
    for line in figures.lines:
        click.echo(f"  article {line.article:<8} {line.count:>8} receipt(s)  {format_euros(line.amount_cents):>20}")
    click.echo(f"  {'total':<16} {figures.count:>8} receipt(s)  {format_euros(figures.amount_cents):>20}")


@receipts_cli.command("send-pending")
def send_pending_command() -> None:
    """Draw and store the receipt PDFs that failed, sign again with a timestamp those signed while the
    TSA was down, then send the receipt emails and cancellation notices still owed (after an SMTP
    outage or a storage failure)."""
    owed = catch_up()
    if owed.stored or owed.failing:
        click.echo(f"{owed.stored} receipt PDF(s) drawn and stored, {owed.failing} still failing.")
    if owed.timestamped or owed.untimestamped:
        click.echo(
            f"{owed.timestamped} receipt PDF(s) signed again with a timestamp, {owed.untimestamped} still without."
        )
    click.echo(f"{owed.sent} email(s) sent, {owed.pending} still pending.")
    if not owed.done:
        sys.exit(1)


@receipts_cli.command("verify-storage")
@click.option("--year", type=int, default=None, help="Only the receipts numbered in this year (default: all).")
@click.option("--repair", "fix", is_flag=True, help="Draw each missing or altered PDF again from its snapshot.")
def verify_storage_command(year: int | None, fix: bool) -> None:
    """Check each stored receipt PDF against its recorded sha256 (after a restore, or trouble with
    RECEIPTS_DIR); a line per file missing or altered; exit 1 while one is left."""
    bad: list[StorageProblem] = []

    def tell(problem: StorageProblem) -> None:
        kind, _, detail = problem.problem.partition(": ")
        click.echo(f"{kind.upper():<10}  {problem.number}" + (f": {detail}" if detail else ""))
        bad.append(problem)  # only the problems are kept, never the files

    check = verify_storage(db.session, receipt_store(), tell, year=year)
    click.echo(
        f"{check.checked} stored PDF(s) checked, {check.matching} match their hash, {check.problems} problem(s)"
        f" ({check.not_drawn} receipt(s) not drawn yet)"
    )
    left = len(bad)
    if fix and bad:
        left = 0
        for problem in bad:
            why = repair(db.session, problem.receipt_id)
            db.session.commit()
            if why:
                left += 1
                click.echo(f"NOT REPAIRED  {problem.number}: {why}", err=True)
            else:
                click.echo(f"repaired  {problem.number}  (drawn again from its snapshot)")
    if left:
        sys.exit(1)
