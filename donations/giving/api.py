"""JSON endpoints other pages and programs call."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _

from donations.config import tax_rules_from
from donations.giving.amounts import parse_visitor_amount
from donations.giving.widget import MONTHS_IN_A_YEAR
from donations.money import format_euros
from donations.platform.locale import format_rate_for_language
from donations.tax import Reduction, Scheme, tax_reduction

bp = Blueprint("api", __name__, url_prefix="/api")


def _bad_request(message: str) -> tuple[Response, int]:
    """`error` names the field for programs ("amount: …"); `message` is the sentence a page shows a person."""
    field, _sep, sentence = message.partition(": ")
    return jsonify(
        error=message, field=field.strip(), message=sentence[:1].upper() + sentence[1:] if sentence else message
    ), 400


def reduction_json(reduction: Reduction) -> dict[str, object]:
    """The contract's keys plus ready-to-show French-format figures."""
    data: dict[str, object] = reduction.as_json()
    data["net_cost_display"] = format_euros(reduction.net_cost_cents)
    data["reduction_display"] = format_euros(reduction.reduction_cents)
    data["rate_display"] = format_rate_for_language(reduction.rate)
    # What counts this year when a ceiling lowered it (the rest carries forward).
    data["counted_display"] = format_euros(reduction.amount_cents - reduction.carry_forward_cents)
    return data


@bp.get("/tax-reduction")
def tax_reduction_view() -> tuple[Response, int] | Response:
    """`?amount=100.00&scheme=income_tax|ifi|company[&taxable_income=][&turnover=][&kind=monthly]`."""
    amount, error = parse_visitor_amount(request.args.get("amount"))
    if error:
        return _bad_request(f"amount: {error}")
    scheme_text = request.args.get("scheme", "")
    try:
        scheme = Scheme(scheme_text)
    except ValueError:
        return _bad_request(_("scheme: must be income_tax, ifi or company"))
    extra: dict[str, int | None] = {}
    for name in ("taxable_income", "turnover"):
        if request.args.get(name, "").strip():
            cents, error = parse_visitor_amount(request.args[name])
            if error:
                return _bad_request(f"{name}: {error}")
            extra[f"{name}_cents"] = cents
    rules = tax_rules_from(current_app.config)
    assert amount is not None
    reduction = tax_reduction(scheme, amount, rules, **extra)
    body = reduction_json(reduction)
    kind = request.args.get("kind", "")
    if kind == "monthly":
        # What a monthly donor saves over a year is computed on the year's total,
        # as the annual receipt will state it.
        yearly = tax_reduction(scheme, amount * MONTHS_IN_A_YEAR, rules, **extra)
        body["yearly_net_cost_cents"] = yearly.net_cost_cents
        body["yearly_net_cost_display"] = format_euros(yearly.net_cost_cents)
    elif kind and kind not in ("one_off", "ifi"):
        return _bad_request(_("kind: must be one_off, monthly or ifi"))
    return jsonify(body)
