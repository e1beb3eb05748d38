"""Back-office pages that read: dashboard, donations, receipts, downloads, art. 222 bis totals, audit trail.

Every download is recorded in the audit trail (and committed) before its
first byte is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, abort, make_response, render_template, request, stream_with_context
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.finance import audit, wording
from donations.finance.access import client_ip, refuse_unmarked_views, signed_in_staff, staff_required
from donations.finance.actions import pending_requests
from donations.finance.archive import Period, count_in, receipts_zip
from donations.finance.audit_trail import trail_page
from donations.finance.dashboard import dashboard as dashboard_figures
from donations.finance.exports import (
    DECLARATION_COLUMNS,
    DONATION_COLUMNS,
    RECEIPT_COLUMNS,
    declaration_rows,
    donation_rows,
    receipt_rows,
    stream_csv,
)
from donations.finance.forms import DonationFilterForm, PeriodForm, YearForm
from donations.finance.keyset import BadCursor, keyset_page
from donations.finance.labels import ACTIONS, label
from donations.models import Donation, Receipt, StaffRole, StripeEvent, receipt_payment
from donations.platform.security import no_store
from donations.platform.web import error_response
from donations.receipting.copies import receipt_copy
from donations.receipting.pdfs import receipt_unavailable
from receipts.declaration import declaration_for

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


FINANCE = StaffRole.FINANCE


def _audit_download(action: str, target: Any, details: dict[str, Any]) -> None:
    audit.record(db.session, signed_in_staff(), action, target, client_ip(), details)
    db.session.commit()


def _attachment(chunks: Iterator[bytes], mimetype: str, filename: str) -> Response:
    return Response(
        stream_with_context(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _filter_form() -> DonationFilterForm:
    form = DonationFilterForm(formdata=request.args)
    if request.args and not form.validate():
        abort(Response(render_template("finance/donations.html", form=form, results=None, query={}), 400))
    return form


def _filter_details() -> dict[str, str]:
    """The filter as the query string gave it (for links and the audit trail), without page or language."""
    return {k: v for k, v in request.args.items() if k not in ("page", "after", "before", "lang") and v}


@bp.get("/")
@staff_required(FINANCE)
def dashboard():  # type: ignore[no-untyped-def]
    """The month and the year at a glance, monthly gifts, failures waiting, webhooks."""
    now = utcnow()
    return render_template("finance/dashboard.html", figures=dashboard_figures(db.session, paris_date(now), now))


@bp.get("/donations")
@staff_required(FINANCE)
def donations():  # type: ignore[no-untyped-def]
    """The list: filtered, searched, sorted and paginated from the query string."""
    form = _filter_form()
    try:
        results = keyset_page(
            db.session, form.to_filter(), after=request.args.get("after"), before=request.args.get("before")
        )
    except BadCursor:
        abort(
            make_response(
                error_response(
                    400, _("This page link is damaged or out of date: go back to the first page of the list.")
                )
            )
        )
    return render_template("finance/donations.html", form=form, results=results, query=_filter_details())


@bp.get("/donations.csv")
@staff_required(FINANCE)
def donations_csv():  # type: ignore[no-untyped-def]
    """The donations the list's filter matches, as CSV (streamed)."""
    f = _filter_form().to_filter()
    _audit_download(audit.DONATIONS_CSV, None, _filter_details())
    return _attachment(stream_csv(DONATION_COLUMNS, donation_rows(db.session, f)), "text/csv", "dons.csv")


@bp.get("/receipts.csv")
@staff_required(FINANCE)
def receipts_csv():  # type: ignore[no-untyped-def]
    """The receipts of the donations the list's filter matches."""
    f = _filter_form().to_filter()
    _audit_download(audit.RECEIPTS_CSV, None, _filter_details())
    return _attachment(stream_csv(RECEIPT_COLUMNS, receipt_rows(db.session, f)), "text/csv", "recus-fiscaux.csv")


@bp.get("/donations/<public_id>")
@staff_required(FINANCE)
def donation(public_id: str):  # type: ignore[no-untyped-def]
    """One donation: donor, payments, Stripe events, receipts, and what can be done."""
    found = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).first()
    if found is None:
        abort(404)
    payment_ids = [p.id for p in found.payments]
    receipts = (
        db.session.scalars(
            select(Receipt)
            .where(
                Receipt.id.in_(
                    select(receipt_payment.c.receipt_id).where(receipt_payment.c.payment_id.in_(payment_ids))
                )
            )
            .order_by(Receipt.year, Receipt.sequence)
        ).all()
        if payment_ids
        else []
    )
    events = db.session.scalars(
        select(StripeEvent).where(StripeEvent.donation_id == found.id).order_by(StripeEvent.created, StripeEvent.id)
    ).all()
    return render_template(
        "finance/donation.html",
        donation=found,
        receipts=receipts,
        events=events,
        pending=pending_requests(db.session, found),
    )


@bp.get("/receipts/<number>.pdf")
@staff_required(FINANCE)
def receipt_pdf(number: str):  # type: ignore[no-untyped-def]
    """One receipt's PDF, as issued (drawn again from its snapshot if the file was lost); stamped "ANNULÉ"
    when the receipt is cancelled."""
    receipt = db.session.scalars(select(Receipt).where(Receipt.number == number)).first()
    if receipt is None:
        abort(404)
    pdf = receipt_copy(receipt)
    if pdf is None:
        return receipt_unavailable()
    _audit_download(audit.RECEIPT_DOWNLOADED, receipt, {})  # commits, with the hash or storage error noted
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="recu-fiscal-{number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/receipts")
@staff_required(FINANCE)
def receipts():  # type: ignore[no-untyped-def]
    """Choose a period to download its receipts as a ZIP."""
    today = paris_date(utcnow())
    asked = "date_from" in request.args or "date_to" in request.args
    form = PeriodForm(formdata=request.args if asked else None)
    if not asked:
        form.date_from.data, form.date_to.data = dt.date(today.year, 1, 1), today
    count = count_in(db.session, Period(form.date_from.data, form.date_to.data)) if form.validate() else None
    years = range(today.year, today.year - 5, -1)
    return render_template("finance/receipts.html", form=form, count=count, years=years), (
        400 if count is None else 200
    )


@bp.get("/receipts.zip")
@staff_required(FINANCE)
def receipts_archive():  # type: ignore[no-untyped-def]
    """Every receipt issued in the period (cancelled ones too, as stamped copies: the index says which), streamed."""
    form = PeriodForm(formdata=request.args)
    if not form.validate():
        return render_template("finance/receipts.html", form=form, count=None, years=()), 400
    period = Period(form.date_from.data, form.date_to.data)
    _audit_download(audit.RECEIPTS_ZIP, None, {"from": period.first.isoformat(), "to": period.last.isoformat()})
    return _attachment(
        receipts_zip(db.session, period, receipt_copy), "application/zip", f"recus-fiscaux-{period.slug}.zip"
    )


def _year() -> int:
    form = YearForm(formdata=request.args)
    if not form.validate():
        abort(400)
    return form.year.data or paris_date(utcnow()).year


@bp.get("/declaration")
@staff_required(FINANCE)
def declaration():  # type: ignore[no-untyped-def]
    """The art. 222 bis totals of a year: receipts issued and amounts, by article, cancelled ones excluded."""
    year = _year()
    figures = declaration_for(db.session, year, include_specimens=_with_specimens())
    return render_template("finance/declaration.html", declaration=figures, year=year)


def _with_specimens() -> bool:
    """Whether SPECIMEN (test-mode) receipts are counted: only when asked, for a rehearsal."""
    return request.args.get("specimens") == "1"


@bp.get("/declaration.csv")
@staff_required(FINANCE)
def declaration_csv():  # type: ignore[no-untyped-def]
    """The art. 222 bis totals of a year, as CSV."""
    year = _year()
    rows = declaration_rows(declaration_for(db.session, year, include_specimens=_with_specimens()))
    _audit_download(audit.DECLARATION_CSV, None, {"year": year, "specimens": _with_specimens()})
    return _attachment(stream_csv(DECLARATION_COLUMNS, rows), "text/csv", f"article-222-bis-{year}.csv")


@bp.get("/audit")
@staff_required(FINANCE)
def audit_log():  # type: ignore[no-untyped-def]
    """Who did what, when and from where; read-only (no route edits or deletes an entry)."""
    action = request.args.get("action") or None
    try:
        trail = trail_page(db.session, action, after=request.args.get("after"), before=request.args.get("before"))
    except BadCursor:
        abort(
            make_response(
                error_response(
                    400, _("This page link is damaged or out of date: go back to the first page of the list.")
                )
            )
        )
    return render_template("finance/audit.html", trail=trail, action=action, actions=list(ACTIONS))
