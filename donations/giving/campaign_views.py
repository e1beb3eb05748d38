"""A campaign's page, /c/<slug>: its text, its progress towards the goal, and the widget."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for

from donations.clock import paris_date, utcnow
from donations.extensions import db
from donations.giving import campaigns
from donations.giving.amounts import parse_visitor_amount
from donations.giving.giving_extras import widget_extras
from donations.giving.views import bp
from donations.giving.widget import DEFAULT_PRESET_INDEX, net_cost, presets
from donations.models import DEFAULT_CAMPAIGN_SLUG, DonationKind
from donations.money import format_euros
from donations.platform.locale import euros_input


@bp.get("/c/<slug>")
def campaign_page(slug: str):  # type: ignore[no-untyped-def]
    """The campaign's page; 404 for an unknown slug; a closed message once its end date has passed."""
    if slug == DEFAULT_CAMPAIGN_SLUG:
        # The dystonia article is the default campaign: its page is the landing page.
        return redirect(url_for("public.landing", **request.args), 301)  # type: ignore[arg-type]
    if not campaigns.SLUG.match(slug):
        abort(404)
    campaign = campaigns.find_campaign(db.session, slug)
    if campaign is None:
        abort(404)
    config = current_app.config
    today = paris_date(utcnow())
    all_presets = presets(config)
    all_presets[DonationKind.ONE_OFF] = campaigns.campaign_presets(campaign, all_presets[DonationKind.ONE_OFF])
    kind = DonationKind.ONE_OFF
    amounts = all_presets[kind]
    amount, _error = parse_visitor_amount(request.args.get("amount"), config["DONATION_MAX_CENTS"])
    if amount is None or amount < config["DONATION_MIN_CENTS"]:
        amount = amounts[min(DEFAULT_PRESET_INDEX[kind], len(amounts) - 1)]
    return render_template(
        "giving/campaign.html",
        campaign=campaign,
        text_html=campaigns.campaign_html(campaign.text_markdown),
        progress=campaigns.progress_of(db.session, campaign),
        closed=campaign.is_closed(today),
        not_started=not campaign.has_started(today),
        kind=kind,
        kinds=list(DonationKind),
        amount_cents=amount,
        presets=all_presets,
        preset_choices={
            k.value: [{"value": euros_input(c), "label": format_euros(c)} for c in cents]
            for k, cents in all_presets.items()
        },
        is_preset=amount in amounts,
        figures=net_cost(kind, amount, config),
        **widget_extras(amount, request.args, campaign.slug),
    )
