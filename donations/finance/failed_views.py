"""The page of failed payments waiting, opened from the dashboard's count."""

from __future__ import annotations

from flask import render_template

from donations.extensions import db
from donations.finance.access import staff_required
from donations.finance.failed_payments import LISTED, failed_waiting
from donations.finance.views import bp
from donations.models import StaffRole


@bp.get("/payments/failed")
@staff_required(StaffRole.FINANCE)
def failed_payments():  # type: ignore[no-untyped-def]
    """Each failed payment still waiting, with its gift, donor and amount."""
    return render_template("finance/failed_payments.html", failed=failed_waiting(db.session), listed=LISTED)
