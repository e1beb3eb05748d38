"""Operators' commands, `flask --app wsgi <group> <command>`: each area's, gathered here."""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from donations.finance.accounting_cli import accounting_cli
from donations.finance.cli import staff_cli
from donations.finance.offline_cli import bank_cli, gifts_cli
from donations.finance.rollups_cli import finance_cli
from donations.fulfilment.cli import stripe_cli
from donations.giving.campaigns_cli import campaigns_cli
from donations.giving.cli import expire_command
from donations.operations.cli import operations_cli
from donations.portal.cli import purge_personal_data_command
from donations.receipting.cli import receipts_cli

donations_cli = AppGroup("donations", help="Donations: housekeeping.")
donations_cli.add_command(expire_command)
donations_cli.add_command(purge_personal_data_command)


def register_commands(app: Flask) -> None:
    for group in (
        donations_cli,
        stripe_cli,
        receipts_cli,
        staff_cli,
        accounting_cli,
        gifts_cli,
        bank_cli,
        campaigns_cli,
        operations_cli,
        finance_cli,
    ):
        app.cli.add_command(group)
