"""Views of the public pages: parse the query, call the domain, render."""

from __future__ import annotations

from flask import current_app, render_template, request

from donations.amounts import parse_visitor_amount
from donations.i18n import euros_input
from donations.models import DonationKind
from donations.public import bp
from donations.widget import default_amount, net_cost, presets
from receipts.money import format_euros


def _requested_kind() -> DonationKind:
    try:
        return DonationKind(request.args.get("kind", ""))
    except ValueError:
        return DonationKind.ONE_OFF


@bp.get("/")
def landing():  # type: ignore[no-untyped-def]
    """The dystonia article with the donation widget beside it."""
    config = current_app.config
    kind = _requested_kind()
    amount, _error = parse_visitor_amount(request.args.get("amount"), config["DONATION_MAX_CENTS"])
    if amount is None or amount < config["DONATION_MIN_CENTS"]:
        amount = default_amount(kind, config)
    all_presets = presets(config)
    return render_template(
        "public/index.html",
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
    )


@bp.get("/donate")
def donate():  # type: ignore[no-untyped-def]
    """The donation form (the next step of the project); for now, says it is coming."""
    config = current_app.config
    kind = _requested_kind()
    chosen = request.args.get("amount", "")
    if chosen == "other":
        chosen = request.args.get("other_amount", "")
    amount, error = parse_visitor_amount(chosen, config["DONATION_MAX_CENTS"])
    figures = net_cost(kind, amount, config) if amount else None
    return render_template("public/donate_soon.html", kind=kind, amount_cents=amount, error=error, figures=figures)
