"""Back-office pages of the gifts received by the foundation itself: record, import, cancel, post, deposit.

Each view parses its form, calls one domain function, commits, then runs
what follows the commit (PDFs stored, emails sent).
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from donations.extensions import db
from donations.finance import audit
from donations.finance.access import client_ip, signed_in_staff, staff_required
from donations.finance.offline_forms import (
    CancelGiftForm,
    DepositSlipForm,
    GiftsImportForm,
    OfflineGiftForm,
    PostalBatchForm,
)
from donations.finance.offline_gifts import GiftRefused, cancel_offline_gift, record_offline_gift, recording_now
from donations.finance.offline_import import describe, import_gifts, receipt_number_of
from donations.finance.offline_papers import (
    DepositRefused,
    cheques_to_deposit,
    deposit_slip_pdf,
    make_deposit_slip,
    postal_batch,
    receipts_to_post,
    search_donors,
)
from donations.finance.views import bp
from donations.models import DepositSlip, Donor, Payment, StaffRole
from donations.receipting.pdfs import ReceiptUnavailable, receipt_unavailable
from donations.receipting.service import ReceiptEffects
from receipts.financial_year import CALENDAR_YEAR_END, shown

FINANCE = StaffRole.FINANCE


def _prefill(form: OfflineGiftForm, donor: Donor) -> None:
    for name in (
        "donor_type",
        "first_name",
        "last_name",
        "email",
        "company_name",
        "legal_form",
        "siren",
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "country",
    ):
        value = getattr(donor, name)
        getattr(form, name).data = getattr(value, "value", value) or ""
    form.financial_year_end.data = shown(donor.financial_year_end or CALENDAR_YEAR_END)
    form.donor.data = donor.public_id


def _chosen_donor(public_id: str | None) -> Donor | None:
    if not public_id:
        return None
    return db.session.scalars(select(Donor).where(Donor.public_id == public_id, Donor.erased_at.is_(None))).first()


@bp.route("/gifts/new", methods=["GET", "POST"])
@staff_required(FINANCE)
def new_gift():  # type: ignore[no-untyped-def]
    """Search the donor first, then record a gift received by cheque, transfer or cash; its receipt is issued at once."""
    form = OfflineGiftForm()
    query = (request.args.get("q") or "").strip()[:100]
    found = search_donors(db.session, query) if query else None
    chosen = _chosen_donor(request.args.get("donor") if request.method == "GET" else form.donor.data)
    if request.method == "GET" and chosen is not None:
        _prefill(form, chosen)
    context = {"form": form, "query": query, "found": found, "chosen": chosen}
    if request.method == "POST" and form.validate():
        now = recording_now()
        effects = ReceiptEffects()
        # The donor chosen by the search keeps the gift unless finance changed a person into a company (or back).
        same_kind = chosen is not None and chosen.donor_type.value == form.donor_type.data
        try:
            payment = record_offline_gift(
                db.session,
                form.gift(chosen.id if same_kind else None),  # type: ignore[union-attr]
                rules=now.rules,
                ctx=now.ctx,
                livemode=now.livemode,  # type: ignore[union-attr]
                effects=effects,
                staff=signed_in_staff(),
                ip=client_ip(),
                wait_for_deposit=now.cheques_wait_for_deposit,
            )
        except GiftRefused as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return render_template("finance/gift_new.html", existing=error.existing, **context), 409
        number = receipt_number_of(db.session, payment)
        emailed = bool(payment.donation.donor.email)
        public_id = payment.donation.public_id
        db.session.commit()
        effects.after_commit()
        if not number:
            flash(_("Gift recorded. Its receipt is issued when the cheque is deposited (the day it is cashed)."), "ok")
        elif emailed:
            flash(_("Gift recorded. Receipt no. %(number)s is issued and emailed to the donor.", number=number), "ok")
        else:
            flash(
                _(
                    "Gift recorded. Receipt no. %(number)s is issued; the donor has no email: print it with the receipts to post.",
                    number=number,
                ),
                "ok",
            )
        return redirect(url_for("finance.donation", public_id=public_id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/gift_new.html", existing=None, **context), status


@bp.route("/gifts/import", methods=["GET", "POST"])
@staff_required(FINANCE)
def import_gifts_page():  # type: ignore[no-untyped-def]
    """Upload a CSV file of gifts: every line recorded with its receipt, or none when a line is bad."""
    form = GiftsImportForm()
    if request.method == "POST" and form.validate():
        upload = form.file.data
        now = recording_now()
        report = import_gifts(
            db.session,
            upload.read(),
            today=now.today,
            rules=now.rules,
            ctx=now.ctx,
            livemode=now.livemode,
            staff=signed_in_staff(),
            ip=client_ip(),
            source=(upload.filename or "")[:100],
            wait_for_deposit=now.cheques_wait_for_deposit,
        )
        if not report.ok:
            db.session.rollback()
            return render_template("finance/gifts_import.html", form=form, report=report, numbers={}), 400
        audit.record(
            db.session,
            signed_in_staff(),
            audit.OFFLINE_GIFTS_IMPORTED,
            None,
            client_ip(),
            {"file": (upload.filename or "")[:100], **describe(report)},
        )
        numbers = {payment.id: receipt_number_of(db.session, payment) for _line, payment in report.recorded}
        db.session.commit()
        report.effects.after_commit()
        return render_template("finance/gifts_import.html", form=form, report=report, numbers=numbers)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/gifts_import.html", form=form, report=None, numbers={}), status


@bp.route("/gifts/<int:payment_id>/cancel", methods=["GET", "POST"])
@staff_required(FINANCE)
def cancel_gift(payment_id: int):  # type: ignore[no-untyped-def]
    """Cancel a gift recorded by mistake, like a refund: its receipt cancelled (kept, never deleted)."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    form = CancelGiftForm()
    context = {"form": form, "payment": payment, "donation": payment.donation}
    if request.method == "POST" and form.validate():
        try:
            effects = cancel_offline_gift(
                db.session, payment, form.reason.data.strip(), recording_now().ctx, signed_in_staff(), client_ip()
            )
        except GiftRefused as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return render_template("finance/gift_cancel.html", **context), 409
        public_id = payment.donation.public_id
        db.session.commit()
        effects.after_commit()
        flash(_("The gift is cancelled and its receipt with it."), "ok")
        return redirect(url_for("finance.donation", public_id=public_id), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/gift_cancel.html", **context), status


@bp.route("/gifts/to-post", methods=["GET", "POST"])
@staff_required(FINANCE)
def receipts_to_post_page():  # type: ignore[no-untyped-def]
    """The receipts of donors without email, and one PDF to print them all, each behind its window-envelope letter."""
    form = PostalBatchForm()
    if request.method == "POST" and form.validate():
        try:
            pdf, numbers = postal_batch(db.session, include_printed=form.include_printed.data)
        except ReceiptUnavailable:
            return receipt_unavailable()  # the problem is recorded on the receipt for finance
        if not numbers:
            flash(_("There is no receipt to post."), "error")
            return redirect(url_for("finance.receipts_to_post_page"), 303)
        audit.record(
            db.session, signed_in_staff(), audit.POSTAL_BATCH_PRINTED, None, client_ip(), {"receipts": numbers}
        )
        db.session.commit()
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={"Content-Disposition": 'attachment; filename="recus-a-poster.pdf"', "Cache-Control": "no-store"},
        )
    waiting = receipts_to_post(db.session, include_printed=False)
    return render_template(
        "finance/gifts_to_post.html", form=form, waiting=waiting
    ), 400 if request.method == "POST" else 200


@bp.route("/deposits", methods=["GET", "POST"])
@staff_required(FINANCE)
def deposits():  # type: ignore[no-untyped-def]
    """Cheques not yet deposited, grouped into a deposit slip (bordereau de remise) for the bank."""
    form = DepositSlipForm()
    if request.method == "POST" and form.validate():
        try:
            slip, effects = make_deposit_slip(
                db.session, form.deposited_on.data, signed_in_staff(), client_ip(), recording_now().ctx
            )
        except DepositRefused as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("finance.deposits"), 303)
        slip_id = slip.id
        db.session.commit()
        effects.after_commit()
        flash(_("Deposit slip made: download it and take it to the bank with the cheques."), "ok")
        return redirect(url_for("finance.deposits", made=slip_id), 303)
    slips = db.session.scalars(
        select(DepositSlip).order_by(DepositSlip.deposited_on.desc(), DepositSlip.id.desc()).limit(50)
    ).all()
    status = 400 if request.method == "POST" else 200
    return render_template(
        "finance/deposits.html", form=form, cheques=cheques_to_deposit(db.session), slips=slips
    ), status


@bp.get("/deposits/<int:slip_id>.pdf")
@staff_required(FINANCE)
def deposit_slip(slip_id: int):  # type: ignore[no-untyped-def]
    """One deposit slip as PDF."""
    slip = db.session.get(DepositSlip, slip_id)
    if slip is None:
        abort(404)
    pdf = deposit_slip_pdf(slip)
    audit.record(
        db.session, signed_in_staff(), audit.DEPOSIT_SLIP_DOWNLOADED, ("deposit_slip", slip.number), client_ip(), {}
    )
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="bordereau-{slip.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )
