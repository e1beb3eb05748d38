"""POST /stripe/webhook: Stripe's events, verified on the raw body."""

from __future__ import annotations

import json
import logging

import stripe
from flask import Blueprint, Response, current_app, jsonify, request

from donations import checkout_limits
from donations.extensions import csrf, db
from donations.stripe_events import Delivery, receive_event

log = logging.getLogger(__name__)

bp = Blueprint("webhooks", __name__, url_prefix="/stripe")
csrf.exempt(bp)

STATUS = {Delivery.APPLIED: 200, Delivery.IGNORED: 200, Delivery.DUPLICATE: 200, Delivery.FAILED: 500}


def _refuse(message: str) -> tuple[Response, int]:
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
        event = json.loads(payload)
    except ValueError:
        return _refuse("the body is not JSON")
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        return _refuse("not a Stripe event")
    live_service = str(current_app.config.get("STRIPE_SECRET_KEY") or "").startswith(("sk_live_", "rk_live_"))
    if bool(event.get("livemode")) != live_service:
        log.warning("event %s refused: livemode=%s on a %s service", event["id"], event.get("livemode"), "live" if live_service else "test")
        return _refuse("this endpoint does not take events of that mode (live/test)")
    outcome = receive_event(db.session, current_app.extensions["stripe_client"], event)
    if outcome in (Delivery.APPLIED, Delivery.IGNORED):
        # A declined, refused or abandoned checkout, counted once: a burst of them tightens the
        # checkout limits of /donate (card testing).
        checkout_limits.record_failed_checkout(checkout_limits.current_rules(), str(event.get("type", "")))
    return jsonify(received=True, outcome=outcome.value), STATUS[outcome]
