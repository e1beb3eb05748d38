"""The questions page (the reduction, its ceilings, IFI, companies, receipts) and what the
public pages show beside the widget: the IFI deadline, the presets' impact, the trust labels."""

from __future__ import annotations

from flask import current_app, render_template

from donations.config import tax_rules_from
from donations.giving import tax_explained
from donations.giving.views import bp
from donations.platform.locale import current_language, euros_input, format_day
from donations.tax import Scheme, tax_reduction


@bp.app_template_global("ifi_deadline_text")
def ifi_deadline_text() -> str:
    """The filing deadline of the IFI year a gift made today counts for (a global: imported macros see it)."""
    _year, deadline = tax_explained.ifi_deadline(current_app.config)
    return format_day(deadline)


@bp.app_context_processor
def _explained() -> dict[str, object]:
    config = current_app.config
    logo = str(config.get("FOUNDATION_LOGO") or "")
    impacts = tax_explained.impacts_for(config, current_language())
    return {
        "preset_impacts": impacts,
        "preset_impacts_by_value": {euros_input(cents): text for cents, text in impacts.items()},
        "trust_labels": tax_explained.trust_labels(config),
        "foundation_logo": logo,
        "foundation_logo_is_url": logo.startswith(("https://", "http://", "/")),
        "related_url": config.get("ARTICLE_RELATED_URL") or "",
    }


@bp.get("/questions")
def questions():  # type: ignore[no-untyped-def]
    """Short answers on the tax reduction, its ceilings and carry-over, IFI, companies and receipts."""
    config = current_app.config
    year, deadline = tax_explained.ifi_deadline(config)
    rules = tax_rules_from(config)
    example = tax_reduction(Scheme.INCOME_TAX, 10_000, rules)
    return render_template("giving/questions.html", rules=rules, ifi_year=year, ifi_deadline=deadline, example=example)
