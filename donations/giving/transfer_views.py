"""Giving by bank transfer: the pending gift recorded, then the page with the foundation's bank details."""

from __future__ import annotations

from flask import abort, current_app, make_response, render_template
from sqlalchemy import select

from donations.extensions import db
from donations.giving.announced_transfers import CARD_LIMIT_CENTS, instructions_for
from donations.giving.views import bp
from donations.models import Donation, DonationChannel
from donations.platform.security import no_store

# The donation form says above which amount a gift comes by transfer.
bp.add_app_template_global(CARD_LIMIT_CENTS, "card_limit")  # type: ignore[arg-type]


@bp.get("/donate/transfer/<public_id>")
def transfer(public_id: str):  # type: ignore[no-untyped-def]
    """The foundation's IBAN and BIC, the amount and the reference to write on the transfer."""
    donation = db.session.scalars(
        select(Donation).where(Donation.public_id == public_id, Donation.channel == DonationChannel.TRANSFER)
    ).first()
    if donation is None or not donation.transfer_reference:
        abort(404)
    page = render_template(
        "giving/transfer.html", donation=donation, transfer=instructions_for(donation, current_app.config)
    )
    return no_store(make_response(page))
