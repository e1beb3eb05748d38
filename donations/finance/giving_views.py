"""Back-office pages of the giving extras: campaigns (report, create, edit) and tribute gifts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from donations.extensions import db
from donations.finance import audit
from donations.finance.access import client_ip, signed_in_staff, staff_required
from donations.finance.campaign_forms import CampaignForm
from donations.finance.giving_reports import campaign_report, tribute_report
from donations.finance.views import bp
from donations.giving import campaigns
from donations.models import StaffRole
from donations.platform.locale import euros_input

FINANCE = StaffRole.FINANCE


@bp.get("/campaigns")
@staff_required(FINANCE)
def campaigns_report():  # type: ignore[no-untyped-def]
    """Each campaign's raised sum, donors, goal, fees covered and gifts by source."""
    return render_template("finance/campaigns.html", lines=campaign_report(db.session))


def _save(form: CampaignForm, campaign=None):  # type: ignore[no-untyped-def]
    try:
        saved = campaigns.save_campaign(db.session, form.details(), slug=form.slug.data, campaign=campaign)
    except campaigns.CampaignError:
        db.session.rollback()
        form.slug.errors = [*form.slug.errors, _("A campaign with this address exists already.")]
        return None
    audit.record(
        db.session,
        signed_in_staff(),
        audit.CAMPAIGN_SAVED,
        ("campaign", saved.slug),
        client_ip(),
        {"title": saved.title, "goal_cents": saved.goal_cents, "created": campaign is None},
    )
    db.session.commit()
    return saved


@bp.route("/campaigns/new", methods=["GET", "POST"])
@staff_required(FINANCE)
def campaign_new():  # type: ignore[no-untyped-def]
    """Create a campaign; its page is /c/<slug>."""
    form = CampaignForm()
    form.creating = True
    if request.method == "POST":
        if form.validate() and _save(form) is not None:
            flash(_("Campaign saved."), "ok")
            return redirect(url_for("finance.campaigns_report"), 303)
        return render_template("finance/campaign_form.html", form=form, campaign=None), 400
    return render_template("finance/campaign_form.html", form=form, campaign=None)


@bp.route("/campaigns/<slug>/edit", methods=["GET", "POST"])
@staff_required(FINANCE)
def campaign_edit(slug: str):  # type: ignore[no-untyped-def]
    """Change a campaign's title, text, image, goal, dates or amounts (its address stays)."""
    campaign = campaigns.find_campaign(db.session, slug)
    if campaign is None:
        abort(404)
    if request.method == "POST":
        form = CampaignForm()
        if form.validate() and _save(form, campaign) is not None:
            flash(_("Campaign saved."), "ok")
            return redirect(url_for("finance.campaigns_report"), 303)
        return render_template("finance/campaign_form.html", form=form, campaign=campaign), 400
    form = CampaignForm(obj=campaign)
    form.goal.data = euros_input(campaign.goal_cents)
    return render_template("finance/campaign_form.html", form=form, campaign=campaign)


@bp.get("/tributes")
@staff_required(FINANCE)
def tributes():  # type: ignore[no-untyped-def]
    """Gifts made in memory or in honour of someone: totals per person named, then each gift's donor."""
    return render_template("finance/tributes.html", lines=tribute_report(db.session))
