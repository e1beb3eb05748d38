"""The thank-you page, the small JSON its script polls, and the receipt behind its signed link."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _

from donations.clock import utcnow
from donations.extensions import db
from donations.giving import thanks_page
from donations.giving.views import bp
from donations.giving.widget import net_cost
from donations.models import Donation, DonorType
from donations.platform.security import no_store
from donations.platform.web import error_response
from donations.receipting.copies import receipt_copy
from donations.receipting.pdfs import receipt_unavailable


def _donation_or_404(public_id: str) -> Donation:
    donation = db.session.scalars(db.select(Donation).where(Donation.public_id == public_id)).first()
    if donation is None:
        abort(404)
    return donation


def _context(donation: Donation) -> dict[str, object]:
    config = current_app.config
    company = donation.donor.donor_type == DonorType.COMPANY
    receipt = thanks_page.issued_receipt(db.session, donation)
    receipt_url = None
    if receipt is not None and thanks_page.receipt_offered(donation, utcnow()):
        token = thanks_page.receipt_token(config["SECRET_KEY"], donation, receipt)
        receipt_url = url_for("public.thanks_receipt", public_id=donation.public_id, token=token)
    return {
        "donation": donation,
        "status": donation.status.value,
        "figures": net_cost(donation.kind, donation.amount_cents, config, company=company),
        "receipt": receipt,
        "receipt_url": receipt_url,
        "suggestion": thanks_page.monthly_suggestion(donation, config),
        "waiting": donation.status.value in thanks_page.WAITING,
    }


@bp.get("/donate/thanks/<public_id>")
def thanks(public_id: str):  # type: ignore[no-untyped-def]
    """Tells the truth: received only once Stripe has confirmed the payment; the page follows by itself."""
    donation = _donation_or_404(public_id)
    return no_store(make_response(render_template("giving/thanks.html", **_context(donation))))


@bp.get("/donate/thanks/<public_id>/state")
def thanks_state(public_id: str):  # type: ignore[no-untyped-def]
    """What the page's script asks every few seconds: the status and the page's body as it is now."""
    donation = _donation_or_404(public_id)
    context = _context(donation)
    body = render_template("giving/_thanks_body.html", **context)
    return no_store(jsonify(status=context["status"], waiting=context["waiting"], html=body))


@bp.get("/donate/thanks/<public_id>/receipt/<token>")
def thanks_receipt(public_id: str, token: str):  # type: ignore[no-untyped-def]
    """The gift's receipt PDF, for as long as the page's signed link lasts."""
    donation = _donation_or_404(public_id)
    max_age = int(current_app.config["THANKS_RECEIPT_LINK_MINUTES"]) * 60
    receipt = thanks_page.receipt_for_token(db.session, current_app.config["SECRET_KEY"], donation, token, max_age)
    if receipt is None:
        body, status = error_response(
            410,
            _(
                "This receipt link has expired. Your receipt was sent by email; you can also download it from your donor area."
            ),
        )
        return no_store(make_response(body, status))
    pdf = receipt_copy(receipt)
    if pdf is None:
        return receipt_unavailable()
    db.session.commit()  # a first drawing records the PDF's hash
    response = Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="recu-fiscal-{receipt.number}.pdf"'},
    )
    return no_store(response)
