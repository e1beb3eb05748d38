"""/finance: the back office of finance staff (sign-in, donations, receipts, exports, actions, audit)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask_babel import format_date, format_datetime

from donations.finance import wording
from donations.finance.access import refuse_unmarked_views
from donations.finance.labels import label
from donations.platform.security import no_store

bp = Blueprint("finance", __name__, url_prefix="/finance")
bp.before_request(refuse_unmarked_views)
bp.after_request(no_store)  # donors' data, receipts and exports


@bp.app_template_filter("finance_time")
def finance_time(instant: dt.datetime | None) -> str:
    """A date and time in the configured zone (Europe/Paris), in the reader's language."""
    return format_datetime(instant, "short") if instant else ""


@bp.app_template_filter("finance_month")
def finance_month(day: dt.date, short: bool = False) -> str:
    """A month as a chart labels it: "nov. 2026" ("nov." when short)."""
    return format_date(day, "MMM" if short else "MMM yyyy")


bp.add_app_template_global(label, "finance_label")
bp.add_app_template_global(wording.donation_title, "donation_title")
bp.add_app_template_global(wording.stop_monthly_title, "stop_monthly_title")
bp.add_app_template_global(wording.status_with_reason, "status_with_reason")

from donations.finance import action_views, failed_views, staff_views, views  # noqa: E402,F401  (routes register on import)
