"""Views of the donor portal: parse the request, call the domain, render."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from donations.clock import utcnow
from donations.extensions import db
from donations.giving.widget import net_cost
from donations.models import DonationKind
from donations.money import format_euros
from donations.platform import stripe_api as payments
from donations.platform.locale import euros_input
from donations.platform.security import no_store
from donations.platform.stripe_api import PaymentServiceError
from donations.portal import addresses, awaited_changes, donor_years, erasure, operations
from donations.portal import records as donor_records
from donations.portal import sign_in as portal_access
from donations.portal.forms import (
    AddressForm,
    AmountForm,
    ConfirmForm,
    EraseForm,
    StopForm,
)
from donations.receipting.copies import receipt_copy
from donations.receipting.pdfs import receipt_unavailable

log = logging.getLogger(__name__)

bp = Blueprint("portal", __name__, url_prefix="/my")
bp.after_request(no_store)  # every portal page shows a donor's data


@bp.context_processor
def _awaited_changes() -> dict[str, object]:
    """What the portal shows of a change Stripe accepted and no webhook has confirmed yet."""
    return {
        "shown_status": awaited_changes.shown_status,
        "shown_amount": awaited_changes.shown_amount,
        "awaiting_confirmation": awaited_changes.awaiting_confirmation,
    }


SESSION_LIFETIME = dt.timedelta(hours=1)


SESSION_KEYS = ("donor_email", "donor_until", "donor_sign_in")


def _forget_donor() -> None:
    for key in SESSION_KEYS:
        session.pop(key, None)


def _signed_in_email() -> str | None:
    """The signed-in donor's email while the session lasts and nobody ended it (sign-out elsewhere)."""
    email = session.get("donor_email")
    until = session.get("donor_until", 0)
    if (
        not email
        or until < utcnow().timestamp()
        or not portal_access.session_is_live(db.session, session.get("donor_sign_in"), email)
    ):
        _forget_donor()
        return None
    return email


def donor_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Pages of a signed-in donor; others are sent to ask for a link."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        email = _signed_in_email()
        if email is None:
            return redirect(url_for("portal.start"))
        return view(email, *args, **kwargs)

    return wrapped


def _stripe():  # type: ignore[no-untyped-def]
    return current_app.extensions["stripe_client"]


@bp.get("/gifts")
@donor_required
def gifts(email: str):  # type: ignore[no-untyped-def]
    donors = donor_records.donors_of(db.session, email)
    donations = sorted((g for d in donors for g in d.donations), key=lambda g: g.created_at, reverse=True)
    receipts = donor_records.receipts_of(db.session, donors)
    return render_template(
        "portal/gifts.html",
        email=email,
        donations=donations,
        receipts=receipts,
        donors=donors,
        card_update=awaited_changes.card_update_applies(donations),
        years=donor_years.summary(donations, receipts, current_app.config),
        income_tax_ceiling=current_app.config["TAX_INCOME_TAX_CEILING"],
    )


@bp.get("/receipts/<number>.pdf")
@donor_required
def receipt_pdf(email: str, number: str):  # type: ignore[no-untyped-def]
    receipt = donor_records.owned_receipt(db.session, email, number)
    if receipt is None:
        abort(404)
    pdf = receipt_copy(receipt)
    if pdf is None:
        return receipt_unavailable()
    db.session.commit()  # a first drawing records the PDF's hash (or the storage error, for finance)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="recu-fiscal-{receipt.number}.pdf"'},
    )


def _live_service() -> bool:
    return bool(current_app.config.get("STRIPE_LIVE_MODE"))


def _monthly_or_404(email: str, public_id: str):  # type: ignore[no-untyped-def]
    donation = donor_records.owned_donation(db.session, email, public_id)
    if donation is None or donation.kind != DonationKind.MONTHLY or not donation.stripe_subscription_id:
        abort(404)
    if donation.livemode != _live_service():  # its subscription lives in the other mode: unknown to this key
        abort(404)
    return donation


@bp.route("/gifts/<public_id>", methods=["GET", "POST"])
@donor_required
def monthly_gift(email: str, public_id: str):  # type: ignore[no-untyped-def]
    """A monthly gift: change its amount (from the next payment), pause, resume or stop it."""
    donation = _monthly_or_404(email, public_id)
    form = AmountForm()
    if request.method == "GET":
        form.amount.data = euros_input(awaited_changes.shown_amount(donation))
    company = donation.tax_scheme.value == "company"
    if request.method == "POST":
        if not form.validate():
            return render_template(
                "portal/monthly.html",
                donation=donation,
                form=form,
                stop_form=StopForm(formdata=None),
                confirm=ConfirmForm(),
                figures=None,
            ), 400
        try:
            operations.change_amount(db.session, _stripe(), donation, form.amount_cents)  # type: ignore[arg-type]
        except PaymentServiceError:
            db.session.rollback()
            log.exception("donation %s: the amount could not be changed", donation.public_id)
            flash(_("The payment service cannot be reached right now. Please try again in a moment."), "error")
            return redirect(url_for("portal.monthly_gift", public_id=public_id), 303)
        db.session.commit()
        figures = net_cost(DonationKind.MONTHLY, form.amount_cents, current_app.config, company=company)  # type: ignore[arg-type]
        flash(
            _(
                "From your next payment, your monthly gift will be %(amount)s, that is %(net)s after the tax reduction.",
                amount=format_euros(form.amount_cents),
                net=format_euros(figures.reduction.net_cost_cents),
            ),
            "ok",
        )
        return redirect(url_for("portal.monthly_gift", public_id=public_id), 303)
    figures = net_cost(
        DonationKind.MONTHLY, awaited_changes.shown_amount(donation), current_app.config, company=company
    )
    return render_template(
        "portal/monthly.html",
        donation=donation,
        form=form,
        stop_form=StopForm(formdata=None),
        confirm=ConfirmForm(),
        figures=figures,
    )


def _subscription_action(email: str, public_id: str, action: Callable[..., None], done: str, form: Any = None):  # type: ignore[no-untyped-def]
    donation = _monthly_or_404(email, public_id)
    form = form or ConfirmForm()
    if not form.validate():
        flash(_("Please tick the box to confirm."), "error")
        return redirect(url_for("portal.monthly_gift", public_id=public_id), 303)
    try:
        action(db.session, _stripe(), donation)
    except PaymentServiceError:
        db.session.rollback()
        log.exception("donation %s: %s failed", donation.public_id, action.__name__)
        flash(_("The payment service cannot be reached right now. Please try again in a moment."), "error")
        return redirect(url_for("portal.monthly_gift", public_id=public_id), 303)
    db.session.commit()
    flash(done, "ok")
    return redirect(url_for("portal.monthly_gift", public_id=public_id), 303)


@bp.post("/gifts/<public_id>/pause")
@donor_required
def pause(email: str, public_id: str):  # type: ignore[no-untyped-def]
    return _subscription_action(
        email, public_id, operations.pause, _("Your monthly gift is paused. You can resume it at any time.")
    )


@bp.post("/gifts/<public_id>/resume")
@donor_required
def resume(email: str, public_id: str):  # type: ignore[no-untyped-def]
    return _subscription_action(
        email, public_id, operations.resume, _("Your monthly gift resumes from the next payment.")
    )


@bp.post("/gifts/<public_id>/stop")
@donor_required
def stop(email: str, public_id: str):  # type: ignore[no-untyped-def]
    return _subscription_action(
        email, public_id, operations.stop, _("Your monthly gift is stopped. Thank you for your support."), StopForm()
    )


@bp.post("/card")
@donor_required
def update_card(email: str):  # type: ignore[no-untyped-def]
    """Send the donor to Stripe's billing portal to change their card or IBAN."""
    if not ConfirmForm().validate():
        abort(400)
    try:
        portal_url = operations.billing_portal_url(
            _stripe(),
            donor_records.donors_of(db.session, email),
            _live_service(),
            url_for("portal.gifts", _external=True),
            current_app.config.get("STRIPE_PORTAL_CONFIGURATION"),
        )
    except PaymentServiceError:
        log.exception("billing portal session failed")
        flash(_("The payment service cannot be reached right now. Please try again in a moment."), "error")
        return redirect(url_for("portal.gifts"), 303)
    if portal_url is None:
        abort(404)
    return redirect(portal_url, 303)


@bp.route("/address", methods=["GET", "POST"])
@donor_required
def address(email: str):  # type: ignore[no-untyped-def]
    """The postal address one of the donor's records prints on future receipts (`?donor=` chooses which)."""
    donors = donor_records.donors_of(db.session, email)
    form = AddressForm()
    chosen = addresses.chosen_record(donors, form.donor.data if request.method == "POST" else request.args.get("donor"))
    if chosen is None:
        abort(404)
    choices = [(d.public_id, addresses.record_label(d)) for d in donors] if len(donors) > 1 else []
    if request.method == "POST":
        if not form.validate():
            return render_template("portal/address.html", form=form, chosen=chosen, choices=choices), 400
        addresses.change_address(
            chosen,
            line1=form.address_line1.data,
            line2=form.address_line2.data or "",
            postal_code=form.postal_code.data,
            city=form.city.data,
            country=form.country.data,
        )
        db.session.commit()
        flash(
            _("Your address is updated. It will be printed on your next receipts; past receipts do not change."), "ok"
        )
        return redirect(url_for("portal.gifts"), 303)
    form = AddressForm(formdata=None, obj=chosen)
    form.donor.data = chosen.public_id
    return render_template("portal/address.html", form=form, chosen=chosen, choices=choices)


@bp.get("/data.json")
@donor_required
def data_export(email: str):  # type: ignore[no-untyped-def]
    body = json.dumps(donor_records.export(db.session, email), ensure_ascii=False, indent=2)
    return Response(
        body, mimetype="application/json", headers={"Content-Disposition": 'attachment; filename="mes-donnees.json"'}
    )


@bp.route("/erase", methods=["GET", "POST"])
@donor_required
def erase(email: str):  # type: ignore[no-untyped-def]
    """Erase the donor's personal data, except what receipts must keep (listed)."""
    form = EraseForm()
    if request.method == "POST":
        if not form.validate():
            return render_template("portal/erase.html", form=form), 400
        try:
            report = erasure.erase_donors(
                db.session,
                donor_records.donors_of(db.session, email),
                utcnow(),
                delete_customer=lambda customer: payments.delete_customer(_stripe(), customer),
            )
        except erasure.ActiveMonthlyGift:
            db.session.rollback()
            flash(_("Please stop your monthly gift first; then you can erase your data."), "error")
            return render_template("portal/erase.html", form=form), 409
        except payments.PaymentServiceError:
            db.session.rollback()
            log.exception("erasure: a Stripe customer could not be deleted")
            flash(
                _(
                    "The payment service cannot be reached right now, so nothing was erased yet. Please try again in a moment."
                ),
                "error",
            )
            return render_template("portal/erase.html", form=form), 503
        portal_access.end_sessions(db.session, email, utcnow())
        db.session.commit()
        _forget_donor()
        return render_template("portal/erased.html", report=report)
    return render_template("portal/erase.html", form=form)
