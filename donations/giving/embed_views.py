"""The form other sites embed: /embed/widget.js draws the widget on their page, /embed/donate is
the form in its frame (framed only by EMBED_ALLOWED_ORIGINS; CSRF without cookies, see
donations/giving/embedding.py)."""

from __future__ import annotations

import secrets

from flask import current_app, make_response, render_template, request
from flask_babel import gettext as _

from donations.extensions import csrf, db
from donations.giving import campaigns, views
from donations.giving.embedding import embed_token_is_valid, frame_ancestors, sent_from_own_page
from donations.giving.forms import DonationForm
from donations.giving.views import bp
from donations.giving.widget import presets
from donations.models import DonationKind
from donations.money import format_euros
from donations.platform.locale import current_language, euros_input
from donations.platform.security import allow_framing, no_store
from donations.platform.web import error_response


def _framable(response):  # type: ignore[no-untyped-def]
    return allow_framing(response, current_app.config, frame_ancestors(current_app.config))


def _own_origin() -> str:
    return request.host_url.rstrip("/")


@bp.get("/embed/widget.js")
def embed_widget_script():  # type: ignore[no-untyped-def]
    """The script a campaign site includes: it draws the amounts and opens the form in a frame."""
    campaign = campaigns.find_campaign(db.session, request.args.get("campaign")) or campaigns.default_campaign(
        db.session
    )
    site_presets = presets(current_app.config)[DonationKind.ONE_OFF]
    amounts = campaigns.campaign_presets(campaign, site_presets) if campaign else site_presets
    settings = {
        "origin": _own_origin(),
        "lang": current_language(),
        "campaign": campaign.slug if campaign else "",
        "amounts": [{"value": euros_input(c), "label": format_euros(c)} for c in amounts],
        "heading": _("Give to %(name)s", name=current_app.config["FOUNDATION_NAME"]),
        "intro": _(
            "Your gift goes to %(name)s, a foundation recognised of public utility. You will receive a tax receipt.",
            name=current_app.config["FOUNDATION_NAME"],
        ),
        "amountLegend": _("Amount"),
        "other": _("Other amount, in euros"),
        "button": _("Donate"),
        "frameTitle": _("Donation form of %(name)s", name=current_app.config["FOUNDATION_NAME"]),
    }
    body = render_template("giving/embed_widget.js", settings=settings)
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")
    return response


@bp.get("/embed/donate")
def embed_donate():  # type: ignore[no-untyped-def]
    """The donation form inside a campaign site's frame, prefilled from the widget."""
    form = DonationForm(formdata=None, meta={"csrf": False})
    form.kind.data = views._requested_kind().value
    chosen = request.args.get("amount", "")
    amount, _error = views.parse_visitor_amount(chosen, current_app.config["DONATION_MAX_CENTS"])
    form.amount.data = euros_input(amount) if amount else ""
    form.submission_token.data = secrets.token_urlsafe(24)
    form.prefill_extras(request.args)
    return _framable(views._render_form(form))


@bp.post("/embed/donate")
@csrf.exempt
def embed_donate_submit():  # type: ignore[no-untyped-def]
    """The embedded form sent: checked by its own token and origin, then recorded like /donate; the
    donor continues to Stripe in the whole window (Stripe's page is never framed)."""
    if not sent_from_own_page(request.headers, [_own_origin(), current_app.config["PUBLIC_BASE_URL"]]):  # type: ignore[arg-type]
        body, status = error_response(
            403,
            _(
                "This form can only be sent from the donation page of %(name)s. Nothing was recorded.",
                name=current_app.config["FOUNDATION_NAME"],
            ),
        )
        return make_response(body, status)
    form = DonationForm(meta={"csrf": False})
    token_ok = embed_token_is_valid(
        current_app.config["SECRET_KEY"], request.form.get("embed_token", ""), form.submission_token.data or ""
    )
    if not form.validate() or not token_ok:
        if form.submission_token.errors or not token_ok:
            form.submission_token.data = secrets.token_urlsafe(24)
        problem = None if token_ok else _("This form has expired. Your details are kept below: please send it again.")
        return _framable(views._render_form(form, 400, problem))
    answer = views._give(form)
    if answer.status_code != 303:
        return _framable(answer)
    page = render_template("giving/embed_continue.html", checkout_url=answer.headers["Location"])
    return _framable(no_store(make_response(page)))
