"""`flask staff …`: back-office accounts from the command line (the first admin, a lost password)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from donations.extensions import db
from donations.finance import audit
from donations.finance.staff import (
    StaffError,
    all_staff,
    check_password_strength,
    create_staff,
    set_password,
    staff_by_email,
)
from donations.models import StaffRole

staff_cli = AppGroup("staff", help="Back-office staff accounts.")


def _prompt_password(email: str) -> str:
    # Asked twice and never echoed, so it appears neither on screen nor in the shell history.
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_password_strength(password, email)
    except StaffError as error:
        raise click.ClickException(str(error)) from error
    return password


@staff_cli.command("create")
@click.option("--email", required=True, help="The staff member's email, used to sign in.")
@click.option("--role", type=click.Choice([r.value for r in StaffRole]), required=True, help="finance or admin.")
def create_command(email: str, role: str) -> None:
    """Create an account; the password is asked twice, hidden."""
    if staff_by_email(db.session, email) is not None:
        raise click.ClickException(f"An account already exists for {email.strip().lower()}.")
    password = _prompt_password(email)
    try:
        staff = create_staff(db.session, email, StaffRole(role), password)
    except StaffError as error:
        raise click.ClickException(str(error)) from error
    audit.record(db.session, None, audit.STAFF_CREATED, staff, None, {"role": role, "by": "command line"})
    db.session.commit()
    click.echo(f"Account created: {staff.email} ({role}).")


@staff_cli.command("set-password")
@click.option("--email", required=True, help="The account's email.")
def set_password_command(email: str) -> None:
    """Give an account a new password (asked twice, hidden); a deactivated account stays deactivated."""
    staff = staff_by_email(db.session, email)
    if staff is None:
        raise click.ClickException(f"No account for {email}.")
    set_password(staff, _prompt_password(staff.email))
    audit.record(db.session, None, audit.PASSWORD_SET, staff, None, {"by": "command line"})
    db.session.commit()
    click.echo(f"Password changed for {staff.email}.")


@staff_cli.command("list")
def list_command() -> None:
    """Every account with its role and state."""
    for staff in all_staff(db.session):
        state = "active" if staff.active else "deactivated"
        click.echo(f"{staff.email:<40} {staff.role.value:<8} {state}")
