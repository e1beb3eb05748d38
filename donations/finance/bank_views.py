"""Back office: the bank credits no announced transfer matched, for finance to match by hand."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from donations.extensions import db
from donations.finance.access import client_ip, signed_in_staff, staff_required
from donations.finance.bank_statements import credits_to_match, match_by_hand, set_aside, transfers_waiting
from donations.finance.offline_gifts import GiftRefused, recording_now
from donations.finance.offline_import import receipt_number_of
from donations.finance.views import bp
from donations.models import BankCredit, Donation, StaffRole
from donations.money import format_euros

FINANCE = StaffRole.FINANCE


class MatchForm(FlaskForm):
    """Which announced transfer a credit pays, or that it is no gift."""

    donation = SelectField(_l("Announced transfer"), validators=[Optional()])
    match = SubmitField(_l("Match"))
    aside = SubmitField(_l("Not a gift"))

    def __init__(self, waiting: list[Donation], *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.donation.choices = [SelectChoice("", "—")] + [
            SelectChoice(
                d.public_id,
                f"{d.transfer_reference} · {format_euros(d.amount_cents)} · "
                f"{d.given_identity.company_name or d.given_identity.last_name}",
            )
            for d in waiting
        ]


@bp.get("/bank")
@staff_required(FINANCE)
def bank_credits():  # type: ignore[no-untyped-def]
    """Credits of the imported statements that no announced transfer matched by reference and amount."""
    waiting = transfers_waiting(db.session)
    return render_template(
        "finance/bank.html", credits=credits_to_match(db.session), waiting=waiting, form=MatchForm(waiting)
    )


@bp.post("/bank/<int:credit_id>")
@staff_required(FINANCE)
def match_credit(credit_id: int):  # type: ignore[no-untyped-def]
    """Match a credit to an announced transfer (recorded and receipted), or set it aside."""
    credit = db.session.get(BankCredit, credit_id)
    if credit is None:
        abort(404)
    waiting = transfers_waiting(db.session)
    form = MatchForm(waiting)
    if not form.validate():
        return render_template(
            "finance/bank.html", credits=credits_to_match(db.session), waiting=waiting, form=form
        ), 400
    if form.aside.data:
        set_aside(db.session, credit, signed_in_staff(), client_ip())
        db.session.commit()
        flash(_("The credit is set aside: it is no gift."), "ok")
        return redirect(url_for("finance.bank_credits"), 303)
    donation = db.session.scalars(select(Donation).where(Donation.public_id == (form.donation.data or ""))).first()
    if donation is None:
        flash(_("Please choose the announced transfer this credit pays."), "error")
        return render_template(
            "finance/bank.html", credits=credits_to_match(db.session), waiting=waiting, form=form
        ), 400
    try:
        payment, effects = match_by_hand(db.session, credit, donation, recording_now(), signed_in_staff(), client_ip())
    except GiftRefused as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("finance.bank_credits"), 303)
    number = receipt_number_of(db.session, payment)
    public_id = donation.public_id
    db.session.commit()
    effects.after_commit()
    flash(_("Transfer received and receipt no. %(number)s issued.", number=number), "ok")
    return redirect(url_for("finance.donation", public_id=public_id), 303)
