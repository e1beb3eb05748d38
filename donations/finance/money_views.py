"""Back-office pages about the money itself: Stripe payouts and the gifts in each, the FEC of a
year with its agreement with the art. 222 bis totals (read from the accounting rollups; the FEC itself
is written only for its download, streamed), and the reports with their charts.

Every download is recorded in the audit trail (and committed) before its first byte is sent.
"""

from __future__ import annotations

from flask import Response, abort, current_app, make_response, render_template, request, stream_with_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.finance import audit
from donations.finance.access import client_ip, signed_in_staff, staff_required
from donations.finance.books_rollups import books_of_year
from donations.finance.charts import bar_chart
from donations.finance.exports import stream_csv
from donations.finance.fec import fec_file_name
from donations.finance.fec_stream import fec_chunks
from donations.finance.forms import YearForm
from donations.finance.ledger import Chart
from donations.finance.report_labels import DESCRIPTIONS, TITLES, csv_rows, series_label
from donations.finance.reports import NAMES, report
from donations.finance.views import bp
from donations.models import Payment, Payout, PayoutLine, StaffRole
from donations.platform.web import error_response

FINANCE = StaffRole.FINANCE
PAYOUTS_SHOWN = 100


def _year() -> int:
    form = YearForm(formdata=request.args)
    if not form.validate():
        abort(make_response(error_response(400, _("Please give a year such as 2026."))))
    return form.year.data or paris_date(utcnow()).year


def _with_test_money() -> bool:
    return request.args.get("test") == "1"


def _audit_download(action: str, details: dict[str, object]) -> None:
    audit.record(db.session, signed_in_staff(), action, None, client_ip(), details)
    db.session.commit()


@bp.get("/payouts")
@staff_required(FINANCE)
def payouts():  # type: ignore[no-untyped-def]
    """Stripe's payouts, latest first, with how many gifts each brought to the bank."""
    counts = (
        select(PayoutLine.payout_id, func.count(PayoutLine.payment_id.distinct()).label("gifts"))
        .group_by(PayoutLine.payout_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Payout, func.coalesce(counts.c.gifts, 0))
        .outerjoin(counts, counts.c.payout_id == Payout.id)
        .order_by(Payout.arrival_on.desc(), Payout.id.desc())
        .limit(PAYOUTS_SHOWN)
    ).all()
    return render_template("finance/payouts.html", rows=rows)


@bp.get("/payouts/<stripe_payout_id>")
@staff_required(FINANCE)
def payout(stripe_payout_id: str):  # type: ignore[no-untyped-def]
    """One bank credit: each payment, refund, dispute and fee it contains, and the gift behind it."""
    found = db.session.scalars(
        select(Payout)
        .where(Payout.stripe_payout_id == stripe_payout_id)
        .options(selectinload(Payout.lines).selectinload(PayoutLine.payment).selectinload(Payment.donation))
    ).first()
    if found is None:
        abort(404)
    totals = {
        "amount": sum(line.amount_cents for line in found.lines),
        "fee": sum(line.fee_cents for line in found.lines),
        "net": sum(line.net_cents for line in found.lines),
    }
    return render_template("finance/payout.html", payout=found, totals=totals)


@bp.get("/accounting")
@staff_required(FINANCE)
def accounting():  # type: ignore[no-untyped-def]
    """The FEC of a year to download, and how the year's gift accounts agree with the art. 222 bis totals."""
    year = _year()
    check, accounts = books_of_year(db.session, year, _with_test_money())
    chart = Chart.from_config(current_app.config)
    return render_template(
        "finance/accounting.html", year=year, check=check, accounts=accounts, chart=chart, with_test=_with_test_money()
    )


@bp.get("/accounting/fec")
@staff_required(FINANCE)
def accounting_fec():  # type: ignore[no-untyped-def]
    """The FEC of a year (art. A47 A-1 LPF), named as the administration expects."""
    year = _year()
    _audit_download(audit.FEC_DOWNLOADED, {"year": year, "test": _with_test_money()})
    name = fec_file_name(current_app.config.get("FOUNDATION_SIREN") or "", year)
    chunks = fec_chunks(db.session, Chart.from_config(current_app.config), year, _with_test_money())
    return Response(
        stream_with_context(chunks),
        mimetype="text/plain",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@bp.get("/reports")
@staff_required(FINANCE)
def reports():  # type: ignore[no-untyped-def]
    """The year's reports, each a chart drawn here as SVG, its table of figures and a CSV download."""
    year = _year()
    shown = [(r, bar_chart(r)) for r in (report(db.session, name, year) for name in NAMES)]
    return render_template(
        "finance/reports.html",
        year=year,
        reports=shown,
        series_label=series_label,
        titles=TITLES,
        descriptions=DESCRIPTIONS,
    )


@bp.get("/reports/<name>.csv")
@staff_required(FINANCE)
def report_csv(name: str):  # type: ignore[no-untyped-def]
    """One report's figures as CSV (amounts in euros with a decimal comma)."""
    if name not in NAMES:
        abort(404)
    year = _year()
    header, rows = csv_rows(report(db.session, name, year))
    _audit_download(audit.REPORT_CSV, {"report": name, "year": year})
    return Response(
        stream_csv(header, rows),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="rapport-{name}-{year}.csv"',
            "Cache-Control": "no-store",
        },
    )
