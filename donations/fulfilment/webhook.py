"""POST /stripe/webhook: Stripe's events, verified on the raw body."""

from __future__ import annotations

import logging

import stripe
from flask import Blueprint, Response, current_app, jsonify, request

from donations.extensions import csrf, db
from donations.fulfilment.event_objects import type_of
from donations.fulfilment.event_shape import identifier_of
from donations.fulfilment.events import Delivery, receive_event
from donations.giving import checkout_limits
from donations.operations.metrics import count_webhook_delivery
from donations.platform.usable_text import parse_json

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/stripe")
csrf.exempt(bp)

# A rejected event answers 400 once; its repeats are duplicates (200), so Stripe stops retrying it.
STATUS = {
    Delivery.APPLIED: 200,
    Delivery.IGNORED: 200,
    Delivery.DUPLICATE: 200,
    Delivery.FAILED: 500,
    Delivery.REJECTED: 400,
}


def _refuse(message: str) -> tuple[Response, int]:
    count_webhook_delivery(current_app, "refused")
    return jsonify(error=message), 400


@bp.post("/webhook")
def stripe_webhook():  # type: ignore[no-untyped-def]
    """Verify the signature, store the event by id, apply it once."""
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        log.warning("webhook without a Stripe-Signature header from %s", request.remote_addr)
        return _refuse("missing Stripe-Signature header")
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature,
            current_app.config["STRIPE_WEBHOOK_SECRET"],
            current_app.config["STRIPE_WEBHOOK_TOLERANCE"],
        )
    except (stripe.SignatureVerificationError, UnicodeDecodeError):
        log.warning("webhook with a bad or stale signature from %s", request.remote_addr)
        return _refuse("invalid signature")
    try:
        event = parse_json(payload)
    except ValueError:
        return _refuse("the body is not JSON, or it nests too deep")
    if identifier_of(event) is None:
        # Nothing to key a record on: refused as it is (only a holder of the signing secret can send this).
        log.warning("signed webhook body without a usable event id from %s", request.remote_addr)
        return _refuse("not a Stripe event")
    live_service = bool(current_app.config.get("STRIPE_LIVE_MODE"))
    if (event.get("livemode") is True) != live_service:  # a livemode that is no boolean is rejected below
        log.warning(
            "event %s refused: livemode=%s on a %s service",
            event["id"],
            event.get("livemode"),
            "live" if live_service else "test",
        )
        return _refuse("this endpoint does not take events of that mode (live/test)")
    outcome = receive_event(db.session, current_app.extensions["stripe_client"], event)
    count_webhook_delivery(current_app, outcome.value)
    if outcome == Delivery.REJECTED:
        return jsonify(
            error="the event is malformed or names another donation's Stripe objects: recorded as rejected, not applied",
            outcome=outcome.value,
        ), STATUS[outcome]
    if outcome in (Delivery.APPLIED, Delivery.IGNORED):
        # A declined, refused or abandoned checkout, counted once: a burst of them tightens the
        # checkout limits of /donate (card testing).
        checkout_limits.record_failed_checkout(checkout_limits.current_rules(), type_of(event))
    return jsonify(received=True, outcome=outcome.value), STATUS[outcome]
