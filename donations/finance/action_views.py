"""Back-office actions: each one a confirmation page (GET) and its form (POST), audited.

The view parses the form, calls one function of `donations.finance.actions`,
commits, then runs what must follow the commit (emails, stored PDFs).
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from donations.extensions import db
from donations.finance.access import client_ip, signed_in_staff, staff_required
from donations.finance.actions import (
    ActionRefused,
    Actor,
    cancel_monthly,
    cancel_with_reason,
    request_refund,
    resend_receipt,
)
from donations.finance.forms import CancelMonthlyForm, CancelReceiptForm, RefundForm, ResendForm
from donations.finance.views import bp
from donations.models import Donation, Payment, Receipt, StaffRole, receipt_payment
from donations.money import format_euros
from donations.platform import jobs
from donations.platform.locale import euros_input
from donations.receipting.emails import send_receipt_email
from donations.receipting.service import issuing_context

FINANCE = StaffRole.FINANCE


def _actor() -> Actor:
    return Actor(signed_in_staff(), client_ip())  # type: ignore[arg-type]  # staff_required guarantees one


def _receipt_or_404(number: str) -> Receipt:
    receipt = db.session.scalars(select(Receipt).where(Receipt.number == number)).first()
    if receipt is None:
        abort(404)
    return receipt


def _donation_of(receipt: Receipt) -> Donation | None:
    """The donation a receipt belongs to (an annual recap's first), to go back to its page."""
    return db.session.scalars(
        select(Donation)
        .join(Payment, Payment.donation_id == Donation.id)
        .join(receipt_payment, receipt_payment.c.payment_id == Payment.id)
        .where(receipt_payment.c.receipt_id == receipt.id)
        .order_by(Payment.id)
    ).first()


def _back_to(donation: Donation | None) -> Any:
    target = url_for("finance.donation", public_id=donation.public_id) if donation else url_for("finance.donations")
    return redirect(target, 303)


def _refused(error: ActionRefused, template: str, **context: Any) -> Any:
    db.session.rollback()
    flash(str(error.message), "error")
    return render_template(template, **context), 409


@bp.route("/receipts/<number>/resend", methods=["GET", "POST"])
@staff_required(FINANCE)
def resend(number: str):  # type: ignore[no-untyped-def]
    """Email the receipt to the donor again (queued; its date shows once it is really sent)."""
    receipt = _receipt_or_404(number)
    form = ResendForm()
    donation = _donation_of(receipt)
    if request.method == "POST" and form.validate():
        try:
            resend_receipt(db.session, receipt, _actor())
        except ActionRefused as error:
            return _refused(error, "finance/resend.html", form=form, receipt=receipt, donation=donation)
        db.session.commit()
        jobs.enqueue(send_receipt_email, receipt.id)
        flash(_("The email of receipt no. %(number)s is queued for sending.", number=receipt.number), "ok")
        return _back_to(donation)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/resend.html", form=form, receipt=receipt, donation=donation), status


@bp.route("/receipts/<number>/cancel", methods=["GET", "POST"])
@staff_required(FINANCE)
def cancel_receipt(number: str):  # type: ignore[no-untyped-def]
    """Cancel a receipt with a reason; a replacement is issued for the amount kept, if any."""
    receipt = _receipt_or_404(number)
    form = CancelReceiptForm()
    donation = _donation_of(receipt)
    context = {"form": form, "receipt": receipt, "donation": donation}
    if request.method == "POST" and form.validate():
        try:
            effects = cancel_with_reason(
                db.session, receipt, form.reason.data.strip(), form.kept_cents, issuing_context(), _actor()
            )
        except ActionRefused as error:
            return _refused(error, "finance/cancel_receipt.html", **context)
        replacement = effects.issued[0].receipt.number if effects.issued else None
        db.session.commit()
        effects.after_commit()
        if replacement:
            flash(
                _(
                    "Receipt no. %(number)s is cancelled and replaced by no. %(new)s.",
                    number=receipt.number,
                    new=replacement,
                ),
                "ok",
            )
        else:
            flash(_("Receipt no. %(number)s is cancelled.", number=receipt.number), "ok")
        return _back_to(donation)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/cancel_receipt.html", **context), status


@bp.route("/payments/<int:payment_id>/refund", methods=["GET", "POST"])
@staff_required(FINANCE)
def refund(payment_id: int):  # type: ignore[no-untyped-def]
    """Refund all or part of a payment through Stripe; receipts follow Stripe's webhook."""
    payment = db.session.get(Payment, payment_id)
    if payment is None:
        abort(404)
    form = RefundForm()
    if request.method == "GET":
        form.amount.data = euros_input(payment.kept_cents)
        form.token.data = secrets.token_urlsafe(24)
    context = {"form": form, "payment": payment, "donation": payment.donation}
    if request.method == "POST" and form.validate():
        try:
            request_refund(
                db.session,
                current_app.extensions["stripe_client"],
                payment,
                form.amount_cents,  # type: ignore[arg-type]
                form.token.data,
                _actor(),
            )  # type: ignore[arg-type]
        except ActionRefused as error:
            return _refused(error, "finance/refund.html", **context)
        db.session.commit()
        flash(
            _(
                "Refund of %(amount)s requested from Stripe. The payment and its receipt change when Stripe confirms it.",
                amount=format_euros(form.amount_cents),
            ),
            "ok",
        )
        return _back_to(payment.donation)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/refund.html", **context), status


@bp.route("/donations/<public_id>/cancel-monthly", methods=["GET", "POST"])
@staff_required(FINANCE)
def stop_monthly(public_id: str):  # type: ignore[no-untyped-def]
    """Stop a monthly gift (cancels its Stripe subscription; the webhook marks it stopped)."""
    donation = db.session.scalars(select(Donation).where(Donation.public_id == public_id)).first()
    if donation is None:
        abort(404)
    form = CancelMonthlyForm()
    if request.method == "POST" and form.validate():
        try:
            cancel_monthly(db.session, current_app.extensions["stripe_client"], donation, _actor())
        except ActionRefused as error:
            return _refused(error, "finance/cancel_monthly.html", form=form, donation=donation)
        db.session.commit()
        flash(_("Stop requested from Stripe. The gift's status changes when Stripe confirms it."), "ok")
        return _back_to(donation)
    status = 400 if request.method == "POST" else 200
    return render_template("finance/cancel_monthly.html", form=form, donation=donation), status
