"""Views of the public pages: parse the request, call the domain, render."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import stripe
from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError, OperationalError

from donations.clock import utcnow
from donations.config import tax_rules_from
from donations.extensions import db
from donations.finance.offline_gifts import service_is_live
from donations.giving import altcha_challenge, checkout_limits
from donations.giving import operations as giving
from donations.giving.amounts import parse_visitor_amount
from donations.giving.announced_transfers import announce_transfer
from donations.giving.forms import DonationForm
from donations.giving.giving_extras import (
    embed_token_for,
    extras_from,
    fee_estimates,
    fee_formulas_for_page,
    widget_extras,
)
from donations.giving.widget import default_amount, ifi_year_today, net_cost, presets
from donations.models import Donation, DonationChannel, DonationKind, DonationStatus, DonorIdentity, DonorType
from donations.money import format_euros
from donations.platform.locale import current_language, euros_input
from donations.platform.security import no_store
from donations.platform.stripe_api import PaymentServiceError
from donations.platform.web import error_response
from donations.tax import ifi_ceiling_cents
from receipts.financial_year import CALENDAR_YEAR_END

log = logging.getLogger(__name__)

bp = Blueprint("public", __name__)


def _requested_kind() -> DonationKind:
    try:
        return DonationKind(request.args.get("kind", ""))
    except ValueError:
        return DonationKind.ONE_OFF


def _stripe() -> stripe.StripeClient:
    return current_app.extensions["stripe_client"]


@bp.get("/")
def landing():  # type: ignore[no-untyped-def]
    """The dystonia article with the donation widget beside it.

    Plain visits (no query but `lang`, no message to flash) get the same page
    in each language: it is rendered once per language and process, then
    served as it is.
    """
    if request.args.keys() <= {"lang"} and "_flashes" not in session:
        pages = current_app.extensions.setdefault("landing_pages", {})
        # The page names the IFI year a gift counts for: a new one after the filing deadline.
        key = (current_language(), ifi_year_today(current_app.config))
        if key not in pages:
            pages[key] = _render_landing(DonationKind.ONE_OFF, None)
        html = pages[key]
    else:
        html = _render_landing(_requested_kind(), request.args.get("amount"))
    response = make_response(html)
    response.vary.add("Accept-Language")
    return response


def _render_landing(kind: DonationKind, asked_amount: str | None) -> str:
    config = current_app.config
    amount, _error = parse_visitor_amount(asked_amount, config["DONATION_MAX_CENTS"])
    if amount is None or amount < config["DONATION_MIN_CENTS"]:
        amount = default_amount(kind, config)
    all_presets = presets(config)
    return render_template(
        "giving/index.html",
        kind=kind,
        kinds=list(DonationKind),
        amount_cents=amount,
        presets=all_presets,
        preset_choices={
            k.value: [{"value": euros_input(c), "label": format_euros(c)} for c in amounts]
            for k, amounts in all_presets.items()
        },
        is_preset=amount in all_presets[kind],
        figures=net_cost(kind, amount, config),
        **widget_extras(amount, request.args),
    )


def _embedded() -> bool:
    """Whether the form is the embedded one (/embed/donate), framed by a campaign site."""
    return request.blueprint == "public" and (request.endpoint or "").startswith("public.embed_")


def _render_form(form: DonationForm, status: int = 200, problem: str | None = None, challenge: bool | None = None):  # type: ignore[no-untyped-def]
    config = current_app.config
    kind = DonationKind(form.kind.data) if form.kind.data in DonationKind._value2member_map_ else DonationKind.ONE_OFF
    amount, _error = parse_visitor_amount(form.amount.data, config["DONATION_MAX_CENTS"])
    fees = form.fees_cents(amount) if amount else 0
    figures = (
        net_cost(kind, amount + fees, config, company=form.is_company, **form.ceiling_figures()) if amount else None
    )
    if challenge is None:
        challenge = checkout_limits.challenge_required(
            checkout_limits.current_rules(), request.remote_addr, form.email.data
        )
    ceiling = ifi_ceiling_cents(tax_rules_from(config))
    page = render_template(
        "giving/donate.html",
        form=form,
        figures=figures,
        problem=problem,
        challenge=challenge,
        ifi_ceiling=ceiling,
        fees_cents=fees,
        fee_estimates=fee_estimates(amount),
        gift_cents=amount,
        embedded=_embedded(),
        fee_formulas=fee_formulas_for_page(),
        embed_token=embed_token_for(form),
        rules=tax_rules_from(config),
        ifi_year=ifi_year_today(config),
    )
    response = make_response(page, status)
    # A form sent back holds what the donor typed (name, address, email): no cache keeps it.
    return no_store(response) if request.method == "POST" else response


@bp.get("/donate/challenge")
def donation_challenge():  # type: ignore[no-untyped-def]
    """A fresh proof-of-work challenge for the form's ALTCHA widget (JSON, never cached)."""
    response = jsonify(altcha_challenge.new_challenge(current_app.config, utcnow()))
    response.headers["Cache-Control"] = "no-store"
    return response


def _admission_answer(form: DonationForm, decision: checkout_limits.Decision):  # type: ignore[no-untyped-def]
    """The answer when the form may not open a checkout yet: the challenge, or 429 until the limit resets."""
    if decision.admission is checkout_limits.Admission.REFUSED:
        minutes = max(1, -(-decision.retry_after // 60))
        body, status = error_response(
            429,
            ngettext(
                "Too many donation attempts came from your connection or with your email address. Nothing was charged. "
                "Please try again in %(num)d minute.",
                "Too many donation attempts came from your connection or with your email address. Nothing was charged. "
                "Please try again in %(num)d minutes.",
                minutes,
            ),
        )
        response = make_response(body, status)
        response.headers["Retry-After"] = str(decision.retry_after)
        return response
    if decision.admission is checkout_limits.Admission.CHALLENGE:
        return _render_form(
            form,
            429,
            _(
                "One more step before payment: please complete the check below, then send the form again. Your details are kept."
            ),
            challenge=True,
        )
    return _render_form(
        form,
        400,
        _("The check below did not succeed or has expired. Please complete it again, then send the form."),
        challenge=True,
    )


@bp.get("/donate")
def donate():  # type: ignore[no-untyped-def]
    """The donation form, prefilled from the widget's `kind` and `amount`."""
    form = DonationForm(formdata=None)
    form.kind.data = _requested_kind().value
    chosen = request.args.get("amount", "")
    if chosen == "other":
        chosen = request.args.get("other_amount", "")
    amount, _error = parse_visitor_amount(chosen, current_app.config["DONATION_MAX_CENTS"])
    form.amount.data = euros_input(amount) if amount else ""
    if request.args.get("donor_type") == DonorType.COMPANY.value and form.kind.data != DonationKind.IFI.value:
        form.donor_type.data = DonorType.COMPANY.value
    form.submission_token.data = secrets.token_urlsafe(24)
    form.prefill_extras(request.args)
    return _render_form(form)


@bp.post("/donate")
def donate_submit():  # type: ignore[no-untyped-def]
    """Record the pending donation and send the donor to Stripe Checkout (303)."""
    form = DonationForm()
    if not form.validate():
        if form.submission_token.errors:
            form.submission_token.data = secrets.token_urlsafe(24)  # so that sending the form again works
        return _render_form(form, 400)
    try:
        return _give(form)
    except OperationalError:
        # The database is away: nothing was recorded, so the donor gets back what they typed to send again.
        db.session.rollback()
        log.exception("donation form not recorded: the database is unavailable")
        return _render_form(
            form,
            503,
            _(
                "Your gift could not be recorded just now. The details you typed are kept below: please send the form again in a few minutes."
            ),
        )


def _announce_transfer(gift: giving.GiftRequest) -> Any:
    """Record the gift the donor will pay by transfer (once, whatever the double submits) and show how."""
    donation = giving.donation_for_submission(db.session, gift.submission_token)
    if donation is None:
        try:
            donation = announce_transfer(
                db.session, gift, tax_rules_from(current_app.config), service_is_live(current_app.config)
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the same form sent twice at once: the other request recorded it
            donation = giving.donation_for_submission(db.session, gift.submission_token)
            if donation is None:
                raise
    if donation.channel != DonationChannel.TRANSFER:
        abort(409)
    return redirect(url_for("public.transfer", public_id=donation.public_id), 303)


def _give(form: DonationForm):  # type: ignore[no-untyped-def]
    """Record the valid form's donation (or find it again) and open its checkout."""
    gift = _gift_from(form)
    if form.payment.data == "transfer":
        return _announce_transfer(gift)
    donation = giving.donation_for_submission(db.session, gift.submission_token)
    if donation is None or not donation.checkout_url:
        # Only a new Checkout Session is counted and may be held back; a repeat gets its own again.
        decision = checkout_limits.admit_checkout(
            current_app.config, checkout_limits.current_rules(), request.remote_addr, gift.donor.email, form.altcha.data
        )
        if decision.admission is not checkout_limits.Admission.OPEN:
            return _admission_answer(form, decision)
    try:
        if donation is not None:
            giving.check_same_gift(donation, gift)
        else:
            donation = _record(gift)
    except giving.DuplicateSubmission:
        form.submission_token.data = secrets.token_urlsafe(24)
        return _render_form(
            form, 409, _("This form was already sent for another gift. Please check the amount and send it again.")
        )
    if donation.status != DonationStatus.PENDING:
        return redirect(url_for("public.thanks", public_id=donation.public_id), 303)
    try:
        url = giving.open_checkout(
            db.session, donation, _stripe(), _links(donation), current_app.config["SEPA_DEBIT_MAX_CENTS"]
        )
        db.session.commit()
    except PaymentServiceError:
        db.session.rollback()
        log.exception("donation %s: no checkout session", donation.public_id)
        return _render_form(
            form,
            503,
            _("The payment service cannot be reached right now. Your details are kept; please try again in a moment."),
        )
    return redirect(url, 303)


def _record(gift: giving.GiftRequest) -> Donation:
    """Save the pending donation before calling Stripe, so nothing is lost if Stripe fails."""
    rules = tax_rules_from(current_app.config)
    livemode = bool(current_app.config.get("STRIPE_LIVE_MODE"))
    try:
        donation = giving.start_donation(db.session, gift, rules, livemode)
        db.session.commit()
        return donation
    except IntegrityError:
        # The same form sent twice at once: the other request recorded it first.
        db.session.rollback()
        donation = giving.donation_for_submission(db.session, gift.submission_token)  # type: ignore[assignment]
        if donation is None:
            raise
        giving.check_same_gift(donation, gift)
        return donation


def _gift_from(form: DonationForm) -> giving.GiftRequest:
    company = form.is_company
    identity = DonorIdentity(
        donor_type=DonorType(form.donor_type.data).value,
        first_name=(form.first_name.data or "").strip(),
        last_name=(form.last_name.data or "").strip(),
        address_line1=(form.address_line1.data or "").strip(),
        address_line2=(form.address_line2.data or "").strip(),
        postal_code=(form.postal_code.data or "").strip(),
        city=(form.city.data or "").strip(),
        country=form.country.data or "FR",
        company_name=(form.company_name.data or "").strip() if company else "",
        legal_form=(form.legal_form.data or "").strip() if company else "",
        siren=(form.siren.data or "") if company else "",
    )
    details = giving.DonorDetails(
        identity=identity,
        email=form.email.data or "",
        locale=current_language(),
        financial_year_end=form.year_end if company else CALENDAR_YEAR_END,
    )
    assert form.amount_cents is not None
    extras = extras_from(form)
    return giving.GiftRequest(
        kind=DonationKind(form.kind.data),
        amount_cents=form.amount_cents + extras.fees_covered_cents,
        extras=extras,
        donor=details,
        submission_token=form.submission_token.data or secrets.token_urlsafe(24),
        ifi_split=bool(form.ifi_split.data) and form.kind.data == DonationKind.IFI.value,
    )


def _links(donation: Donation) -> giving.CheckoutLinks:
    foundation = current_app.config["FOUNDATION_NAME"]
    thanks = url_for("public.thanks", public_id=donation.public_id, _external=True)
    # In the donation's language, not the request's: a retry of the same checkout in another
    # language must send Stripe the same parameters as the first try (one idempotency key).
    with force_locale(donation.donor.locale or "fr"):
        return _checkout_links(donation, foundation, thanks)


def _checkout_links(donation: Donation, foundation: str, thanks: str) -> giving.CheckoutLinks:
    return giving.CheckoutLinks(
        success_url=thanks + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=url_for("public.cancelled", public_id=donation.public_id, _external=True),
        product_name=_("Monthly gift to %(name)s", name=foundation)
        if donation.kind == DonationKind.MONTHLY
        else _("Gift to %(name)s", name=foundation),
        description=_("Gift %(id)s", id=donation.public_id),
    )


def _donation_or_404(public_id: str) -> Donation:
    donation = db.session.scalars(db.select(Donation).where(Donation.public_id == public_id)).first()
    if donation is None:
        abort(404)
    return donation


@bp.get("/donate/cancelled/<public_id>")
def cancelled(public_id: str):  # type: ignore[no-untyped-def]
    """The donor left Stripe's page: nothing was taken; offer the form again."""
    donation = _donation_or_404(public_id)
    return render_template("giving/cancelled.html", donation=donation)
